"""Directory groups and hand-made roster items in SQL."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.directory import Contact, Group, Subscription
from roost.model.errors import Conflict, NotFound
from roost.store.sql import tables as t
from roost.store.sql.engine import Database
from roost.store.sql.writer import Writer


@dataclass
class SqlDirectoryStore:
    db: Database
    writer: Writer

    async def create_group(self, name: str, description: str, default_room_id: int | None) -> Group:
        async def write(conn: AsyncConnection) -> int:
            if await conn.scalar(select(t.groups.c.id).where(t.groups.c.name == name)) is not None:
                raise Conflict("group.exists", f"A group named {name!r} exists.")
            values = {"name": name, "description": description, "default_room_id": default_room_id}
            result = await conn.execute(t.groups.insert().values(**values))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

        group_id = await self.writer.write(write)
        return Group(group_id, name, description, default_room_id)

    async def groups(self) -> list[Group]:
        async with self.db.reader.connect() as conn:
            members: dict[int, list[int]] = defaultdict(list)
            for row in await conn.execute(select(t.group_members).order_by(t.group_members.c.user_id)):
                members[row.group_id].append(row.user_id)
            rows = list(await conn.execute(select(t.groups).order_by(t.groups.c.name)))
        return [Group(r.id, r.name, r.description, r.default_room_id, tuple(members[r.id])) for r in rows]

    async def group_by_name(self, name: str) -> Group:
        for group in await self.groups():
            if group.name == name:
                return group
        raise NotFound("group.not_found", f"No group named {name!r}.")

    async def delete_group(self, group_id: int) -> None:
        async def write(conn: AsyncConnection) -> None:
            await conn.execute(t.group_members.delete().where(t.group_members.c.group_id == group_id))
            await conn.execute(t.groups.delete().where(t.groups.c.id == group_id))

        await self.writer.write(write)

    async def set_group_member(self, group_id: int, user_id: int, *, present: bool) -> None:
        await self.writer.write(
            lambda conn: _set_row(conn, t.group_members, present, group_id=group_id, user_id=user_id)
        )

    async def contacts(self, owner_id: int) -> list[Contact]:
        query = select(t.contacts).where(t.contacts.c.owner_id == owner_id).order_by(t.contacts.c.contact)
        async with self.db.reader.connect() as conn:
            return [_contact(r) for r in await conn.execute(query)]

    async def contacts_naming(self, contact: str) -> list[Contact]:
        """Everyone's hand-made roster item for this address."""
        query = select(t.contacts).where(t.contacts.c.contact == contact)
        async with self.db.reader.connect() as conn:
            return [_contact(r) for r in await conn.execute(query)]

    async def watchers(self, username: str) -> list[int]:
        """Owners whose roster item for `username` subscribes to its presence (to or both)."""
        c = t.contacts
        query = select(c.c.owner_id).where(c.c.contact == username, c.c.subscription.in_(("to", "both")))
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def followed(self, owner_id: int) -> list[int]:
        """Accounts whose presence `owner_id` subscribes to (roster items with to or both)."""
        c, u = t.contacts, t.users
        query = (
            select(u.c.id)
            .join(c, c.c.contact == u.c.username)
            .where(c.c.owner_id == owner_id, c.c.subscription.in_(("to", "both")))
        )
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def put_contact(self, contact: Contact) -> None:
        c = t.contacts
        values = {
            "name": contact.name,
            "subscription": contact.subscription.value,
            "ask": contact.ask,
            "groups": json.dumps(list(contact.groups)),
        }

        async def write(conn: AsyncConnection) -> None:
            key = (c.c.owner_id == contact.owner_id) & (c.c.contact == contact.contact)
            await conn.execute(c.delete().where(key))
            await conn.execute(c.insert().values(owner_id=contact.owner_id, contact=contact.contact, **values))

        await self.writer.write(write)

    async def delete_contact(self, owner_id: int, contact: str) -> bool:
        c = t.contacts

        async def write(conn: AsyncConnection) -> bool:
            key = (c.c.owner_id == owner_id) & (c.c.contact == contact)
            return bool((await conn.execute(c.delete().where(key))).rowcount)

        return await self.writer.write(write)

    async def subscription_requests(self, owner_id: int) -> list[str]:
        """Who asked to see the owner's presence and has no answer yet (RFC 6121 pending-in)."""
        r = t.subscription_requests
        query = select(r.c.contact).where(r.c.owner_id == owner_id).order_by(r.c.contact)
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def set_subscription_request(self, owner_id: int, contact: str, *, present: bool) -> None:
        table = t.subscription_requests
        await self.writer.write(lambda conn: _set_row(conn, table, present, owner_id=owner_id, contact=contact))


async def _set_row(conn: AsyncConnection, table: Table, present: bool, **key: object) -> None:
    """Make the row with this key exist (present) or not; no change when it already is so."""
    where = and_(*(table.c[name] == value for name, value in key.items()))
    exists = await conn.scalar(select(func.count()).select_from(table).where(where))
    if present and not exists:
        await conn.execute(table.insert().values(**key))
    elif not present and exists:
        await conn.execute(table.delete().where(where))


def _contact(row: Any) -> Contact:
    return Contact(
        row.owner_id,
        row.contact,
        row.name,
        Subscription(row.subscription),
        bool(row.ask),
        tuple(json.loads(row.groups)),
        False,
    )
