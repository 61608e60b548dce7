"""Commands a client sends over the WebSocket (docs/events.md), validated by pydantic.

`send`, by far the most frequent, has a fast path (`fast_send`) for commands that are
plainly valid; anything else goes through the pydantic models, with their errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from roost.api.schemas.common import ID_MAX, Id
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


CLIENT_ID_MAX = 128
ATTACHMENTS_MAX = 1000
ID_DIGITS_MAX = 19
SEND_FIELDS = frozenset({"type", "client_id", "conversation_id", "body", "reply_to", "attachments"})


@dataclass(frozen=True, slots=True)
class Send:
    """A validated `send` command, by either path."""

    conversation_id: int
    body: str
    client_id: str | None
    reply_to: int | None
    attachments: tuple[int, ...]

    @classmethod
    def of(cls, command: SendCommand) -> Send:
        return cls(
            command.conversation_id, command.body, command.client_id, command.reply_to, tuple(command.attachments)
        )


def _id(value: Any) -> int | None:
    """An `Id` as SendCommand reads it (a decimal string or an integer in range); None: not plainly one."""
    if type(value) is str:
        if not (0 < len(value) <= ID_DIGITS_MAX and value.isascii() and value.isdigit()):
            return None
        value = int(value)
    elif type(value) is not int:
        return None
    return value if 0 <= value <= ID_MAX else None


def fast_send(text: str | bytes) -> Send | None:
    """A `send` command that SendCommand would accept as it is, read without pydantic (~5x
    cheaper); None for anything else, which `command_adapter` then validates (or refuses)."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or data.get("type") != "send" or not SEND_FIELDS.issuperset(data):
        return None
    conversation_id = _id(data.get("conversation_id"))
    body = data.get("body", "")
    client_id = data.get("client_id")
    reply_to = data.get("reply_to")
    listed = data.get("attachments", [])
    if (
        conversation_id is None
        or type(body) is not str
        or (client_id is not None and (type(client_id) is not str or not 0 < len(client_id) <= CLIENT_ID_MAX))
        or type(listed) is not list
        or len(listed) > ATTACHMENTS_MAX
    ):
        return None
    if reply_to is not None and (reply_to := _id(reply_to)) is None:
        return None
    ids = [_id(value) for value in listed]
    attachments = tuple(file_id for file_id in ids if file_id is not None)
    if len(attachments) != len(ids):
        return None
    return Send(conversation_id, body, client_id, reply_to, attachments)
