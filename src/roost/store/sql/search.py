"""Full-text search, the same on SQLite and PostgreSQL.

A term of letters and digits matches words that start with it, in a word index:
FTS5 (unicode61) on SQLite, a tsvector on PostgreSQL, both splitting words at
punctuation ("deploy" finds "deployment", "example" finds bob@example.com). A
term with punctuation inside ("v2/users", "3.1") matches its words in a row,
the last one as a prefix. A term in a script written without spaces between
words (Chinese, Japanese, Thai) matches anywhere in the text, through a trigram
index that holds only the messages containing such text: FTS5 trigram on
SQLite, pg_trgm on PostgreSQL. Matching ignores case; every term must match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.messages import Message, SearchQuery
from roost.store.sql import tables as t
from roost.store.sql.engine import Database
from roost.store.sql.indexing import SPACELESS_RANGES, SearchIndexer
from roost.store.sql.messages import hydrate

TRIGRAM = 3
TERMS_MAX = 16
SPACELESS = re.compile(f"[{SPACELESS_RANGES}]")
WORD_PART = re.compile(r"[^\W_]+")


def search_terms(raw: str) -> list[str]:
    return [term for term in raw.split() if term][:TERMS_MAX]


def is_spaceless(term: str) -> bool:
    return SPACELESS.search(term) is not None


def is_word(term: str) -> bool:
    """Letters and digits of a script that separates words with spaces."""
    return term.isalnum() and not is_spaceless(term)


def word_parts(term: str) -> list[str]:
    """The words of a term with punctuation inside, as both word indexes split them."""
    return WORD_PART.findall(term)


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
    # Words, and words joined by punctuation as a phrase; the last word is a prefix.
    phrases = [" ".join(word_parts(t)) for t in terms if not is_spaceless(t) and word_parts(t)]
    if phrases:
        conditions.append(_fts("messages_words", " AND ".join(_quoted(p) + "*" for p in phrases)))
    pieces = [t for t in terms if is_spaceless(t) and len(t) >= TRIGRAM]
    if pieces:  # a quoted trigram phrase is a substring match
        conditions.append(_fts("messages_fts", " AND ".join(_quoted(p) for p in pieces)))
    for term in terms:
        if (is_spaceless(term) and len(term) < TRIGRAM) or not (is_spaceless(term) or word_parts(term)):
            # Too short for the trigram index, or no letters at all: a scan, still correct.
            # lower() is the connection's Unicode-aware one (engine.py); LIKE folds only ASCII.
            conditions.append(func.lower(t.messages.c.body).like(_pattern(term.lower()), escape="\\"))
    return conditions


def _tsquery(parts: list[str]) -> str:
    """Words in a row, the last a prefix (letters and digits only: safe in quotes)."""
    quoted = [f"'{part.lower()}'" for part in parts]
    quoted[-1] += ":*"
    return " <-> ".join(quoted)


def _postgres_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    phrases = [_tsquery(word_parts(t)) for t in terms if not is_spaceless(t) and word_parts(t)]
    if phrases:
        query = " & ".join(f"({p})" for p in phrases)
        conditions.append(literal_column("messages.search").op("@@")(func.to_tsquery("simple", query)))
    body = t.messages.c.body
    for term in terms:
        if is_spaceless(term):  # the partial pg_trgm index (migration 0004) serves this pair
            in_index = body.op("~")(literal_column(f"'[{SPACELESS_RANGES}]'"))  # a literal: matches the index
            conditions += [in_index, body.ilike(_pattern(term), escape="\\")]
        elif not word_parts(term):
            conditions.append(body.ilike(_pattern(term), escape="\\"))
    return conditions


@dataclass
class SqlSearchStore:
    db: Database
    indexer: SearchIndexer

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
        if query.before_id is not None:
            statement = statement.where(m.c.id < query.before_id)
        statement = statement.order_by(m.c.id.desc()).limit(query.limit)
        await self.indexer.catch_up()  # every message acknowledged before now is then in the index
        async with self.db.reader.connect() as conn:
            return await self._run(conn, statement)

    @staticmethod
    async def _run(conn: AsyncConnection, statement: Any) -> list[Message]:
        rows = list(await conn.execute(statement))
        return await hydrate(conn, rows)
