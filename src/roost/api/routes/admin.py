"""Admin console: people and groups (the same core/admin operations as the CLI)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, Field

from roost.api.deps import Me, SearchText, ServicesDep
from roost.api.schemas.common import In, Ok
from roost.api.schemas.conversations import ConversationOut
from roost.api.schemas.users import GroupOut, UserOut
from roost.model.conversations import RoomListing
from roost.model.users import NewUser

router = APIRouter(prefix="/admin", tags=["admin"])
Username = Annotated[str, Path(min_length=1, max_length=64)]


class NewUserIn(In):
    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(None, max_length=1024)
    display_name: str = Field("", max_length=200)
    title: str = Field("", max_length=200)
    department: str = Field("", max_length=200)
    is_admin: bool = False


class CreatedUserOut(BaseModel):
    user: UserOut
    generated_password: str | None


class UserFlagsIn(In):
    is_disabled: bool | None = None
    is_admin: bool | None = None


class PasswordResetIn(In):
    password: str | None = Field(None, max_length=1024)


class PasswordResetOut(BaseModel):
    generated_password: str | None


class ImportRowOut(BaseModel):
    line: int
    username: str
    generated_password: str | None
    error: str | None


class RoomListingOut(ConversationOut):
    member_count: int

    @classmethod
    def from_listing(cls, listing: RoomListing) -> RoomListingOut:
        return cls(**ConversationOut.from_model(listing.conversation).model_dump(), member_count=listing.member_count)


class NewGroupIn(In):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    with_room: bool = True


@router.get("/users")
async def list_users(
    me: Me,
    services: ServicesDep,
    q: SearchText = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[UserOut]:
    """Everyone, disabled accounts included."""
    return [UserOut.from_model(u) for u in await services.admin.users(me, q, after=cursor, limit=limit)]


@router.post("/users", status_code=201)
async def add_user(body: NewUserIn, me: Me, services: ServicesDep) -> CreatedUserOut:
    """Create an account; without a password, one is generated and shown once."""
    new = NewUser(body.username, body.display_name, body.title, body.department, body.is_admin)
    user, generated = await services.admin.add_user(me, new, body.password)
    return CreatedUserOut(user=UserOut.from_model(user), generated_password=generated)


@router.patch("/users/{username}")
async def set_flags(username: Username, body: UserFlagsIn, me: Me, services: ServicesDep) -> UserOut:
    """Disable (ends their sessions at once) or enable, make or unmake admin."""
    user = await services.admin.user(me, username)
    if body.is_disabled is not None:
        user = await services.admin.set_disabled(me, username, body.is_disabled)
    if body.is_admin is not None:
        user = await services.admin.set_admin(me, username, body.is_admin)
    return UserOut.from_model(user)


@router.put("/users/{username}/password")
async def reset_password(username: Username, body: PasswordResetIn, me: Me, services: ServicesDep) -> PasswordResetOut:
    return PasswordResetOut(generated_password=await services.admin.reset_password(me, username, body.password))


@router.delete("/users/{username}")
async def delete_user(username: Username, me: Me, services: ServicesDep) -> Ok:
    await services.admin.delete_user(me, username)
    return Ok()


@router.post("/users/import")
async def import_users(
    me: Me, services: ServicesDep, csv_text: Annotated[str, Body(media_type="text/csv", max_length=10_000_000)]
) -> list[ImportRowOut]:
    """Bulk-create accounts from CSV (header: username,password,display_name,title,department,admin)."""
    results = await services.admin.import_csv(me, csv_text)
    return [
        ImportRowOut(line=r.line, username=r.username, generated_password=r.generated_password, error=r.error)
        for r in results
    ]


@router.get("/groups")
async def list_groups(me: Me, services: ServicesDep) -> list[GroupOut]:
    """Every group with its members (ids and usernames)."""
    groups = await services.admin.groups(me)
    return GroupOut.many(groups, await services.accounts.get_many(GroupOut.member_ids_of(groups)))


@router.post("/groups", status_code=201)
async def create_group(body: NewGroupIn, me: Me, services: ServicesDep) -> Ok:
    await services.admin.create_group(me, body.name, body.description, with_room=body.with_room)
    return Ok()


@router.put("/groups/{group}/members/{username}")
async def add_to_group(
    group: Annotated[str, Path(max_length=200)], username: Username, me: Me, services: ServicesDep
) -> Ok:
    await services.admin.add_to_group(me, group, username)
    return Ok()


@router.delete("/groups/{group}/members/{username}")
async def remove_from_group(
    group: Annotated[str, Path(max_length=200)], username: Username, me: Me, services: ServicesDep
) -> Ok:
    """Take someone out of a group; they stay in its room (a room admin removes them there)."""
    await services.admin.remove_from_group(me, group, username)
    return Ok()


@router.delete("/groups/{group}")
async def delete_group(group: Annotated[str, Path(max_length=200)], me: Me, services: ServicesDep) -> Ok:
    """Delete a group; its room stays, with its members and history."""
    await services.admin.delete_group(me, group)
    return Ok()


@router.get("/rooms")
async def list_rooms(
    me: Me, services: ServicesDep, q: SearchText = "", limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[RoomListingOut]:
    """Every room, invite-only and archived ones included, by name, with member counts."""
    return [RoomListingOut.from_listing(r) for r in await services.admin.rooms(me, q, limit=limit)]
