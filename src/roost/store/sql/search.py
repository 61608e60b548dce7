"""Full-text search, the same on SQLite and PostgreSQL.

A term made of letters and digits matches words that start with it, in a word
index: FTS5 (unicode61) on SQLite, a tsvector on PostgreSQL, both splitting
words at punctuation ("deploy" finds "deployment", "example" finds
bob@example.com). Any other term — text in scripts written without spaces
(Chinese, Japanese), or with punctuation inside ("v2/users") — matches
anywhere in the text through a trigram index: FTS5 trigram on SQLite, pg_trgm
on PostgreSQL. Matching ignores case. Every term must match.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.messages import Message, SearchQuery
from roost.store.sql import tables as t
from roost.store.sql.engine import Database
from roost.store.sql.messages import hydrate

TRIGRAM = 3
TERMS_MAX = 16
SPACELESS_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR")


def search_terms(raw: str) -> list[str]:
    return [term for term in raw.split() if term][:TERMS_MAX]


def is_word(term: str) -> bool:
    """Letters and digits of a script that separates words with spaces."""
    return term.isalnum() and not any(unicodedata.name(c, "").startswith(SPACELESS_SCRIPTS) for c in term)


def _as_utc(value: datetime) -> datetime:
    """A zone-less time means UTC; SQLite compares stored UTC text, so convert first."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts(table: str, match: str) -> ColumnElement[bool]:
    rows: Any = select(literal_column("rowid")).select_from(text(table)).where(text(f"{table} MATCH :match"))
    return t.messages.c.id.in_(rows.params(match=match))


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _sqlite_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    words = [term for term in terms if is_word(term)]
    if words:
        conditions.append(_fts("messages_words", " AND ".join(_quoted(w) + "*" for w in words)))
    pieces = [term for term in terms if not is_word(term)]
    long_pieces = [term for term in pieces if len(term) >= TRIGRAM]
    if long_pieces:  # a quoted trigram phrase is a substring match
        conditions.append(_fts("messages_fts", " AND ".join(_quoted(p) for p in long_pieces)))
    for piece in pieces:
        if len(piece) < TRIGRAM:  # too short for the trigram index: a scan, still correct
            # lower() is the connection's Unicode-aware one (engine.py); LIKE folds only ASCII.
            conditions.append(func.lower(t.messages.c.body).like(_pattern(piece.lower()), escape="\\"))
    return conditions


def _postgres_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    words = [term for term in terms if is_word(term)]
    if words:  # letters and digits only: safe inside a quoted tsquery lexeme
        query = " & ".join(f"'{w.lower()}':*" for w in words)
        conditions.append(literal_column("messages.search").op("@@")(func.to_tsquery("simple", query)))
    # pg_trgm's GIN index serves ILIKE for terms of three characters or more.
    conditions += [t.messages.c.body.ilike(_pattern(p), escape="\\") for p in terms if not is_word(p)]
    return conditions


@dataclass
class SqlSearchStore:
    db: Database

    async def search(self, query: SearchQuery) -> list[Message]:
        """Newest first; only in `query.conversation_ids` (the core passes the caller's)."""
        terms = search_terms(query.text)
        if not terms or not query.conversation_ids or "\x00" in query.text:  # no stored text holds NUL
            return []
        m = t.messages
        build = _sqlite_conditions if self.db.dialect == "sqlite" else _postgres_conditions
        statement = select(m).where(
            m.c.conversation_id.in_(query.conversation_ids), m.c.deleted_at.is_(None), *build(terms)
        )
        if query.sender_id is not None:
            statement = statement.where(m.c.sender_id == query.sender_id)
        if query.since is not None:
            statement = statement.where(m.c.created_at >= _as_utc(query.since))
        if query.until is not None:
            statement = statement.where(m.c.created_at < _as_utc(query.until))
        statement = statement.order_by(m.c.id.desc()).limit(query.limit)
        async with self.db.reader.connect() as conn:
            return await self._run(conn, statement)

    @staticmethod
    async def _run(conn: AsyncConnection, statement: Any) -> list[Message]:
        rows = list(await conn.execute(statement))
        return await hydrate(conn, rows)
