"""Accounts and their credentials in SQL."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.errors import Conflict
from roost.model.users import AccountChange, Credentials, NewUser, ScramKeys, User
from roost.store.sql import tables as t
from roost.store.sql.convert import sqlite_text_time, user_from_row, utc, utc_required
from roost.store.sql.engine import Database
from roost.store.sql.sqlite_thread import SqliteThread
from roost.store.sql.writer import Writer

IN_CHUNK = 500  # names per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def _credential_values(creds: Credentials) -> dict[str, Any]:
    values: dict[str, Any] = {"argon2_hash": creds.argon2_hash}
    for name, keys in (("scram_sha1", creds.scram_sha1), ("scram_sha256", creds.scram_sha256)):
        values[f"{name}_salt"] = keys.salt
        values[f"{name}_iterations"] = keys.iterations
        values[f"{name}_stored_key"] = keys.stored_key
        values[f"{name}_server_key"] = keys.server_key
    return values


def _credentials(row: Any) -> Credentials:
    return Credentials(
        argon2_hash=row.argon2_hash, scram_sha1=_scram(row, "scram_sha1"), scram_sha256=_scram(row, "scram_sha256")
    )


def _scram(row: Any, name: str) -> ScramKeys:
    return ScramKeys(
        salt=getattr(row, f"{name}_salt"),
        iterations=getattr(row, f"{name}_iterations"),
        stored_key=getattr(row, f"{name}_stored_key"),
        server_key=getattr(row, f"{name}_server_key"),
    )


# Both read the columns of `_user_of` first.
USER_SQLITE = (
    "SELECT u.id, u.username, u.display_name, u.title, u.department, u.is_admin, u.is_disabled, u.created_at,"
    " u.last_seen_at, u.avatar_sha1 FROM users AS u WHERE u.id = ? AND u.is_deleted = 0"
)
LOGIN_SQLITE = (
    "SELECT u.id, u.username, u.display_name, u.title, u.department, u.is_admin, u.is_disabled, u.created_at,"
    " u.last_seen_at, u.avatar_sha1, c.argon2_hash, c.scram_sha1_salt, c.scram_sha1_iterations,"
    " c.scram_sha1_stored_key, c.scram_sha1_server_key, c.scram_sha256_salt, c.scram_sha256_iterations,"
    " c.scram_sha256_stored_key, c.scram_sha256_server_key"
    " FROM users AS u LEFT OUTER JOIN credentials AS c ON c.user_id = u.id"
    " WHERE u.username = ? AND u.is_deleted = 0"
)


def _user_sqlite(user_id: int, db: sqlite3.Connection) -> User | None:
    """`get` on the hot-read connection (in its thread)."""
    row = db.execute(USER_SQLITE, (user_id,)).fetchone()
    return None if row is None else _user_of(row)


def _login_sqlite(username: str, db: sqlite3.Connection) -> tuple[User, Credentials | None] | None:
    """`get_login` on the hot-read connection (in its thread): the same values, ~20 times cheaper."""
    row = db.execute(LOGIN_SQLITE, (username,)).fetchone()
    if row is None:
        return None
    user = _user_of(row)
    if row[10] is None:
        return user, None
    sha1 = ScramKeys(salt=row[11], iterations=row[12], stored_key=row[13], server_key=row[14])
    sha256 = ScramKeys(salt=row[15], iterations=row[16], stored_key=row[17], server_key=row[18])
    return user, Credentials(argon2_hash=row[10], scram_sha1=sha1, scram_sha256=sha256)


def _user_of(row: tuple[Any, ...]) -> User:
    """A user from the first ten columns of USER_SQLITE or LOGIN_SQLITE."""
    return User(
        id=row[0],
        username=row[1],
        display_name=row[2],
        title=row[3],
        department=row[4],
        is_admin=bool(row[5]),
        is_disabled=bool(row[6]),
        created_at=utc_required(sqlite_text_time(row[7])),
        last_seen_at=None if row[8] is None else utc(sqlite_text_time(row[8])),
        avatar=row[9],
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class SqlUserStore:
    """Users and credentials."""

    db: Database
    writer: Writer

    async def create(self, new: NewUser, creds: Credentials, now: datetime) -> User:
        async def write(conn: AsyncConnection) -> int:
            exists = await conn.scalar(select(t.users.c.id).where(t.users.c.username == new.username))
            if exists is not None:
                raise Conflict("user.exists", f"The user id {new.username!r} is taken.")
            result = await conn.execute(
                t.users.insert().values(
                    username=new.username,
                    display_name=new.display_name or new.username,
                    title=new.title,
                    department=new.department,
                    is_admin=new.is_admin,
                    is_disabled=False,
                    is_deleted=False,
                    created_at=now,
                )
            )
            user_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            await conn.execute(t.credentials.insert().values(user_id=user_id, **_credential_values(creds)))
            return user_id

        user_id = await self.writer.write(write)
        user = await self.get(user_id)
        assert user is not None
        return user

    def _hot(self) -> SqliteThread | None:
        """The hot-read connection (engine.py), once started."""
        hot = self.db.hot
        return hot if hot is not None and hot.running else None

    async def get(self, user_id: int) -> User | None:
        if hot := self._hot():  # read for every presence and rendered name
            found: User | None = await hot.run(functools.partial(_user_sqlite, user_id))
            return found
        query = select(t.users).where(t.users.c.id == user_id, t.users.c.is_deleted.is_(False))
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return user_from_row(row) if row else None

    async def get_by_username(self, username: str) -> User | None:
        query = select(t.users).where(t.users.c.username == username, t.users.c.is_deleted.is_(False))
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return user_from_row(row) if row else None

    async def get_many_by_username(self, usernames: list[str]) -> list[User]:
        """The users with these usernames (deleted ones left out), in reads of at most IN_CHUNK names."""
        found: list[User] = []
        async with self.db.reader.connect() as conn:
            for start in range(0, len(usernames), IN_CHUNK):
                names = usernames[start : start + IN_CHUNK]
                query = select(t.users).where(t.users.c.username.in_(names), t.users.c.is_deleted.is_(False))
                found.extend(user_from_row(row) for row in await conn.execute(query))
        return found

    async def disabled_among(self, user_ids: list[int]) -> set[int]:
        """Which of these accounts are disabled (or deleted), in reads of at most IN_CHUNK ids."""
        found: set[int] = set()
        async with self.db.reader.connect() as conn:
            for start in range(0, len(user_ids), IN_CHUNK):
                chunk = user_ids[start : start + IN_CHUNK]
                query = select(t.users.c.id).where(t.users.c.id.in_(chunk), t.users.c.is_disabled.is_(True))
                found.update(await conn.scalars(query))
        return found

    async def get_many(self, user_ids: list[int]) -> list[User]:
        """The users with these ids, in reads of at most IN_CHUNK ids."""
        found: list[User] = []
        async with self.db.reader.connect() as conn:
            for start in range(0, len(user_ids), IN_CHUNK):
                query = select(t.users).where(t.users.c.id.in_(user_ids[start : start + IN_CHUNK]))
                found.extend(user_from_row(row) for row in await conn.execute(query))
        return found

    async def search(self, text: str, *, after: str | None, limit: int, include_disabled: bool) -> list[User]:
        """Users ordered by username, matching `text` in username, name or title."""
        if "\x00" in text or "\x00" in (after or ""):  # no stored text holds NUL; PostgreSQL refuses it
            return []
        query = select(t.users).where(t.users.c.is_deleted.is_(False))
        if not include_disabled:
            query = query.where(t.users.c.is_disabled.is_(False))
        if text:
            pattern = f"%{_escape_like(text.lower())}%"
            fields = (t.users.c.username, t.users.c.display_name, t.users.c.title, t.users.c.department)
            query = query.where(or_(*(func.lower(f).like(pattern, escape="\\") for f in fields)))
        if after is not None:
            query = query.where(t.users.c.username > after)
        query = query.order_by(t.users.c.username).limit(limit)
        async with self.db.reader.connect() as conn:
            return [user_from_row(row) for row in await conn.execute(query)]

    async def active_ids(self) -> list[int]:
        query = select(t.users.c.id).where(t.users.c.is_deleted.is_(False), t.users.c.is_disabled.is_(False))
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def update(self, user_id: int, **values: Any) -> User | None:
        """Change profile fields or flags (display_name, title, department, is_admin, ...)."""

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(update(t.users).where(t.users.c.id == user_id).values(**values))

        await self.writer.write(write)
        return await self.get(user_id)

    async def mark_deleted(self, user_id: int) -> None:
        """Keep the row (history names its sender) but remove every way in."""

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(update(t.users).where(t.users.c.id == user_id).values(is_deleted=True, is_disabled=True))
            for table in (t.credentials, t.tokens, t.members, t.group_members):
                await conn.execute(table.delete().where(table.c.user_id == user_id))

        await self.writer.write(write)

    # -- the log of account changes that running servers follow (core/accounts/service.py)

    async def note_changes(self, user_ids: Sequence[int], change: str, origin: str, now: datetime) -> None:
        """One note per account, all in one write."""
        if not user_ids:
            return

        async def write(conn: AsyncConnection) -> None:
            rows = [{"user_id": user_id, "change": change, "origin": origin, "at": now} for user_id in user_ids]
            await conn.execute(t.account_changes.insert(), rows)

        await self.writer.write(write)

    async def changes_after(self, change_id: int, limit: int) -> list[AccountChange]:
        c = t.account_changes.c
        query = select(c.id, c.user_id, c.change, c.origin).where(c.id > change_id).order_by(c.id).limit(limit)
        async with self.db.reader.connect() as conn:
            return [AccountChange(row.id, row.user_id, row.change, row.origin) for row in await conn.execute(query)]

    async def last_change_id(self) -> int:
        async with self.db.reader.connect() as conn:
            return int(await conn.scalar(select(func.coalesce(func.max(t.account_changes.c.id), 0))) or 0)

    async def forget_changes(self, before: datetime) -> None:
        """Remove old notes but the newest: SQLite numbers a row after the highest id left, and
        servers follow the notes by id (a table left empty would start again from 1)."""
        c = t.account_changes.c
        newest = select(func.max(c.id)).scalar_subquery()

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(t.account_changes.delete().where(c.at < before, c.id < newest))

        await self.writer.write(write)

    async def set_credentials(self, user_id: int, creds: Credentials) -> None:
        async def write(conn: AsyncConnection) -> None:
            await conn.execute(
                update(t.credentials).where(t.credentials.c.user_id == user_id).values(**_credential_values(creds))
            )

        await self.writer.write(write)

    async def get_credentials(self, user_id: int) -> Credentials | None:
        query = select(t.credentials).where(t.credentials.c.user_id == user_id)
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return _credentials(row) if row is not None else None

    async def get_login(self, username: str) -> tuple[User, Credentials | None] | None:
        """The user of this username and their credentials, in one read (every login asks both)."""
        if hot := self._hot():
            found: tuple[User, Credentials | None] | None = await hot.run(functools.partial(_login_sqlite, username))
            return found
        u, c = t.users, t.credentials
        query = (
            select(u, c)
            .select_from(u.outerjoin(c, c.c.user_id == u.c.id))
            .where(u.c.username == username, u.c.is_deleted.is_(False))
        )
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return user_from_row(row), _credentials(row) if row.argon2_hash is not None else None

    async def count_admins(self) -> int:
        query = select(func.count()).where(
            t.users.c.is_admin.is_(True), t.users.c.is_disabled.is_(False), t.users.c.is_deleted.is_(False)
        )
        async with self.db.reader.connect() as conn:
            return int(await conn.scalar(query) or 0)
