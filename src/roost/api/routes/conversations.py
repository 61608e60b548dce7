"""Conversations and rooms: list, create, settings, members, read markers, typing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from roost.api.deps import Me, SearchText, ServicesDep
from roost.api.schemas.common import Ok, SerialId
from roost.api.schemas.conversations import (
    ConversationOut,
    DirectIn,
    InviteIn,
    MemberOut,
    MuteIn,
    ReadIn,
    RoleIn,
    RoomIn,
    RoomUpdateIn,
    SummaryOut,
    TypingIn,
)
from roost.model.conversations import NewRoom

router = APIRouter(tags=["conversations"])
ConversationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/conversations")
async def list_conversations(me: Me, services: ServicesDep) -> list[SummaryOut]:
    """The caller's conversations, most recent activity first, with unread and mention counts."""
    return [SummaryOut.from_summary(s) for s in await services.conversations.list_for(me)]


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: ConversationId, me: Me, services: ServicesDep) -> ConversationOut:
    return ConversationOut.from_model(await services.conversations.get(me, conversation_id))


@router.post("/rooms", status_code=201)
async def create_room(body: RoomIn, me: Me, services: ServicesDep) -> ConversationOut:
    room = await services.conversations.create_room(
        me, NewRoom(body.name, body.topic, body.visibility), body.member_ids
    )
    return ConversationOut.from_model(room)


@router.get("/rooms")
async def open_rooms(
    me: Me,
    services: ServicesDep,
    q: SearchText = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ConversationOut]:
    """Open rooms anyone in the organisation may join."""
    return [ConversationOut.from_model(c) for c in await services.conversations.open_rooms(q, limit)]


@router.post("/directs")
async def open_direct(body: DirectIn, me: Me, services: ServicesDep) -> ConversationOut:
    """The direct conversation with someone (made on first use)."""
    return ConversationOut.from_model(await services.conversations.open_direct(me, body.user_id))


@router.patch("/rooms/{conversation_id}")
async def update_room(
    conversation_id: ConversationId, body: RoomUpdateIn, me: Me, services: ServicesDep
) -> ConversationOut:
    """Rename, change topic or visibility, archive or unarchive (room admins)."""
    room = await services.conversations.update(me, conversation_id, **body.model_dump(exclude_none=True))
    return ConversationOut.from_model(room)


@router.get("/conversations/{conversation_id}/members")
async def members(conversation_id: ConversationId, me: Me, services: ServicesDep) -> list[MemberOut]:
    return [MemberOut.from_model(m) for m in await services.conversations.members(me, conversation_id)]


@router.post("/rooms/{conversation_id}/members")
async def invite(conversation_id: ConversationId, body: InviteIn, me: Me, services: ServicesDep) -> Ok:
    await services.conversations.invite(me, conversation_id, body.user_ids)
    return Ok()


@router.put("/rooms/{conversation_id}/members/me")
async def join(conversation_id: ConversationId, me: Me, services: ServicesDep) -> MemberOut:
    """Join an open room."""
    return MemberOut.from_model(await services.conversations.join(me, conversation_id))


@router.put("/rooms/{conversation_id}/members/{user_id}/role")
async def set_role(
    conversation_id: ConversationId, user_id: SerialId, body: RoleIn, me: Me, services: ServicesDep
) -> Ok:
    await services.conversations.set_role(me, conversation_id, user_id, body.role)
    return Ok()


@router.delete("/rooms/{conversation_id}/members/{user_id}")
async def remove_member(conversation_id: ConversationId, user_id: SerialId, me: Me, services: ServicesDep) -> Ok:
    """Remove a member (room admins), or leave (your own user id)."""
    await services.conversations.remove(me, conversation_id, user_id)
    return Ok()


@router.put("/conversations/{conversation_id}/read")
async def mark_read(conversation_id: ConversationId, body: ReadIn, me: Me, services: ServicesDep) -> Ok:
    """Move the caller's read marker forward; all their devices and the members learn it."""
    await services.conversations.mark_read(me, conversation_id, body.message_id)
    return Ok()


@router.put("/conversations/{conversation_id}/mute")
async def mute(conversation_id: ConversationId, body: MuteIn, me: Me, services: ServicesDep) -> Ok:
    """Mute or unmute for the caller only: the list shows `muted`, clients then stay quiet."""
    await services.conversations.set_muted(me, conversation_id, body.muted)
    return Ok()


@router.put("/conversations/{conversation_id}/typing")
async def typing(conversation_id: ConversationId, body: TypingIn, me: Me, services: ServicesDep) -> Ok:
    await services.conversations.set_typing(me, conversation_id, body.active)
    return Ok()
