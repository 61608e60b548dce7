"""Roster items and presence subscriptions (RFC 6121 §2 and §3) between the organisation's people.

With the shared roster (the default) every colleague is a contact with subscription `both`:
an item for a colleague may be renamed and regrouped (kept as a hand-made item over the
shared one) but not removed, and subscription requests between colleagues change nothing
(a request is approved at once). Without it, subscriptions follow RFC 6121 between the
accounts of this server (`core/directory/subscriptions.py`). Each change of an item is a
`ContactChanged` for the owner's clients (roster pushes) with the roster's new version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from roost.core.accounts.service import AccountsService
from roost.core.directory.service import DirectoryService
from roost.core.directory.subscriptions import inbound, outbound
from roost.core.events import ContactChanged, Event, PresenceAccessChanged, SubscriptionSent
from roost.core.routing.service import Router
from roost.model.directory import Contact, Subscription, SubscriptionKind, SubscriptionState
from roost.model.errors import Forbidden, NotFound, RoostError, TooLarge
from roost.model.users import User
from roost.store.protocols import DirectoryStore

NAME_MAX = 200


def version_of(contacts: list[Contact]) -> str:
    """A roster version (RFC 6121 §2.6): changes whenever any item does, shared items included."""
    rows = sorted((c.contact, c.name, c.subscription.value, c.ask, list(c.groups)) for c in contacts)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class RosterService:
    """Changes to a person's roster and their subscriptions; reads go through `items`."""

    store: DirectoryStore
    accounts: AccountsService
    directory: DirectoryService
    router: Router

    async def items(self, owner: User) -> tuple[list[Contact], str]:
        """The roster of `owner` and its version."""
        contacts = await self.directory.roster(owner)
        return contacts, version_of(contacts)

    async def set_item(self, owner: User, contact: str, name: str, groups: tuple[str, ...]) -> Contact:
        """Add or change an item (RFC 6121 §2.3): its name and groups; the subscription stays."""
        self._check_item(owner, contact, name, groups)
        found = await self._item(owner, contact)
        subscription, ask = (found.subscription, found.ask) if found else (Subscription.NONE, False)
        await self.store.put_contact(Contact(owner.id, contact, name, subscription, ask, groups, False))
        return await self._push(owner, contact)

    async def remove_item(self, owner: User, contact: str) -> None:
        """Remove an item (RFC 6121 §2.5), cancelling the subscriptions both ways first."""
        if await self._item(owner, contact) is None:
            raise NotFound("roster.not_found", "That address is not in your roster.")
        if await self._colleague(owner, contact) is not None:
            raise Forbidden("roster.shared", "Colleagues are in everyone's roster; you can rename or regroup them.")
        state = await self._state(owner.id, contact)
        if state.sees or state.ask:
            await self.send(owner, contact, SubscriptionKind.UNSUBSCRIBE)
        if state.shows or state.pending_in:
            await self.send(owner, contact, SubscriptionKind.UNSUBSCRIBED)
        await self.store.set_subscription_request(owner.id, contact, present=False)
        await self.store.delete_contact(owner.id, contact)
        _, version = await self.items(owner)
        gone = Contact(owner.id, contact, "", Subscription.NONE, False, (), False)
        self._tell(owner.id, ContactChanged(owner.id, gone, removed=True, version=version))

    async def requests(self, owner: User) -> list[str]:
        """Who asked to see the owner's presence and waits for an answer (sent again at each login)."""
        return await self.store.subscription_requests(owner.id)

    async def send(self, owner: User, contact: str, kind: SubscriptionKind) -> None:
        """`owner` sends a subscription request or answer to `contact` (a username).

        NotFound for an address that is not an active account of this server."""
        other = await self._account(contact)
        if other.id == owner.id:
            return
        if self.directory.shared_roster:
            if kind is SubscriptionKind.SUBSCRIBE:  # colleagues see each other already
                self._tell(owner.id, SubscriptionSent(other.id, owner.id, SubscriptionKind.SUBSCRIBED))
            return
        mine, theirs = await self._state(owner.id, other.username), await self._state(other.id, owner.username)
        sent = outbound(mine, kind)
        mine_after, theirs_after = sent.state, theirs
        told: list[SubscriptionSent] = []  # after the roster pushes (RFC 6121 §3.1.6)
        if sent.passed_on:
            received = inbound(theirs, kind)
            theirs_after = received.state
            if received.passed_on:
                told.append(SubscriptionSent(owner.id, other.id, kind))
            if received.auto_approved:
                mine_after = inbound(mine_after, SubscriptionKind.SUBSCRIBED).state
                told.append(SubscriptionSent(other.id, owner.id, SubscriptionKind.SUBSCRIBED))
        await self._save(owner, other.username, mine, mine_after)
        await self._save(other, owner.username, theirs, theirs_after)
        for event in told:
            self._tell(event.to_user_id, event)
        self._access(owner.id, other.id, mine.sees, mine_after.sees)
        self._access(other.id, owner.id, theirs.sees, theirs_after.sees)

    def _check_item(self, owner: User, contact: str, name: str, groups: tuple[str, ...]) -> None:
        if contact == owner.username:
            raise Forbidden("roster.self", "You cannot add yourself to your roster.")
        if len(name) > NAME_MAX or any(len(group) > NAME_MAX for group in groups):
            raise TooLarge("roster.name_long", f"Names and groups have at most {NAME_MAX} characters.")

    async def _item(self, owner: User, contact: str) -> Contact | None:
        return next((c for c in await self.directory.roster(owner) if c.contact == contact), None)

    async def _colleague(self, owner: User, contact: str) -> User | None:
        """The account behind `contact` when the shared roster makes them a colleague of `owner`."""
        if not self.directory.shared_roster:
            return None
        try:
            other = await self._account(contact)
        except RoostError:
            return None
        return other if other.id != owner.id else None

    async def _account(self, contact: str) -> User:
        if "@" in contact:
            raise NotFound("user.not_found", "Only accounts of this server have subscriptions.")
        user = await self.accounts.lookup(contact)
        if user.is_disabled:
            raise NotFound("user.not_found", f"No user {contact!r}.")
        return user

    async def _state(self, owner_id: int, contact: str) -> SubscriptionState:
        item = next((c for c in await self.store.contacts(owner_id) if c.contact == contact), None)
        pending = contact in await self.store.subscription_requests(owner_id)
        if item is None:
            return SubscriptionState(pending_in=pending)
        return SubscriptionState(item.subscription, item.ask, pending)

    async def _save(self, owner: User, contact: str, before: SubscriptionState, after: SubscriptionState) -> None:
        if after.pending_in != before.pending_in:
            await self.store.set_subscription_request(owner.id, contact, present=after.pending_in)
        if (after.subscription, after.ask) == (before.subscription, before.ask):
            return
        item = next((c for c in await self.store.contacts(owner.id) if c.contact == contact), None)
        item = item or Contact(owner.id, contact, "", Subscription.NONE, False, (), False)
        await self.store.put_contact(replace(item, subscription=after.subscription, ask=after.ask))
        self.directory.forget(owner.id)
        await self._push(owner, contact)

    async def _push(self, owner: User, contact: str) -> Contact:
        contacts, version = await self.items(owner)
        shown = next(c for c in contacts if c.contact == contact)
        self._tell(owner.id, ContactChanged(owner.id, shown, removed=False, version=version))
        return shown

    def _access(self, watcher_id: int, owner_id: int, before: bool, after: bool) -> None:
        self.directory.forget(watcher_id)
        self.directory.forget(owner_id)
        if before != after:
            self._tell(watcher_id, PresenceAccessChanged(watcher_id, owner_id, granted=after))

    def _tell(self, user_id: int, event: Event) -> None:
        self.router.send(event, frozenset([user_id]))
