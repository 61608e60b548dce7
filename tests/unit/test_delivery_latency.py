"""The delivery-latency histogram of /metrics: buckets as Prometheus reads them (`le`, cumulative)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from roost.api.metrics import DeliveryLatency


def _exposed(latency: DeliveryLatency) -> dict[str, float]:
    registry = CollectorRegistry()
    registry.register(latency)
    lines = generate_latest(registry).decode().splitlines()
    return {name: float(value) for name, value in (line.rsplit(" ", 1) for line in lines if not line.startswith("#"))}


def test_each_observation_counts_in_every_bucket_at_or_above_it() -> None:
    latency = DeliveryLatency("roost_delivery_latency_seconds", "Delivery latency", (0.01, 0.1, 1.0))
    for seconds in (0.0, 0.01, 0.05, 0.1, 0.5, 2.0, 30.0):
        latency.observe(seconds)

    exposed = _exposed(latency)

    assert exposed['roost_delivery_latency_seconds_bucket{le="0.01"}'] == 2  # 0 and 0.01 (le: at or below)
    assert exposed['roost_delivery_latency_seconds_bucket{le="0.1"}'] == 4
    assert exposed['roost_delivery_latency_seconds_bucket{le="1.0"}'] == 5
    assert exposed['roost_delivery_latency_seconds_bucket{le="+Inf"}'] == 7
    assert exposed["roost_delivery_latency_seconds_count"] == 7
    assert exposed["roost_delivery_latency_seconds_sum"] == 32.66


def test_an_unobserved_histogram_is_exposed_empty() -> None:
    exposed = _exposed(DeliveryLatency("roost_delivery_latency_seconds", "Delivery latency", (0.5,)))

    assert exposed['roost_delivery_latency_seconds_bucket{le="+Inf"}'] == 0
    assert exposed["roost_delivery_latency_seconds_count"] == 0
