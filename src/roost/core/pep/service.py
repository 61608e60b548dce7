"""Personal eventing (XEP-0163): each person publishes items on their own nodes; colleagues read them.

Who may read a node follows its access model: `open`, everyone in the organisation;
`presence`, those who see the owner's presence (everyone, with the shared roster);
`whitelist`, the owner only. A node someone may not read is, to them, a node that does
not exist (NotFound). Only the owner publishes, retracts, configures and deletes.
Publishing with options creates a missing node with them, and fails with
`pep.precondition` when the node's configuration differs (XEP-0060 §7.1.5).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from roost.core.clock import Clock
from roost.core.events import PepChanged
from roost.core.routing.service import Router
from roost.model.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from roost.model.ids import IdGenerator
from roost.model.pep import Access, NodeConfig, NodeOptions, PepItem, PepNode, SendLast
from roost.store.protocols import PepStore

Audience = Callable[[int], Awaitable[frozenset[int] | None]]  # None: everyone
PRECONDITION = "pep.precondition"


@dataclass(frozen=True)
class PepLimits:
    max_items: int = 1000  # "max" in a node configuration
    nodes_per_person: int = 200
    payload_max_chars: int = 1024 * 1024
    name_max: int = 255
    item_id_max: int = 1024


@dataclass(frozen=True)
class PepService:
    store: PepStore
    router: Router
    ids: IdGenerator
    clock: Clock
    audience: Audience
    limits: PepLimits = PepLimits()

    def check_options(self, options: NodeOptions) -> NodeOptions:
        if options.max_items is not None and not 1 <= options.max_items <= self.limits.max_items:
            raise BadRequest("pep.max_items", f"A node keeps 1 to {self.limits.max_items} items.")
        return options

    async def publish(
        self, owner_id: int, node: str, item_id: str | None, payload: str, options: NodeOptions | None = None
    ) -> PepItem:
        """Publish on one's own node (made on first use); everyone who may read it is told."""
        self._check_name(node)
        if item_id is not None and not 0 < len(item_id) <= self.limits.item_id_max:
            raise BadRequest("pep.item_id", f"An item id has 1 to {self.limits.item_id_max} characters.")
        if len(payload) > self.limits.payload_max_chars:
            raise TooLarge("pep.payload_too_large", "The item is too large.")
        existing = await self.store.node(owner_id, node)
        if existing is None:
            await self._check_room(owner_id)
            target = PepNode(owner_id, node, self.check_options(options or NodeOptions()).apply(NodeConfig()))
        else:
            target = existing
            if options is not None and options.mismatches(existing.config):
                raise Conflict(PRECONDITION, f"The node's {', '.join(options.mismatches(existing.config))} differ.")
        seq = self.ids.next_id()
        item = PepItem(owner_id, node, item_id or secrets.token_hex(8), payload, seq, self.clock.now())
        stored = await self.store.publish(target, item)
        await self._tell(target, PepChanged(owner_id, node, "published", item=stored))
        return stored

    async def retract(self, owner_id: int, node: str, item_id: str, *, notify: bool | None = None) -> None:
        found = await self._own(owner_id, node)
        if not await self.store.retract(owner_id, node, item_id):
            raise NotFound("pep.item_not_found", "No such item.")
        if found.config.notify_retract if notify is None else notify:
            await self._tell(found, PepChanged(owner_id, node, "retracted", item_id=item_id))

    async def create(self, owner_id: int, node: str, options: NodeOptions | None = None) -> PepNode:
        self._check_name(node)
        if await self.store.node(owner_id, node) is not None:
            raise Conflict("pep.node_exists", "The node exists.")
        await self._check_room(owner_id)
        config = self.check_options(options or NodeOptions()).apply(NodeConfig())
        return await self.store.put_node(PepNode(owner_id, node, config), self.clock.now())

    async def configure(self, owner_id: int, node: str, options: NodeOptions) -> PepNode:
        found = await self._own(owner_id, node)
        changed = PepNode(owner_id, node, self.check_options(options).apply(found.config))
        return await self.store.put_node(changed, self.clock.now())

    async def delete(self, owner_id: int, node: str) -> None:
        found = await self._own(owner_id, node)
        await self.store.delete_node(owner_id, node)
        await self._tell(found, PepChanged(owner_id, node, "deleted"))

    async def node(self, viewer_id: int, owner_id: int, node: str) -> PepNode:
        """A node the viewer may read (NotFound otherwise)."""
        found = await self.store.node(owner_id, node)
        if found is None or not await self.can_read(viewer_id, found):
            raise NotFound("pep.node_not_found", "No such node.")
        return found

    async def own_node(self, owner_id: int, node: str) -> PepNode:
        return await self._own(owner_id, node)

    async def items(
        self, viewer_id: int, owner_id: int, node: str, *, ids: tuple[str, ...] = (), limit: int | None = None
    ) -> list[PepItem]:
        """The newest `limit` items (all kept, by default), or those with these ids; oldest first."""
        await self.node(viewer_id, owner_id, node)
        return await self.store.items(
            owner_id, node, ids=ids, limit=min(limit or self.limits.max_items, self.limits.max_items)
        )

    async def last_items(self, viewer_id: int, nodes: frozenset[str]) -> list[PepItem]:
        """The newest item of everyone's nodes of these names that the viewer may read and is sent them."""
        found: list[PepItem] = []
        for node, item in await self.store.last_items(sorted(nodes)):
            if node.config.send_last is not SendLast.NEVER and await self.can_read(viewer_id, node):
                found.append(item)
        return found

    async def can_read(self, viewer_id: int, node: PepNode) -> bool:
        if viewer_id == node.owner_id or node.config.access is Access.OPEN:
            return True
        if node.config.access is Access.WHITELIST:
            return False
        audience = await self.audience(node.owner_id)
        return audience is None or viewer_id in audience

    async def _tell(self, node: PepNode, event: PepChanged) -> None:
        if node.config.access is Access.WHITELIST:
            recipients: frozenset[int] | None = frozenset([node.owner_id])
        elif node.config.access is Access.OPEN:
            recipients = None
        else:
            audience = await self.audience(node.owner_id)
            recipients = None if audience is None else audience | {node.owner_id}
        self.router.send(event, recipients)

    async def _own(self, owner_id: int, node: str) -> PepNode:
        found = await self.store.node(owner_id, node)
        if found is None:
            raise NotFound("pep.node_not_found", "No such node.")
        return found

    async def _check_room(self, owner_id: int) -> None:
        if len(await self.store.nodes(owner_id)) >= self.limits.nodes_per_person:
            raise Forbidden("pep.too_many_nodes", f"At most {self.limits.nodes_per_person} nodes per person.")

    def _check_name(self, node: str) -> None:
        if not 0 < len(node) <= self.limits.name_max or any(ord(c) < 32 for c in node):
            raise BadRequest("pep.node_name", f"A node name has 1 to {self.limits.name_max} characters.")
