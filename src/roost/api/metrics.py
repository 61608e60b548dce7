"""Prometheus metrics: sessions, messages, delivery latency, group commit."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

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
        self.messages = 0  # a plain count: prometheus_client's Counter takes a lock per increment
        self.registry.register(
            _Count("roost_messages", "Messages stored and delivered (all transports)", lambda: self.messages)
        )
        services.router.bus.subscribe(self._count)
        self.latency = DeliveryLatency(
            "roost_delivery_latency_seconds",
            "Time from a message's commit timestamp to its frame being written to a recipient",
            LATENCY_BUCKETS,
        )
        self.registry.register(self.latency)

    def _count(self, envelope: Envelope) -> None:
        if isinstance(envelope.payload, MessageCreated):
            self.messages += 1

    def observe_deliveries(self, created_at: Iterable[datetime]) -> None:
        """Messages whose frames were just written to one recipient (committed at `created_at`)."""
        now = datetime.now(UTC)
        for moment in created_at:
            self.latency.observe(max(0.0, (now - moment).total_seconds()))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Count(Collector):
    """A counter read from the event loop's own count when /metrics is scraped."""

    def __init__(self, name: str, documentation: str, read: Callable[[], int]) -> None:
        self._name = name
        self._documentation = documentation
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(self._name, self._documentation, value=self._read())


class DeliveryLatency(Collector):
    """A histogram observed for every frame of every message: prometheus_client's Histogram
    takes a lock and walks its buckets for each observation; this one, observed only on the
    event loop's thread, is a bisection and two additions."""

    def __init__(self, name: str, documentation: str, bounds: tuple[float, ...]) -> None:
        self._name = name
        self._documentation = documentation
        self._bounds = bounds
        self._counts = [0] * (len(bounds) + 1)  # the last: above every bound
        self._sum = 0.0

    def observe(self, seconds: float) -> None:
        self._counts[bisect_left(self._bounds, seconds)] += 1
        self._sum += seconds

    def collect(self) -> Iterator[HistogramMetricFamily]:
        buckets: list[tuple[str, float]] = []
        total = 0
        for bound, count in zip([*map(str, self._bounds), "+Inf"], self._counts, strict=True):
            total += count
            buckets.append((bound, total))
        yield HistogramMetricFamily(self._name, self._documentation, buckets=buckets, sum_value=self._sum)
