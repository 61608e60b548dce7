"""The in-process bus: the default for a single node."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from roost.bus.protocols import Envelope, Handler

log = logging.getLogger(__name__)


@dataclass
class LocalBus:
    """Calls every subscriber synchronously, in publication order."""

    _handlers: list[Handler] = field(default_factory=list)
    published: int = 0

    def publish(self, envelope: Envelope) -> None:
        self.published += 1
        for handler in self._handlers:
            try:
                handler(envelope)
            except Exception:
                log.exception("bus handler failed")

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)
