"""Commands a client sends over the WebSocket (docs/events.md), validated by pydantic."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from roost.api.schemas.common import Id
from roost.model.presence import Show


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str | None = Field(None, min_length=1, max_length=128)


class SendCommand(_Command):
    type: Literal["send"]
    conversation_id: Id
    body: str = ""
    reply_to: Id | None = None
    attachments: list[Id] = Field([], max_length=1000)


class TypingCommand(_Command):
    type: Literal["typing"]
    conversation_id: Id
    active: bool = True


class ReadCommand(_Command):
    type: Literal["read"]
    conversation_id: Id
    message_id: Id


class PresenceCommand(_Command):
    type: Literal["presence"]
    show: Show
    status: str = Field("", max_length=500)


class PingCommand(_Command):
    type: Literal["ping"]


Command = Annotated[
    SendCommand | TypingCommand | ReadCommand | PresenceCommand | PingCommand, Field(discriminator="type")
]
command_adapter: TypeAdapter[Command] = TypeAdapter(Command)
