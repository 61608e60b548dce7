"""Admin operations, written once for the CLI and the /v1/admin API."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from roost.core.accounts.service import AccountsService
from roost.core.conversations.service import ConversationService
from roost.core.directory.service import DirectoryService
from roost.model.conversations import RoomListing
from roost.model.directory import Group
from roost.model.errors import BadRequest, Forbidden, RoostError
from roost.model.users import NewUser, User

IMPORT_COLUMNS = ("username", "password", "display_name", "title", "department", "admin")
IMPORT_ROWS_MAX = 10_000
TRUE_WORDS = {"1", "yes", "true", "y", "admin"}


@dataclass(frozen=True)
class ImportResult:
    """One CSV row's outcome: a generated password is shown once, here."""

    line: int
    username: str
    generated_password: str | None
    error: str | None


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class AdminService:
    """`actor` is the admin asking, or None for the server's own CLI (a local root)."""

    accounts: AccountsService
    directory: DirectoryService
    conversations: ConversationService

    async def has_admin(self) -> bool:
        return await self.accounts.users.count_admins() > 0

    @staticmethod
    def check_admin(actor: User | None) -> None:
        if actor is not None and not actor.is_admin:
            raise Forbidden("admin.required", "Only admins may do this.")

    async def add_user(self, actor: User | None, new: NewUser, password: str | None) -> tuple[User, str | None]:
        """Create an account; without a password one is generated and returned once."""
        self.check_admin(actor)
        generated = None if password else generate_password()
        user = await self.accounts.create(new, password or generated or "")
        return user, generated

    async def users(
        self, actor: User | None, text: str = "", *, after: str | None = None, limit: int = 100
    ) -> list[User]:
        self.check_admin(actor)
        return await self.accounts.search(text, after=after, limit=limit, include_disabled=True)

    async def user(self, actor: User | None, username: str) -> User:
        self.check_admin(actor)
        return await self.accounts.by_username(username)

    async def reset_password(self, actor: User | None, username: str, password: str | None) -> str | None:
        self.check_admin(actor)
        user = await self.accounts.by_username(username)
        generated = None if password else generate_password()
        await self.accounts.set_password(user.id, password or generated or "")
        return generated

    async def set_disabled(self, actor: User | None, username: str, disabled: bool) -> User:
        self.check_admin(actor)
        user = await self.accounts.by_username(username)
        if actor is not None and actor.id == user.id and disabled:
            raise BadRequest("admin.self", "You cannot disable yourself.")
        return await self.accounts.set_disabled(user.id, disabled)

    async def set_admin(self, actor: User | None, username: str, is_admin: bool) -> User:
        self.check_admin(actor)
        user = await self.accounts.by_username(username)
        return await self.accounts.set_admin(user.id, is_admin)

    async def delete_user(self, actor: User | None, username: str) -> None:
        self.check_admin(actor)
        user = await self.accounts.by_username(username)
        if actor is not None and actor.id == user.id:
            raise BadRequest("admin.self", "You cannot delete yourself.")
        conversations = self.directory.conversations
        for conversation_id in await conversations.store.conversation_ids_of(user.id):
            await conversations.drop_member(conversation_id, user.id)  # members are told
        await self.accounts.delete(user.id)
        conversations.forget_user(user.id)

    async def import_csv(self, actor: User | None, text: str) -> list[ImportResult]:
        """Create accounts from CSV with a header row (columns: IMPORT_COLUMNS; username required)."""
        self.check_admin(actor)
        reader = csv.DictReader(io.StringIO(text, newline=""))  # newline="": the csv module reads line ends
        _read_header(reader)
        if reader.fieldnames is None or "username" not in reader.fieldnames:
            raise BadRequest("import.header", "The first line must name the columns, including 'username'.")
        unknown = set(reader.fieldnames) - set(IMPORT_COLUMNS)
        if unknown:
            raise BadRequest(
                "import.column", f"Unknown column {sorted(unknown)[0]!r}; known: {', '.join(IMPORT_COLUMNS)}."
            )
        return [await self._import_row(line, row) for line, row in _limited(reader)]

    async def _import_row(self, line: int, row: dict[str, str]) -> ImportResult:
        username = (row.get("username") or "").strip()
        new = NewUser(
            username=username,
            display_name=row.get("display_name") or "",
            title=row.get("title") or "",
            department=row.get("department") or "",
            is_admin=(row.get("admin") or "").strip().lower() in TRUE_WORDS,
        )
        try:
            _user, generated = await self.add_user(None, new, row.get("password") or None)
        except RoostError as error:
            return ImportResult(line, username, None, error.message)
        return ImportResult(line, username, generated, None)

    async def groups(self, actor: User | None) -> list[Group]:
        self.check_admin(actor)
        return await self.directory.groups()

    async def create_group(
        self, actor: User | None, name: str, description: str, *, with_room: bool, owner: User | None = None
    ) -> Group:
        """A group, and unless `with_room` is False its room, owned by `owner` (default: the admin
        making it; the CLI, acting as no one, names one)."""
        self.check_admin(actor)
        room_owner = owner or actor
        if room_owner is None:
            raise BadRequest("group.owner", "A group's room needs an owner.")
        if room_owner.is_disabled:
            raise BadRequest("group.owner", f"{room_owner.username} is disabled: name someone active as the owner.")
        return await self.directory.create_group(room_owner, name, description, with_room=with_room)

    async def rooms(self, actor: User | None, text: str = "", *, limit: int = 100) -> list[RoomListing]:
        """Every room of the server, invite-only and archived ones included."""
        self.check_admin(actor)
        return await self.conversations.rooms(text, limit)

    async def add_to_group(self, actor: User | None, group: str, username: str) -> None:
        self.check_admin(actor)
        await self.directory.add_to_group(group, await self.accounts.by_username(username))

    async def remove_from_group(self, actor: User | None, group: str, username: str) -> None:
        """Take someone out of a group (they stay in its room: a room admin removes them there)."""
        self.check_admin(actor)
        await self.directory.remove_from_group(group, await self.accounts.by_username(username))

    async def delete_group(self, actor: User | None, group: str) -> None:
        """Delete a group; its room stays, with its members and history."""
        self.check_admin(actor)
        await self.directory.delete_group(group)


def _limited(reader: csv.DictReader[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows with the file line each ends on (read while reading: all rows are read first)."""
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if len(rows) >= IMPORT_ROWS_MAX:
                raise BadRequest("import.rows", f"Import at most {IMPORT_ROWS_MAX} rows at once.")
            rows.append((reader.line_num, row))
    except csv.Error:
        raise _not_csv(reader) from None
    return rows


def _read_header(reader: csv.DictReader[str]) -> None:
    """Read the header row now (`fieldnames` reads it lazily), so broken CSV is a BadRequest."""
    try:
        _ = reader.fieldnames
    except csv.Error:
        raise _not_csv(reader) from None


def _not_csv(reader: csv.DictReader[str]) -> BadRequest:
    return BadRequest("import.csv", f"The text is not valid CSV near line {max(reader.line_num, 1)}.")
