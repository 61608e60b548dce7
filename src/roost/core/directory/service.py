"""The directory: the organisation's people as everyone's buddy list, and groups."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from roost.core.accounts.service import AccountsService
from roost.core.conversations.service import ConversationService
from roost.core.ttl import TtlCache
from roost.model.conversations import NewRoom, Visibility
from roost.model.directory import Contact, Group, Subscription
from roost.model.errors import BadRequest, Conflict, NotFound
from roost.model.users import User
from roost.store.protocols import DirectoryStore

PAGE_MAX = 200
ORGANISATION_GROUP = "Colleagues"


@dataclass(frozen=True)
class RosterItems:
    """One colleague's item in each owner's roster (`DirectoryService.roster_items`)."""

    colleague: User
    groups: tuple[str, ...]  # their `roster_groups`
    own: dict[int, Contact]  # hand-made items naming them, by owner
    shared_roster: bool

    def item_for(self, owner: User) -> Contact | None:
        """`owner`'s item, or None when there is none (a disabled colleague without a hand-made item)."""
        colleague = self.colleague
        if colleague.id == owner.id:
            return None
        own = self.own.get(owner.id)
        if not self.shared_roster or colleague.is_disabled:
            return own
        if own is not None:
            return replace(own, subscription=Subscription.BOTH, ask=False)
        return Contact(
            owner.id, colleague.username, colleague.display_name, Subscription.BOTH, False, self.groups, True
        )


@dataclass(frozen=True)
class DirectoryService:
    """Shared roster: every active member is a contact of every other, with presence both ways."""

    store: DirectoryStore
    accounts: AccountsService
    conversations: ConversationService
    shared_roster: bool = True
    # Without the shared roster: who sees whom, per user (roster items change rarely).
    _audiences: TtlCache[int, frozenset[int]] = field(init=False)
    _visible: TtlCache[int, frozenset[int]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_audiences", TtlCache(self.accounts.clock))
        object.__setattr__(self, "_visible", TtlCache(self.accounts.clock))

    async def people(self, text: str, *, after: str | None, limit: int) -> tuple[list[User], str | None]:
        """A page of the directory by username; the cursor is the last username."""
        if not 1 <= limit <= PAGE_MAX:
            raise BadRequest("directory.limit", f"The page size is 1 to {PAGE_MAX}.")
        page = await self.accounts.search(text, after=after, limit=limit + 1)
        more = len(page) > limit
        page = page[:limit]
        return page, (page[-1].username if more and page else None)

    async def roster(self, owner: User) -> list[Contact]:
        """The contacts of `owner` (RFC 6121 items): the directory, plus hand-made items."""
        own = {c.contact: c for c in await self.store.contacts(owner.id)}
        if not self.shared_roster:
            return list(own.values())
        groups_of: dict[int, list[str]] = {}
        for group in await self.store.groups():
            for member in group.member_ids:
                groups_of.setdefault(member, []).append(group.name)
        contacts: list[Contact] = []
        after: str | None = None
        while batch := await self.accounts.search("", after=after, limit=PAGE_MAX):
            for user in batch:
                if user.id == owner.id:
                    continue
                if user.username in own:  # renamed or regrouped by hand: still a colleague, both ways
                    own[user.username] = replace(own[user.username], subscription=Subscription.BOTH, ask=False)
                    continue
                names = tuple(groups_of.get(user.id, [ORGANISATION_GROUP]))
                contacts.append(
                    Contact(owner.id, user.username, user.display_name, Subscription.BOTH, False, names, True)
                )
            after = batch[-1].username
        return contacts + list(own.values())

    async def roster_groups(self, colleague: User) -> tuple[str, ...]:
        """The groups a colleague shows under in everyone's shared roster."""
        groups = await self.store.groups()
        return tuple(g.name for g in groups if colleague.id in g.member_ids) or (ORGANISATION_GROUP,)

    async def roster_items(self, colleague: User) -> RosterItems:
        """Everyone's roster item for one colleague as `roster` lists it now, from two reads
        (their groups, the hand-made items naming them): for pushing one change to every stream."""
        own = {c.owner_id: c for c in await self.store.contacts_naming(colleague.username)}
        return RosterItems(colleague, await self.roster_groups(colleague), own, self.shared_roster)

    def forget(self, user_id: int) -> None:
        """Drop the cached audiences of someone whose subscriptions changed."""
        self._audiences.forget(user_id)
        self._visible.forget(user_id)

    async def presence_audience(self, user_id: int) -> frozenset[int] | None:
        """Who sees this user's presence: everyone with the shared roster (None), else
        the user's own devices and those whose roster item for them has a subscription to them."""
        if self.shared_roster:
            return None
        cached = self._audiences.get(user_id)
        if cached is not None:
            return cached
        user = await self.accounts.users.get(user_id)
        watchers = await self.store.watchers(user.username) if user else []
        return self._audiences.put(user_id, frozenset([user_id, *watchers]))

    async def visible_to(self, user_id: int) -> frozenset[int] | None:
        """Whose presence this user sees: everyone with the shared roster (None), else
        themself and those their roster items subscribe to (the inverse of presence_audience)."""
        if self.shared_roster:
            return None
        cached = self._visible.get(user_id)
        if cached is not None:
            return cached
        return self._visible.put(user_id, frozenset([user_id, *await self.store.followed(user_id)]))

    async def groups(self) -> list[Group]:
        return await self.store.groups()

    async def create_group(self, creator: User, name: str, description: str = "", *, with_room: bool) -> Group:
        name = name.strip()
        if not name or len(name) > 200:
            raise BadRequest("group.name", "A group name has 1 to 200 characters.")
        if "/" in name:  # it is a path segment of the admin API
            raise BadRequest("group.name", "A group name has no '/'.")
        if any(group.name == name for group in await self.store.groups()):
            raise Conflict("group.exists", f"A group named {name!r} exists.")
        room_id = None
        if with_room:
            room = await self.conversations.create_room(creator, NewRoom(name, description, Visibility.INVITE))
            room_id = room.id
        return await self.store.create_group(name, description, room_id)

    async def add_to_group(self, group_name: str, user: User) -> None:
        """Put someone in a group; they join its default room too. Everyone's shared roster
        shows them under it (a roster push, from this process or the CLI's)."""
        group = await self.store.group_by_name(group_name)
        await self.store.set_group_member(group.id, user.id, present=True)
        if group.default_room_id is not None:
            await self.conversations.add_member(group.default_room_id, user.id)
        if user.id not in group.member_ids:
            await self.accounts.groups_changed(frozenset({user.id}))

    async def remove_from_group(self, group_name: str, user: User) -> None:
        group = await self.store.group_by_name(group_name)
        if user.id not in group.member_ids:
            raise NotFound("group.not_member", f"{user.username} is not in {group.name}.")
        await self.store.set_group_member(group.id, user.id, present=False)
        await self.accounts.groups_changed(frozenset({user.id}))

    async def delete_group(self, group_name: str) -> None:
        group = await self.store.group_by_name(group_name)
        await self.store.delete_group(group.id)
        await self.accounts.groups_changed(frozenset(group.member_ids))
