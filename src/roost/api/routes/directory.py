"""The organisation's directory, roster, groups and presence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from roost.api.deps import Me, ServicesDep
from roost.api.schemas.common import SerialId
from roost.api.schemas.users import ContactOut, GroupOut, PeopleOut, PersonOut, PresenceOut, UserOut
from roost.core.services import Services
from roost.model.presence import Presence, Show
from roost.model.users import User

router = APIRouter(tags=["directory"])


def person(services: Services, user: User, *, visible: bool) -> PersonOut:
    """A person with their presence, when the caller may see it (as /presence and XMPP decide:
    the roster's subscriptions, blocks): else unavailable, with no status and no last seen."""
    fields = UserOut.from_model(user).model_dump()
    if visible:
        live = services.presence.of(user.id) or Presence(user.id, Show.UNAVAILABLE, "", user.last_seen_at)
    else:
        live = Presence(user.id, Show.UNAVAILABLE, "", None)
        fields["last_seen_at"] = None
    return PersonOut(**fields, presence=PresenceOut.from_model(live))


@router.get("/people")
async def people(
    me: Me,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PeopleOut:
    """Everyone in the organisation, by user id, with presence; `q` searches name, id and title."""
    users, next_cursor = await services.directory.people(q, after=cursor, limit=limit)
    visible = await services.presence.visible_among(me.id, [u.id for u in users])
    return PeopleOut(items=[person(services, u, visible=u.id in visible) for u in users], next_cursor=next_cursor)


@router.get("/people/{user_id}")
async def get_person(user_id: SerialId, me: Me, services: ServicesDep) -> PersonOut:
    user = await services.accounts.get(user_id)
    return person(services, user, visible=bool(await services.presence.visible_among(me.id, [user.id])))


@router.get("/presence")
async def online(me: Me, services: ServicesDep) -> list[PresenceOut]:
    """Presence of everyone online now whom the caller may see (offline people: see /people)."""
    return [PresenceOut.from_model(p) for p in await services.presence.visible_to(me.id)]


@router.get("/roster")
async def roster(me: Me, services: ServicesDep) -> list[ContactOut]:
    """The caller's contacts with RFC 6121 subscription states."""
    return [
        ContactOut(
            contact=c.contact,
            name=c.name,
            subscription=c.subscription.value,
            ask=c.ask,
            groups=list(c.groups),
            shared=c.shared,
        )
        for c in await services.directory.roster(me)
    ]


@router.get("/groups")
async def groups(me: Me, services: ServicesDep) -> list[GroupOut]:
    groups = await services.directory.groups()
    return GroupOut.many(groups, await services.accounts.get_many(GroupOut.member_ids_of(groups)))
