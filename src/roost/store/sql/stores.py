"""Open every SQL store over one database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import text

from roost.store.sql.archive import SqlArchiveStore
from roost.store.sql.avatars import SqlAvatarStore
from roost.store.sql.blocks import SqlBlockStore
from roost.store.sql.checkpoints import WAL_PAGES_MAX, Checkpointer
from roost.store.sql.conversations import SqlConversationStore
from roost.store.sql.directory import SqlDirectoryStore
from roost.store.sql.engine import Database, open_database, sqlite_file
from roost.store.sql.events import SqlEventLog
from roost.store.sql.files import SqlFileStore
from roost.store.sql.indexing import SearchIndexer
from roost.store.sql.messages import SqlMessageStore
from roost.store.sql.migrate import upgrade
from roost.store.sql.pep import SqlPepStore, SqlPrivateStore
from roost.store.sql.push import SqlPushStore
from roost.store.sql.search import SqlSearchStore
from roost.store.sql.tokens import SqlTokenStore
from roost.store.sql.users import SqlUserStore
from roost.store.sql.writer import Writer


@dataclass
class SqlStores:
    db: Database
    writer: Writer
    indexer: SearchIndexer
    users: SqlUserStore
    tokens: SqlTokenStore
    directory: SqlDirectoryStore
    conversations: SqlConversationStore
    messages: SqlMessageStore
    search: SqlSearchStore
    events: SqlEventLog
    files: SqlFileStore
    avatars: SqlAvatarStore
    archive: SqlArchiveStore
    pep: SqlPepStore
    private: SqlPrivateStore
    blocks: SqlBlockStore
    push: SqlPushStore
    checkpointer: Checkpointer | None = field(default=None)

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        async with self.db.reader.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def start(self) -> None:
        """Start the writer and the search indexer (inside the event loop)."""
        self.db.start()
        self.writer.start()
        self.indexer.start()
        if self.checkpointer is not None:
            self.checkpointer.start()

    async def close(self) -> None:
        await self.indexer.stop()
        await self.writer.stop()
        if self.checkpointer is not None:
            await asyncio.to_thread(self.checkpointer.stop)
        await self.db.dispose()


def open_stores(
    url: str,
    *,
    synchronous: str = "FULL",
    batch_max: int = 256,
    commit_delay: float = 0.0,
    pool_size: int = 10,
    migrate: bool = True,
) -> SqlStores:
    """Migrate (blocking) and open the stores; call `start()` inside the event loop."""
    if migrate:
        upgrade(url)
    path = sqlite_file(url)
    checkpointer = Checkpointer(path, synchronous) if path is not None else None
    db = open_database(
        url, synchronous=synchronous, pool_size=pool_size, wal_autocheckpoint=WAL_PAGES_MAX if path else 1000
    )
    writer = Writer(db.writer, batch_max=batch_max, commit_delay=commit_delay, thread=db.writer_thread)
    indexer = SearchIndexer(writer, enabled=db.dialect == "sqlite")
    return SqlStores(
        db=db,
        writer=writer,
        indexer=indexer,
        users=SqlUserStore(db, writer),
        tokens=SqlTokenStore(db, writer),
        directory=SqlDirectoryStore(db, writer),
        conversations=SqlConversationStore(db, writer),
        messages=SqlMessageStore(db, writer, indexer),
        search=SqlSearchStore(db, indexer),
        events=SqlEventLog(db, writer),
        files=SqlFileStore(db, writer),
        avatars=SqlAvatarStore(db, writer),
        archive=SqlArchiveStore(db, writer),
        pep=SqlPepStore(db, writer),
        private=SqlPrivateStore(db, writer),
        blocks=SqlBlockStore(db, writer),
        push=SqlPushStore(db, writer),
        checkpointer=checkpointer,
    )
