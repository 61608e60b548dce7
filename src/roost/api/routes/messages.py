"""Messages: history, send, edit, delete, reactions, search, catch-up."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from roost.api.deps import Me, ServicesDep
from roost.api.render import render_event
from roost.api.schemas.common import Id, SerialId
from roost.api.schemas.messages import EditIn, HistoryOut, MessageOut, ReactionIn, SearchOut, SendIn, VersionOut
from roost.model.messages import SearchQuery

router = APIRouter(tags=["messages"])
BigId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Cursor = Annotated[Id | None, Query()]


@router.get("/conversations/{conversation_id}/messages")
async def history(
    conversation_id: BigId,
    me: Me,
    services: ServicesDep,
    before: Cursor = None,
    after: Cursor = None,
    around: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> HistoryOut:
    """A page of history in ascending order: latest, `before`/`after` a message id, or `around` one."""
    page = await services.archive.history(me, conversation_id, before=before, after=after, around=around, limit=limit)
    messages = [MessageOut.from_model(m) for m in page.messages]
    return HistoryOut(messages=messages, has_before=page.has_before, has_after=page.has_after)


@router.post("/conversations/{conversation_id}/messages", status_code=201)
async def send(conversation_id: BigId, body: SendIn, me: Me, services: ServicesDep, response: Response) -> MessageOut:
    """Store and deliver a message; answered after it is committed. A re-sent client_id returns 200."""
    appended = await services.archive.send(
        me,
        conversation_id,
        body.body,
        client_id=body.client_id,
        reply_to=body.reply_to,
        attachments=tuple(body.attachments),
    )
    if not appended.created:
        response.status_code = 200
    return MessageOut.from_model(appended.message)


@router.get("/messages/{message_id}")
async def get_message(message_id: BigId, me: Me, services: ServicesDep) -> MessageOut:
    return MessageOut.from_model(await services.archive.get(me, message_id))


@router.patch("/messages/{message_id}")
async def edit(message_id: BigId, body: EditIn, me: Me, services: ServicesDep) -> MessageOut:
    return MessageOut.from_model(await services.archive.edit(me, message_id, body.body))


@router.delete("/messages/{message_id}")
async def delete(message_id: BigId, me: Me, services: ServicesDep, reason: str | None = None) -> MessageOut:
    """Delete a message: its sender, or a room admin, who may give a `reason` (kept on the tombstone)."""
    return MessageOut.from_model(await services.archive.delete(me, message_id, reason=reason))


@router.get("/messages/{message_id}/versions")
async def versions(message_id: BigId, me: Me, services: ServicesDep) -> list[VersionOut]:
    """Earlier bodies of an edited message, oldest first."""
    return [VersionOut.from_model(v) for v in await services.archive.versions(me, message_id)]


@router.post("/messages/{message_id}/reactions")
async def add_reaction(message_id: BigId, body: ReactionIn, me: Me, services: ServicesDep) -> MessageOut:
    return MessageOut.from_model(await services.archive.react(me, message_id, body.emoji, add=True))


@router.delete("/messages/{message_id}/reactions/{emoji}")
async def remove_reaction(
    message_id: BigId, emoji: Annotated[str, Path(max_length=64)], me: Me, services: ServicesDep
) -> MessageOut:
    return MessageOut.from_model(await services.archive.react(me, message_id, emoji, add=False))


@router.get("/search")
async def search(
    me: Me,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    conversation_id: Annotated[list[Id] | None, Query()] = None,
    sender_id: SerialId | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    before: Id | None = None,
) -> SearchOut:
    """Full-text search in the caller's conversations, newest first; `before` (the last result's
    id) gives the next page."""
    query = SearchQuery(q, tuple(conversation_id or ()), sender_id, since, until, limit, before_id=before)
    return SearchOut(messages=[MessageOut.from_model(m) for m in await services.archive.search(me, query)])


@router.get("/events")
async def catch_up(me: Me, services: ServicesDep, since: Annotated[Id, Query()] = 0) -> dict[str, object]:
    """Events after `since` (the last event id a client saw), as the WebSocket would send them."""
    result = await services.catchup.since(me, since)
    return {
        "events": [render_event(e) for e in result.events],
        "last_event_id": str(result.last_event_id),
        "complete": result.complete,
    }
