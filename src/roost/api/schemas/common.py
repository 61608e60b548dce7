"""Shared schema pieces: ids as strings (JavaScript numbers lose 64-bit precision)."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Interval
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema


def _to_int(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit() and len(value) <= 19:
        return int(value)
    return value


ID_MAX = 2**63 - 1  # ids are signed 64-bit integers in the database: larger ones are a 422, not a crash
SERIAL_MAX = 2**31 - 1  # user and token ids are 32-bit serials (INTEGER on PostgreSQL)

Id = Annotated[
    int,
    BeforeValidator(_to_int),
    Interval(ge=0, le=ID_MAX),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,19}$", "description": "64-bit id as a decimal string"}),
]

SerialId = Annotated[int, Interval(ge=1, le=SERIAL_MAX)]


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
