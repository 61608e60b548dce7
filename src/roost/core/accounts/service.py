"""Accounts: creating people, their passwords, profiles and flags."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import cast

from roost.core.accounts import passwords
from roost.core.clock import Clock
from roost.core.events import AccountChangeKind, SessionsRevoked, UserChanged
from roost.core.routing.service import Router
from roost.core.ttl import RefreshingCache
from roost.model.errors import BadRequest, NotAuthorized, NotFound
from roost.model.users import NewUser, User, normalize_username
from roost.store.protocols import TokenStore, UserStore

PROFILE_FIELD_MAX = 200
FOLLOW_BATCH = 500  # account changes read per pass
KEEP_CHANGES = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)


def check_profile_field(name: str, value: str) -> str:
    value = value.strip()
    if len(value) > PROFILE_FIELD_MAX:
        raise BadRequest(
            f"user.{name}_long", f"The {name.replace('_', ' ')} is longer than {PROFILE_FIELD_MAX} characters."
        )
    if any(ord(c) < 32 for c in value):
        raise BadRequest(f"user.{name}_char", f"The {name.replace('_', ' ')} contains control characters.")
    return value


@dataclass
class _Following:
    """How far this process has read the log of account changes."""

    change_id: int = 0
    pruned_at: datetime | None = None


@dataclass(frozen=True)
class AccountsService:
    """The organisation's accounts; only admins (or the local CLI) change other people.

    Every change is told to this process's sessions at once and noted in the store's log of
    account changes, under this process's `origin`; a running server follows the notes of
    the others (`follow_elsewhere`), so a colleague added or disabled with the CLI shows in
    open directories and XMPP rosters within seconds.
    """

    users: UserStore
    tokens: TokenStore
    router: Router
    clock: Clock
    password_min: int = 8
    origin: str = field(default_factory=lambda: secrets.token_hex(8))
    _by_name: RefreshingCache[str, User] = field(init=False)
    _following: _Following = field(init=False, default_factory=_Following)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", RefreshingCache(self.clock, self._load_by_name))

    async def _load_by_name(self, usernames: list[str]) -> dict[str, User]:
        return {user.username: user for user in await self.users.get_many_by_username(usernames)}

    async def create(self, new: NewUser, password: str) -> User:
        username = normalize_username(new.username)
        fields = {f: check_profile_field(f, getattr(new, f)) for f in ("display_name", "title", "department")}
        prepared = passwords.prepare(password, self.password_min)
        creds = await asyncio.to_thread(passwords.derive, prepared)
        user = NewUser(username=username, is_admin=new.is_admin, **fields)
        created = await self.users.create(user, creds, self.clock.now())
        await self._tell("created", created)  # everyone's directory shows them at once
        return created

    async def get(self, user_id: int) -> User:
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound("user.not_found", "No such user.")
        return user

    async def by_username(self, username: str) -> User:
        user = await self.users.get_by_username(normalize_username(username))
        if user is None:
            raise NotFound("user.not_found", f"No user {username!r}.")
        return user

    def cached(self, username: str) -> User | None:
        """`lookup` when the cache has the account (no await), else None."""
        return self._by_name.get(normalize_username(username))

    async def lookup(self, username: str) -> User:
        """`by_username` from a cache refreshed behind the reader, for the paths every message takes.

        Changes made here are seen at once; changes made by another process within about
        the cache's seconds (core/ttl.py). Read the store (`by_username`) before changing an account.
        """
        user = await self._by_name.fetch(normalize_username(username))
        if user is None:
            raise NotFound("user.not_found", f"No user {username!r}.")
        return user

    def _forget(self, user: User | None) -> None:
        if user is not None:
            self._by_name.forget(user.username)

    async def check_password(self, username: str, password: str) -> User:
        """The user whose password this is, or NotAuthorized (same time either way)."""
        try:
            found = await self.users.get_login(normalize_username(username))
        except BadRequest:
            found = None
        user, creds = found if found is not None else (None, None)
        prepared = passwords.prepare(password, 0)
        if user is None or creds is None or user.is_disabled:
            await asyncio.to_thread(passwords.burn, prepared)
            raise NotAuthorized("auth.failed", "Wrong user id or password.")
        if not await asyncio.to_thread(passwords.verify, creds.argon2_hash, prepared):
            raise NotAuthorized("auth.failed", "Wrong user id or password.")
        return user

    async def set_password(self, user_id: int, password: str) -> None:
        await self.get(user_id)
        prepared = passwords.prepare(password, self.password_min)
        await self.users.set_credentials(user_id, await asyncio.to_thread(passwords.derive, prepared))

    async def update_profile(
        self, user_id: int, *, display_name: str | None = None, title: str | None = None, department: str | None = None
    ) -> User:
        given = {"display_name": display_name, "title": title, "department": department}
        values = {k: check_profile_field(k, v) for k, v in given.items() if v is not None}
        if values.get("display_name") == "":
            raise BadRequest("user.display_name_empty", "The display name is empty.")
        before = await self.get(user_id) if "display_name" in values else None
        user = await self.users.update(user_id, **values) if values else await self.get(user_id)
        if user is None:
            raise NotFound("user.not_found", "No such user.")
        self._forget(user)
        renamed = before is not None and before.display_name != user.display_name  # XMPP rosters show the name
        await self._tell("renamed" if renamed else "profile", user)
        return user

    async def changed(self, user_id: int) -> User:
        """The account as stored now, told to everyone (after its avatar changed)."""
        user = await self.get(user_id)
        self._forget(user)
        await self._tell("avatar", user)
        return user

    async def set_disabled(self, user_id: int, disabled: bool) -> User:
        """Disabling ends every live session and login of the user at once."""
        user = await self.users.update(user_id, is_disabled=disabled)
        if user is None:
            raise NotFound("user.not_found", "No such user.")
        self._forget(user)
        if disabled:
            await self.tokens.delete(user_id)
            self.router.send(SessionsRevoked(user_id, None, "account disabled"), frozenset({user_id}))
        await self._tell("disabled" if disabled else "enabled", user)  # in directories or not
        return user

    async def set_admin(self, user_id: int, is_admin: bool) -> User:
        if not is_admin:
            await self._keep_one_admin(user_id)
        user = await self.users.update(user_id, is_admin=is_admin)
        if user is None:
            raise NotFound("user.not_found", "No such user.")
        self._forget(user)
        await self._tell("admin", user)
        return user

    async def delete(self, user_id: int) -> None:
        """Remove the account; its messages stay in history under its name."""
        await self._keep_one_admin(user_id)
        user = await self.get(user_id)
        self._forget(user)
        await self.users.mark_deleted(user_id)
        self.router.send(SessionsRevoked(user_id, None, "account deleted"), frozenset({user_id}))
        await self._tell("deleted", replace(user, is_disabled=True))  # out of directories

    async def groups_changed(self, user_ids: frozenset[int]) -> None:
        """These people's directory groups changed (the groups their colleagues see them under)."""
        await self._tell("groups", *await self.users.get_many(sorted(user_ids)))

    async def _tell(self, change: AccountChangeKind, *users: User) -> None:
        """Sessions here learn of the change now; other processes from its notes (one write)."""
        for user in users:
            self.router.send(UserChanged(user, change), None)
        await self.users.note_changes([user.id for user in users], change, self.origin, self.clock.now())

    async def start_following(self) -> None:
        """Follow the account changes made from now on (a server, at start)."""
        self._following.change_id = await self.users.last_change_id()

    async def follow_elsewhere(self) -> int:
        """Tell this process's sessions the account changes other processes (the CLI) made
        since the last call; how many. Notes older than a day are removed now and then.

        On PostgreSQL a note whose transaction commits after a later one was read is
        missed; its change then shows at the next reload."""
        following = self._following
        changes = await self.users.changes_after(following.change_id, FOLLOW_BATCH)
        theirs = [c for c in changes if c.origin != self.origin]
        accounts = {u.id: u for u in await self.users.get_many(list({c.user_id for c in theirs}))} if theirs else {}
        for change in theirs:
            user = accounts.get(change.user_id)
            if user is None:
                continue
            self._forget(user)
            kind = cast(AccountChangeKind, change.change)
            self.router.send(UserChanged(replace(user, is_disabled=True) if kind == "deleted" else user, kind), None)
        if changes:  # after telling: a failed read is tried again at the next pass
            following.change_id = changes[-1].id
        now = self.clock.now()
        if following.pruned_at is None or now - following.pruned_at >= PRUNE_EVERY:
            following.pruned_at = now
            await self.users.forget_changes(now - KEEP_CHANGES)
        return len(theirs)

    async def _keep_one_admin(self, user_id: int) -> None:
        user = await self.get(user_id)
        # count_admins counts active admins only: a disabled one is never the last
        if user.is_admin and not user.is_disabled and await self.users.count_admins() <= 1:
            raise BadRequest("user.last_admin", "This is the last admin: make someone else admin first.")

    async def search(self, text: str, *, after: str | None, limit: int, include_disabled: bool = False) -> list[User]:
        return await self.users.search(text.strip(), after=after, limit=limit, include_disabled=include_disabled)

    async def get_many(self, user_ids: list[int]) -> list[User]:
        return await self.users.get_many(user_ids)

    async def disabled_among(self, user_ids: list[int]) -> set[int]:
        return await self.users.disabled_among(user_ids)
