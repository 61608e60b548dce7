"""Full-text search: FTS5 trigram on SQLite, tsvector prefix + trigram ILIKE on PostgreSQL.

Both match a word's prefix ("deploy" finds "deployment") and text written
without spaces between words (Chinese, Japanese), case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.messages import Message, SearchQuery
from roost.store.sql import tables as t
from roost.store.sql.engine import Database
from roost.store.sql.messages import hydrate

TRIGRAM = 3
WORD = re.compile(r"^[A-Za-z0-9]+$")


def search_terms(raw: str) -> list[str]:
    return [term for term in raw.split() if term][:16]


def _like(column: Any, term: str, *, insensitive: bool) -> ColumnElement[bool]:
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if insensitive:
        return column.ilike(pattern, escape="\\")  # type: ignore[no-any-return]
    return column.like(pattern, escape="\\")  # type: ignore[no-any-return]


def _sqlite_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    if long_terms:
        # Each term is a quoted phrase: trigram phrases are substring matches.
        match = " AND ".join('"' + term.replace('"', '""') + '"' for term in long_terms)
        fts: Any = (
            select(literal_column("rowid")).select_from(text("messages_fts")).where(text("messages_fts MATCH :fts"))
        )
        conditions.append(t.messages.c.id.in_(fts.params(fts=match)))
    for term in terms:
        if len(term) < TRIGRAM:  # too short for the trigram index: a scan, still correct
            conditions.append(_like(t.messages.c.body, term, insensitive=False))
    return conditions


def _postgres_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for term in terms:
        if WORD.match(term):
            query = func.to_tsquery("simple", f"'{term.lower()}':*")
            conditions.append(literal_column("messages.search").op("@@")(query))
        else:
            conditions.append(_like(t.messages.c.body, term, insensitive=True))
    return conditions


@dataclass
class SqlSearchStore:
    db: Database

    async def search(self, query: SearchQuery) -> list[Message]:
        """Newest first; only in `query.conversation_ids` (the core passes the caller's)."""
        terms = search_terms(query.text)
        if not terms or not query.conversation_ids:
            return []
        m = t.messages
        build = _sqlite_conditions if self.db.dialect == "sqlite" else _postgres_conditions
        statement = select(m).where(
            m.c.conversation_id.in_(query.conversation_ids), m.c.deleted_at.is_(None), *build(terms)
        )
        if query.sender_id is not None:
            statement = statement.where(m.c.sender_id == query.sender_id)
        if query.since is not None:
            statement = statement.where(m.c.created_at >= query.since)
        if query.until is not None:
            statement = statement.where(m.c.created_at < query.until)
        statement = statement.order_by(m.c.id.desc()).limit(query.limit)
        async with self.db.reader.connect() as conn:
            return await self._run(conn, statement)

    @staticmethod
    async def _run(conn: AsyncConnection, statement: Any) -> list[Message]:
        rows = list(await conn.execute(statement))
        return await hydrate(conn, rows)
