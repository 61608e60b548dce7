"""Shared schema pieces: ids as strings (JavaScript numbers lose 64-bit precision)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema


def _to_int(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit() and len(value) <= 19:
        return int(value)
    return value


Id = Annotated[
    int,
    BeforeValidator(_to_int),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,19}$", "description": "64-bit id as a decimal string"}),
]


class In(BaseModel):
    """A request body: unknown fields are refused rather than ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=1_000_000)


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class Ok(BaseModel):
    ok: bool = True
