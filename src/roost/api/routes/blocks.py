"""The caller's blocklist (the same one XMPP clients edit with XEP-0191).

A blocked person cannot send the caller direct messages (403 `block.blocked`), the caller
cannot write to them either (403 `block.blocking`), and neither sees the other's presence.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from roost.api.deps import Me, ServicesDep
from roost.api.schemas.blocks import BlockOut, BlocksOut
from roost.api.schemas.common import ErrorOut, SerialId

router = APIRouter(tags=["blocks"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Yourself, or the blocklist is full."},
    404: {"model": ErrorOut, "description": "No such user."},
}


@router.get("/blocks")
async def list_blocks(me: Me, services: ServicesDep) -> BlocksOut:
    """The people the caller blocks, oldest block first."""
    return BlocksOut(items=[BlockOut.from_model(u) for u in await services.blocking.blocked(me)])


@router.put("/blocks/{user_id}", status_code=204, responses=ERRORS)
async def block(user_id: SerialId, me: Me, services: ServicesDep) -> Response:
    """Block a person (blocking someone already blocked changes nothing). 400 for oneself."""
    await services.blocking.block(me, [user_id])
    return Response(status_code=204)


@router.delete("/blocks/{user_id}", status_code=204)
async def unblock(user_id: SerialId, me: Me, services: ServicesDep) -> Response:
    """Unblock a person (unblocking someone not blocked changes nothing)."""
    await services.blocking.unblock(me, [user_id])
    return Response(status_code=204)


@router.delete("/blocks", status_code=204)
async def unblock_everyone(me: Me, services: ServicesDep) -> Response:
    """Empty the blocklist."""
    await services.blocking.unblock(me, None)
    return Response(status_code=204)
