"""The WebSocket's hand-built message JSON is exactly what the REST schema renders."""

from __future__ import annotations

from datetime import UTC, datetime

from roost.api.render import message_json
from roost.api.schemas.messages import MessageOut
from roost.model.messages import Message, Reaction


def test_message_json_matches_the_rest_schema() -> None:
    full = Message(
        id=382661034147577856,
        conversation_id=382661034126606336,
        sender_id=7,
        client_id="c-1",
        body="hello <b>@amy</b>",
        created_at=datetime(2026, 11, 21, 23, 40, 1, 123456, tzinfo=UTC),
        edited_at=datetime(2026, 11, 21, 23, 41, tzinfo=UTC),
        reply_to=382661034147577000,
        mentions=(3, 4),
        reactions=(Reaction("👍", (3, 7)), Reaction("🎉", (4,))),
    )
    bare = Message(1, 2, 3, None, "", datetime(2026, 1, 1, tzinfo=UTC), deleted_at=datetime(2026, 1, 2, tzinfo=UTC))
    for message in (full, bare):
        assert message_json(message) == MessageOut.from_model(message).model_dump(mode="json")
