"""Prometheus metrics: sessions, messages, delivery latency, group commit."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from roost.bus.protocols import Envelope
from roost.core.events import MessageCreated
from roost.core.services import Services

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """One registry per server, read at /metrics."""

    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry()
        router = services.router
        sessions = Gauge("roost_sessions", "Connected client sessions", registry=self.registry)
        sessions.set_function(router.session_count)
        online = Gauge("roost_online_users", "Users with at least one session", registry=self.registry)
        online.set_function(lambda: len(router.online_user_ids()))
        delivered = Gauge("roost_events_delivered", "Events handed to sessions since start", registry=self.registry)
        delivered.set_function(lambda: router.delivered)
        self.messages = Counter(
            "roost_messages", "Messages stored and delivered (all transports)", registry=self.registry
        )
        services.router.bus.subscribe(self._count)
        self.latency = Histogram(
            "roost_delivery_latency_seconds",
            "Time from a message's commit timestamp to its frame being written to a recipient",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def _count(self, envelope: Envelope) -> None:
        if isinstance(envelope.payload, MessageCreated):
            self.messages.inc()

    def observe_delivery(self, created_at: datetime) -> None:
        self.latency.observe(max(0.0, (datetime.now(UTC) - created_at).total_seconds()))

    def render(self) -> bytes:
        return generate_latest(self.registry)
