"""The caller's blocklist."""

from __future__ import annotations

from pydantic import BaseModel

from roost.model.users import User


class BlockOut(BaseModel):
    user_id: int
    username: str
    display_name: str

    @classmethod
    def from_model(cls, user: User) -> BlockOut:
        return cls(user_id=user.id, username=user.username, display_name=user.display_name)


class BlocksOut(BaseModel):
    items: list[BlockOut]
