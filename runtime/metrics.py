"""What `/metrics` shows, in Prometheus' text format (prometheus-client).

Everything lives in a registry of the bot's own, not prometheus-client's global one, so two
bots in one process (the tests) never share figures. Counters are fed as things happen
(a job's end, with every API attempt it made; an acknowledgement); gauges are read at
scrape time from the parts that already know them (queue, gate, outbox).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from imagecore.storage import JobRecord

__all__ = ["CONTENT_TYPE", "BotMetrics", "LiveFigures"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
PREFIX = "qwen_image_bot"
# Image calls take seconds to minutes; acknowledgements must stay far below Discord's 3 s.
API_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 240, 840)
ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3)


@dataclass(frozen=True, slots=True)
class LiveFigures:
    """Read at every scrape."""

    queued: Callable[[], int]
    running: Callable[[], int]
    gate_rate: Callable[[], float]  # attempts per second the gate allows right now
    outbox: Callable[[], int]  # history rows waiting for the database


class BotMetrics:
    def __init__(self, *, version: str, live: LiveFigures) -> None:
        self.registry = CollectorRegistry()
        Info(f"{PREFIX}_build", "The running version", registry=self.registry).info(
            {"version": version}
        )
        self._jobs = Counter(
            f"{PREFIX}_jobs", "Jobs by how they ended", ["state"], registry=self.registry
        )
        self._api_seconds = Histogram(
            f"{PREFIX}_image_api_seconds",
            "Time of each call to the image API, by outcome",
            ["outcome"],
            buckets=API_BUCKETS,
            registry=self.registry,
        )
        self._throttled = Counter(
            f"{PREFIX}_provider_throttled", "Image API calls answered 429", registry=self.registry
        )
        self._ack_seconds = Histogram(
            f"{PREFIX}_ack_seconds",
            "From Discord's interaction to the bot's acknowledgement",
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self._resumed = Counter(
            f"{PREFIX}_resumed_jobs", "Jobs resumed after a restart", registry=self.registry
        )
        self._gauge("queue_depth", "Jobs waiting for the image API", live.queued)
        self._gauge("running_jobs", "Jobs at the image API or being posted", live.running)
        self._gauge("gate_rate", "Image API calls per second the gate allows now", live.gate_rate)
        self._gauge("outbox_size", "History rows waiting for the database", live.outbox)

    def _gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        gauge = Gauge(f"{PREFIX}_{name}", documentation, registry=self.registry)
        gauge.set_function(read)

    def job_ended(self, job: JobRecord) -> None:
        self._jobs.labels(state=job.status).inc()
        for attempt in job.attempts:
            self._api_seconds.labels(outcome=attempt.outcome).observe(attempt.seconds)
            if attempt.status == 429:
                self._throttled.inc()

    def acknowledged(self, seconds: float) -> None:
        self._ack_seconds.observe(max(0.0, seconds))

    def resumed(self, count: int = 1) -> None:
        self._resumed.inc(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
