"""Push registrations (XEP-0357): stored per person and client; delivering notifications is not built yet."""

from __future__ import annotations

from dataclasses import dataclass

from roost.core.clock import Clock
from roost.model.errors import BadRequest, RateLimited
from roost.model.push import PushRegistration
from roost.model.users import User
from roost.store.protocols import PushStore

TEXT_MAX = 1023  # a JID part, a node name, a publish option's field or value
OPTIONS_MAX = 20


def _check_text(what: str, value: str, *, empty: bool = False) -> str:
    if (not value and not empty) or len(value) > TEXT_MAX or any(ord(c) < 32 for c in value):
        raise BadRequest(f"push.{what}", f"The {what} has 1 to {TEXT_MAX} characters, no control characters.")
    return value


@dataclass(frozen=True)
class PushService:
    """A person's push registrations: at most `max_per_user`; enabling the same one again replaces it."""

    store: PushStore
    clock: Clock
    max_per_user: int = 20

    async def enable(
        self, user: User, service_jid: str, node: str, *, resource: str, options: list[tuple[str, str]]
    ) -> PushRegistration:
        """Register (or replace) a push node for one of the person's clients."""
        if len(options) > OPTIONS_MAX:
            raise BadRequest("push.options", f"At most {OPTIONS_MAX} publish options.")
        checked = tuple((_check_text("option", f), _check_text("option", v, empty=True)) for f, v in options)
        registration = PushRegistration(
            user.id,
            _check_text("service", service_jid),
            _check_text("node", node),
            _check_text("resource", resource, empty=True),
            checked,
            self.clock.now(),
        )
        existing = await self.store.of(user.id)
        is_new = not any((r.service_jid, r.node) == (service_jid, node) for r in existing)
        if is_new and len(existing) >= self.max_per_user:
            raise RateLimited("push.too_many", f"At most {self.max_per_user} push registrations.", 0)
        await self.store.put(registration)
        return registration

    async def disable(self, user: User, service_jid: str, node: str | None = None) -> int:
        """Remove a registration, or every one at a service (node None); returns how many."""
        return await self.store.remove(user.id, _check_text("service", service_jid), node)

    async def registrations(self, user: User) -> list[PushRegistration]:
        return await self.store.of(user.id)
