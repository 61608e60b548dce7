"""The event stream's own text frames are the frames the websockets library would write."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from roost.api.ws_frames import frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 300_000])
def test_a_frame_of_any_length_matches_the_library_framing(size: int) -> None:
    payload = ("é" * size).encode()[:size]  # multi-byte text cut anywhere: framing only counts bytes
    assert frame(payload) == Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])
