"""People, profiles and presence."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from roost.api.schemas.common import In
from roost.model.directory import Group
from roost.model.presence import Presence, Show
from roost.model.users import User


class PresenceOut(BaseModel):
    user_id: int
    show: Show
    status: str
    last_seen_at: datetime | None

    @classmethod
    def from_model(cls, p: Presence) -> PresenceOut:
        return cls(user_id=p.user_id, show=p.show, status=p.status, last_seen_at=p.last_seen_at)


def avatar_url(user: User) -> str | None:
    """Where the person's avatar is; the SHA-1 in it makes the URL change with the image (cacheable)."""
    return f"/api/v1/users/{user.id}/avatar?v={user.avatar}" if user.avatar else None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    title: str
    department: str
    is_admin: bool
    is_disabled: bool
    last_seen_at: datetime | None
    avatar_url: str | None = Field(None, description="The avatar image (add `&size=small` for lists); null: none.")

    @classmethod
    def from_model(cls, u: User) -> UserOut:
        return cls(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            title=u.title,
            department=u.department,
            is_admin=u.is_admin,
            is_disabled=u.is_disabled,
            last_seen_at=u.last_seen_at,
            avatar_url=avatar_url(u),
        )


class PersonOut(UserOut):
    presence: PresenceOut


class PeopleOut(BaseModel):
    items: list[PersonOut]
    next_cursor: str | None


class ProfileIn(In):
    display_name: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=200)
    department: str | None = Field(None, max_length=200)


class PasswordIn(In):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class PresenceIn(In):
    show: Show
    status: str = Field("", max_length=500)


class ContactOut(BaseModel):
    contact: str
    name: str
    subscription: str
    ask: bool
    groups: list[str]
    shared: bool


class GroupMemberOut(BaseModel):
    id: int
    username: str


class GroupOut(BaseModel):
    id: int
    name: str
    description: str
    default_room_id: str | None
    member_ids: list[int]
    members: list[GroupMemberOut]  # the same people with their usernames (the admin page names them)

    @staticmethod
    def member_ids_of(groups: list[Group]) -> list[int]:
        """Everyone in these groups, for one lookup of their usernames (`many`)."""
        return sorted({i for g in groups for i in g.member_ids})

    @classmethod
    def many(cls, groups: list[Group], people: list[User]) -> list[GroupOut]:
        """The groups, their members named from `people` (those of `member_ids_of`)."""
        usernames = {person.id: person.username for person in people}
        return [cls.from_model(g, usernames) for g in groups]

    @classmethod
    def from_model(cls, g: Group, usernames: dict[int, str]) -> GroupOut:
        room = str(g.default_room_id) if g.default_room_id else None
        members = [GroupMemberOut(id=i, username=usernames[i]) for i in g.member_ids if i in usernames]
        return cls(
            id=g.id,
            name=g.name,
            description=g.description,
            default_room_id=room,
            member_ids=list(g.member_ids),
            members=members,
        )
