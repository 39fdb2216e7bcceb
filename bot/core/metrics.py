"""Prometheus metrics for the digest service, on a registry of their own.

    precis_requests_total{kind, platform, outcome}   kind: summarize | rerender; outcome: ok,
                                                     cached, or the error's ``code`` (busy...)
    precis_stage_seconds{stage}                      fetch, extract, queue (waiting for a
                                                     worker), digest (the model), total
    precis_cache_total{layer, result}                layer: article | digest; result: hit | miss
    precis_shared_total{step}                        requests that joined identical work already
                                                     running in this process (step: read | digest)
    precis_lease_waits_total{step}                   requests that waited for another process
                                                     doing the same work (Redis)
    precis_queue_depth                               jobs waiting for a worker
    precis_workers_busy                              workers running a job
    precis_queue_chars                               characters of pages and articles held for
                                                     the workers (capped by QUEUE_MAX_MB)
    precis_expected_wait_seconds                     how long a digest asked for now would take
                                                     (admission compares it with QUEUE_MAX_WAIT_S)
    precis_digests_per_second                        the moving estimate behind it
    precis_wait_notices_total                        requesters told the expected wait first
    precis_store_up                                  1 while the store answers; 0 while digests go
                                                     on without it
    precis_store_errors_total{op}                    store operations that failed or timed out
                                                     (get, put, get_settings, acquire, take...)

A registry per ``Metrics`` (not the process-wide default) lets tests build many services.
``bot.core.health.status_app`` serves it on ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["Metrics"]

# Seconds: a cache hit takes about a millisecond, a slow page fetch up to the 10 s deadline.
LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.requests = Counter(
            "precis_requests",
            "Service requests by outcome.",
            ["kind", "platform", "outcome"],
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "precis_stage_seconds",
            "Time spent per stage of a request.",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache = Counter(
            "precis_cache", "Cache lookups by layer and result.", ["layer", "result"], registry=self.registry
        )
        self.shared = Counter(
            "precis_shared",
            "Requests that joined identical work already in flight.",
            ["step"],
            registry=self.registry,
        )
        self.lease_waits = Counter(
            "precis_lease_waits",
            "Requests that waited for another process doing the same work.",
            ["step"],
            registry=self.registry,
        )
        self.queue_depth = Gauge("precis_queue_depth", "Jobs waiting for a worker.", registry=self.registry)
        self.workers_busy = Gauge("precis_workers_busy", "Workers running a job.", registry=self.registry)
        self.queue_chars = Gauge(
            "precis_queue_chars",
            "Characters of pages and articles held for the workers.",
            registry=self.registry,
        )
        self.expected_wait = Gauge(
            "precis_expected_wait_seconds",
            "How long a digest asked for now is expected to take.",
            registry=self.registry,
        )
        self.digests_per_second = Gauge(
            "precis_digests_per_second",
            "Moving estimate of the digests the workers make a second.",
            registry=self.registry,
        )
        self.wait_notices = Counter(
            "precis_wait_notices", "Requesters told the expected wait first.", registry=self.registry
        )
        self.store_up = Gauge(
            "precis_store_up",
            "1 while the store answers, 0 while digests go on without it.",
            registry=self.registry,
        )
        self.store_errors = Counter(
            "precis_store_errors",
            "Store operations that failed or timed out.",
            ["op"],
            registry=self.registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """One sample's current value (0 when never set): for tests and the bench."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found
