"""PEP nodes and items (XEP-0163) and private XML (XEP-0049) in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.pep import Access, NodeConfig, PepItem, PepNode, SendLast
from roost.store.sql import tables as t
from roost.store.sql.convert import utc_required
from roost.store.sql.engine import Database
from roost.store.sql.writer import Writer

NODES, ITEMS = t.pep_nodes, t.pep_items


def _node(row: Any) -> PepNode:
    config = NodeConfig(
        access=Access(row.access_model),
        persist_items=bool(row.persist_items),
        max_items=row.max_items,
        send_last=SendLast(row.send_last),
        notify_retract=bool(row.notify_retract),
    )
    return PepNode(row.owner_id, row.node, config)


def _item(row: Any) -> PepItem:
    return PepItem(row.owner_id, row.node, row.item_id, row.payload, row.seq, utc_required(row.published_at))


def _config_values(config: NodeConfig) -> dict[str, Any]:
    return {
        "access_model": config.access.value,
        "persist_items": config.persist_items,
        "max_items": config.max_items,
        "send_last": config.send_last.value,
        "notify_retract": config.notify_retract,
    }


def _of_node(table: Any, owner_id: int, name: str) -> ColumnElement[bool]:
    return and_(table.c.owner_id == owner_id, table.c.node == name)


async def _upsert_node(conn: AsyncConnection, node: PepNode, now: datetime) -> None:
    where = _of_node(NODES, node.owner_id, node.name)
    values = _config_values(node.config)
    if await conn.scalar(select(NODES.c.owner_id).where(where)) is None:
        await conn.execute(NODES.insert().values(owner_id=node.owner_id, node=node.name, created_at=now, **values))
    else:
        await conn.execute(update(NODES).where(where).values(**values))


async def _trim(conn: AsyncConnection, node: PepNode) -> None:
    """Keep the newest `max_items` items (one when items are not persistent)."""
    keep = node.config.max_items if node.config.persist_items else 1
    where = _of_node(ITEMS, node.owner_id, node.name)
    cutoff = await conn.scalar(select(ITEMS.c.seq).where(where).order_by(ITEMS.c.seq.desc()).offset(keep).limit(1))
    if cutoff is not None:
        await conn.execute(delete(ITEMS).where(where, ITEMS.c.seq <= cutoff))


@dataclass
class SqlPepStore:
    db: Database
    writer: Writer

    async def node(self, owner_id: int, name: str) -> PepNode | None:
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(select(NODES).where(_of_node(NODES, owner_id, name)))).first()
            return None if row is None else _node(row)

    async def nodes(self, owner_id: int) -> list[PepNode]:
        async with self.db.reader.connect() as conn:
            return [
                _node(row)
                for row in await conn.execute(select(NODES).where(NODES.c.owner_id == owner_id).order_by(NODES.c.node))
            ]

    async def put_node(self, node: PepNode, now: datetime) -> PepNode:
        """Create the node or change its configuration (dropping items beyond its new maximum)."""

        async def write(conn: AsyncConnection) -> PepNode:
            await _upsert_node(conn, node, now)
            await _trim(conn, node)
            return node

        return await self.writer.write(write)

    async def delete_node(self, owner_id: int, name: str) -> bool:
        async def write(conn: AsyncConnection) -> bool:
            await conn.execute(delete(ITEMS).where(_of_node(ITEMS, owner_id, name)))
            return bool((await conn.execute(delete(NODES).where(_of_node(NODES, owner_id, name)))).rowcount)

        return await self.writer.write(write)

    async def publish(self, node: PepNode, item: PepItem) -> PepItem:
        """Store the item (replacing one with the same id), creating the node if needed."""

        async def write(conn: AsyncConnection) -> PepItem:
            if await conn.scalar(select(NODES.c.owner_id).where(_of_node(NODES, node.owner_id, node.name))) is None:
                await _upsert_node(conn, node, item.published_at)
            same = and_(_of_node(ITEMS, item.owner_id, item.node), ITEMS.c.item_id == item.item_id)
            await conn.execute(delete(ITEMS).where(same))
            await conn.execute(
                ITEMS.insert().values(
                    owner_id=item.owner_id,
                    node=item.node,
                    item_id=item.item_id,
                    seq=item.seq,
                    payload=item.payload,
                    published_at=item.published_at,
                )
            )
            await _trim(conn, node)
            return item

        return await self.writer.write(write)

    async def retract(self, owner_id: int, node: str, item_id: str) -> bool:
        async def write(conn: AsyncConnection) -> bool:
            result = await conn.execute(
                delete(ITEMS).where(_of_node(ITEMS, owner_id, node), ITEMS.c.item_id == item_id)
            )
            return bool(result.rowcount)

        return await self.writer.write(write)

    async def items(self, owner_id: int, node: str, *, ids: tuple[str, ...] = (), limit: int) -> list[PepItem]:
        """The newest `limit` items (or those of `ids`), oldest first."""
        query = select(ITEMS).where(_of_node(ITEMS, owner_id, node))
        if ids:
            query = query.where(ITEMS.c.item_id.in_(ids))
        async with self.db.reader.connect() as conn:
            rows = list(await conn.execute(query.order_by(ITEMS.c.seq.desc()).limit(limit)))
            return [_item(row) for row in reversed(rows)]

    async def last_items(self, nodes: list[str]) -> list[tuple[PepNode, PepItem]]:
        """The newest item of every person's node of these names, with its node."""
        if not nodes:
            return []
        newest = (
            select(func.max(ITEMS.c.seq))
            .where(ITEMS.c.owner_id == NODES.c.owner_id, ITEMS.c.node == NODES.c.node)
            .correlate(NODES)
            .scalar_subquery()
        )
        query = (
            select(NODES, ITEMS.c.item_id, ITEMS.c.seq, ITEMS.c.payload, ITEMS.c.published_at)
            .join(ITEMS, and_(ITEMS.c.owner_id == NODES.c.owner_id, ITEMS.c.node == NODES.c.node))
            .where(NODES.c.node.in_(nodes), ITEMS.c.seq == newest)
        )
        async with self.db.reader.connect() as conn:
            return [(_node(row), _item(row)) for row in await conn.execute(query)]


@dataclass
class SqlPrivateStore:
    db: Database
    writer: Writer

    async def get(self, user_id: int, key: str) -> str | None:
        p = t.private_xml
        async with self.db.reader.connect() as conn:
            value = await conn.scalar(select(p.c.payload).where(p.c.user_id == user_id, p.c.key == key))
            return None if value is None else str(value)

    async def put(self, user_id: int, key: str, payload: str) -> None:
        p = t.private_xml
        where = and_(p.c.user_id == user_id, p.c.key == key)

        async def write(conn: AsyncConnection) -> None:
            if (await conn.execute(update(p).where(where).values(payload=payload))).rowcount == 0:
                await conn.execute(p.insert().values(user_id=user_id, key=key, payload=payload))

        await self.writer.write(write)
