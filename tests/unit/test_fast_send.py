"""The `send` fast path accepts only what SendCommand accepts, and reads it the same way."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from roost.api.commands import Send, SendCommand, command_adapter, fast_send

BIG = "9223372036854775807"  # ID_MAX
CASES = [
    {"type": "send", "conversation_id": "12", "body": "hi"},
    {"type": "send", "conversation_id": 12, "body": "hi", "client_id": "c-1"},
    {"type": "send", "conversation_id": "0012", "client_id": None, "reply_to": "5", "attachments": ["7", 8]},
    {"type": "send", "conversation_id": BIG, "body": "é 😀 \u2028"},
    {"type": "send", "conversation_id": "9223372036854775808"},  # past 64 bits
    {"type": "send", "conversation_id": "12345678901234567890"},  # 20 digits
    {"type": "send", "conversation_id": "-1"},
    {"type": "send", "conversation_id": -1},
    {"type": "send", "conversation_id": "١٢"},  # non-ASCII digits
    {"type": "send", "conversation_id": "²"},
    {"type": "send", "conversation_id": ""},
    {"type": "send", "conversation_id": True},
    {"type": "send", "conversation_id": 1.0},
    {"type": "send", "conversation_id": None},
    {"type": "send"},
    {"type": "send", "conversation_id": "1", "body": 5},
    {"type": "send", "conversation_id": "1", "body": None},
    {"type": "send", "conversation_id": "1", "client_id": ""},
    {"type": "send", "conversation_id": "1", "client_id": "x" * 128},
    {"type": "send", "conversation_id": "1", "client_id": "x" * 129},
    {"type": "send", "conversation_id": "1", "client_id": 5},
    {"type": "send", "conversation_id": "1", "reply_to": "x"},
    {"type": "send", "conversation_id": "1", "reply_to": None},
    {"type": "send", "conversation_id": "1", "attachments": None},
    {"type": "send", "conversation_id": "1", "attachments": "7"},
    {"type": "send", "conversation_id": "1", "attachments": ["7", "x"]},
    {"type": "send", "conversation_id": "1", "attachments": [str(i) for i in range(1000)]},
    {"type": "send", "conversation_id": "1", "attachments": [str(i) for i in range(1001)]},
    {"type": "send", "conversation_id": "1", "extra": 1},
    {"type": "Send", "conversation_id": "1"},
    {"type": "ping"},
]


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_fast_path_agrees_with_pydantic(case: dict[str, object]) -> None:
    text = json.dumps(case, ensure_ascii=False)
    fast = fast_send(text)
    try:
        checked = command_adapter.validate_json(text)
    except ValidationError:
        assert fast is None  # refused: the slow path gives the error
        return
    if fast is not None:
        assert isinstance(checked, SendCommand)
        assert fast == Send.of(checked)


def test_plain_sends_take_the_fast_path() -> None:
    assert fast_send('{"type":"send","conversation_id":"12","body":"hi","client_id":"c"}') == Send(
        12, "hi", "c", None, ()
    )
    for text in ('{"type":"send","conversation_id":"1"', "[]", '"send"', "", '{"type":"send","conversation_id":"1"}x'):
        assert fast_send(text) is None
