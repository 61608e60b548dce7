"""Login, sessions and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from roost.api.schemas.common import In
from roost.api.schemas.users import UserOut
from roost.model.auth import TokenInfo


class LoginIn(In):
    username: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str
    session_id: int


class CsrfOut(BaseModel):
    csrf_token: str


class TokenOut(BaseModel):
    id: int
    kind: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    current: bool = False

    @classmethod
    def from_model(cls, t: TokenInfo, current_id: int | None = None) -> TokenOut:
        return cls(
            id=t.id,
            kind=t.kind.value,
            name=t.name,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            expires_at=t.expires_at,
            current=t.id == current_id,
        )


class TokenIn(In):
    name: str = Field(min_length=1, max_length=200)


class NewTokenOut(BaseModel):
    token: TokenOut
    secret: str
