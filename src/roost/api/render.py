"""Core events as JSON frames (the WebSocket protocol of docs/events.md)."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime
from functools import singledispatch
from typing import Any

import orjson

from roost.api.schemas.conversations import ConversationOut
from roost.api.schemas.files import file_json
from roost.api.schemas.users import PresenceOut, UserOut
from roost.core.events import (
    XMPP_ONLY,
    BlocklistChanged,
    ConversationChanged,
    Event,
    MembershipChanged,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    MuteChanged,
    PayloadRelayed,
    PepChanged,
    PresenceChanged,
    ReactionsChanged,
    ReadMarkerMoved,
    SessionsRevoked,
    TypingChanged,
    UserChanged,
)
from roost.model.messages import Message

MESSAGE_TYPES: dict[type, str] = {
    MessageCreated: "message.created",
    MessageEdited: "message.edited",
    MessageDeleted: "message.deleted",
    ReactionsChanged: "reaction.changed",
}
# Tuples, built once: `isinstance(x, A | B)` builds the union at every call (once per delivery).
_MESSAGE_EVENTS = (MessageCreated, MessageEdited, MessageDeleted, ReactionsChanged)
_HIDDEN_EVENTS = (PayloadRelayed, PepChanged, *XMPP_ONLY)  # not for the JSON API


def _iso(value: datetime | None) -> str | None:
    """The same text pydantic writes for an aware UTC time."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def message_json(m: Message) -> dict[str, Any]:
    """A message as MessageOut renders it, built directly: this runs for every delivery."""
    return {
        "id": str(m.id),
        "conversation_id": str(m.conversation_id),
        "sender_id": m.sender_id,
        "client_id": m.client_id,
        "body": m.body,
        "created_at": _iso(m.created_at),
        "edited_at": _iso(m.edited_at),
        "deleted": m.deleted_at is not None,
        "reply_to": None if m.reply_to is None else str(m.reply_to),
        "mentions": list(m.mentions),
        "reactions": [{"emoji": r.emoji, "user_ids": list(r.user_ids)} for r in m.reactions],
        "attachments": [file_json(f) for f in m.attachments],
        "encryption": m.encryption,
        "deleted_by": m.deleted_by,
        "deletion_reason": m.deletion_reason,
    }


@singledispatch
def _render(event: object) -> dict[str, Any]:
    raise TypeError(f"no JSON form for {type(event).__name__}")


def _message_event(event: MessageCreated | MessageEdited | MessageDeleted | ReactionsChanged) -> dict[str, Any]:
    return {
        "type": MESSAGE_TYPES[type(event)],
        "event_id": str(event.event_id),
        "message": message_json(event.message),
    }


for _kind in MESSAGE_TYPES:
    _render.register(_kind)(_message_event)


@_render.register
def _(event: ReadMarkerMoved) -> dict[str, Any]:
    return {
        "type": "read.moved",
        "event_id": str(event.event_id),
        "conversation_id": str(event.conversation_id),
        "user_id": event.user_id,
        "message_id": str(event.message_id),
    }


@_render.register
def _(event: ConversationChanged) -> dict[str, Any]:
    return {
        "type": f"conversation.{event.change}",
        "event_id": str(event.event_id),
        "conversation": ConversationOut.from_model(event.conversation).model_dump(mode="json"),
    }


@_render.register
def _(event: MembershipChanged) -> dict[str, Any]:
    return {
        "type": f"member.{event.change}",
        "event_id": str(event.event_id),
        "conversation_id": str(event.conversation_id),
        "user_id": event.user_id,
        "role": event.role.value if event.role else None,
    }


@_render.register
def _(event: PresenceChanged) -> dict[str, Any]:
    return {"type": "presence", **PresenceOut.from_model(event.presence).model_dump(mode="json")}


@_render.register
def _(event: TypingChanged) -> dict[str, Any]:
    return {
        "type": "typing",
        "conversation_id": str(event.conversation_id),
        "user_id": event.user_id,
        "active": event.active,
    }


@_render.register
def _(event: UserChanged) -> dict[str, Any]:
    return {"type": "user.updated", "user": UserOut.from_model(event.user).model_dump(mode="json")}


@_render.register
def _(event: BlocklistChanged) -> dict[str, Any]:
    return {"type": "blocks.changed", "user_ids": list(event.user_ids), "blocked": event.blocked}


@_render.register
def _(event: MuteChanged) -> dict[str, Any]:
    return {"type": "mute.changed", "conversation_id": str(event.conversation_id), "muted": event.muted}


@_render.register
def _(event: SessionsRevoked) -> dict[str, Any]:
    return {"type": "session.revoked", "reason": event.reason}


def frame_text(frame: dict[str, Any]) -> str:
    """A frame's JSON text: orjson (compact, UTF-8 as is), several times faster than json.dumps.

    Anything orjson refuses (a lone surrogate in a text, an integer past 64 bits) is
    written by the standard library as before.
    """
    try:
        return orjson.dumps(frame).decode()
    except (orjson.JSONEncodeError, UnicodeDecodeError):
        return json.dumps(frame, ensure_ascii=False)


def render_event(event: Event) -> dict[str, Any]:
    return _render(event)


def is_shown(event: Event) -> bool:
    """Whether the JSON API shows this event (not payloads relayed between XMPP clients, nor PEP)."""
    return not isinstance(event, _HIDDEN_EVENTS)


class FrameCache:
    """The JSON text of recent events: one event goes to many sessions, rendered once.

    A message is serialised once too, for its event frames and its sender's ack alike.
    Keyed by object identity; the object is kept alongside so its id cannot be reused
    while cached.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._frames: OrderedDict[int, tuple[Event, str]] = OrderedDict()
        self._messages: OrderedDict[int, tuple[Message, orjson.Fragment | None]] = OrderedDict()

    def text(self, event: Event) -> str:
        key = id(event)
        hit = self._frames.get(key)
        if hit is not None and hit[0] is event:
            return hit[1]
        if isinstance(event, _MESSAGE_EVENTS):
            head = {"type": MESSAGE_TYPES[type(event)], "event_id": str(event.event_id)}
            text = self._with_message(head, event.message)
        else:
            text = frame_text(render_event(event))
        self._frames[key] = (event, text)
        if len(self._frames) > self._size:
            self._frames.popitem(last=False)
        return text

    def ack_text(self, client_id: str | None, event_id: str | None, message: Message) -> str:
        """The ack of a stored message: everything its message.created frame carries."""
        return self._with_message({"type": "ack", "client_id": client_id, "event_id": event_id}, message)

    def _with_message(self, head: dict[str, Any], message: Message) -> str:
        fragment = self._message(message)
        if fragment is not None:
            try:
                return orjson.dumps({**head, "message": fragment}).decode()
            except (orjson.JSONEncodeError, UnicodeDecodeError):
                pass
        return frame_text({**head, "message": message_json(message)})

    def _message(self, message: Message) -> orjson.Fragment | None:
        """The message's JSON as orjson writes it (None: orjson cannot write it)."""
        key = id(message)
        hit = self._messages.get(key)
        if hit is not None and hit[0] is message:
            return hit[1]
        try:
            fragment: orjson.Fragment | None = orjson.Fragment(orjson.dumps(message_json(message)))
        except orjson.JSONEncodeError:
            fragment = None
        self._messages[key] = (message, fragment)
        if len(self._messages) > self._size:
            self._messages.popitem(last=False)
        return fragment
