"""Prometheus metrics and `GET /metrics`.

Labels are route templates (`/api/v1/stories/{story_id:int}`), methods and statuses, never raw
paths or query strings: nothing personal reaches the samples, and their number stays bounded.

With several worker processes (`civicfutures serve --workers N`) the serve command sets
PROMETHEUS_MULTIPROC_DIR before any worker starts: each worker then writes its samples to files
there and one scrape of any worker sums them all (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from litestar import Request, Response, get
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from piccolo.engine.postgres import PostgresEngine
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from civicfutures.db.lifecycle import engine
from civicfutures.settings import get_settings
from civicfutures.web.auth import public
from civicfutures.web.client_address import client_address

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "civicfutures_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "civicfutures_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, in seconds.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IN_FLIGHT = Gauge(
    "civicfutures_http_requests_in_flight",
    "Requests being answered now.",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "civicfutures_db_pool_connections",
    "PostgreSQL connections open in the pools (0 on SQLite, which has no pool).",
    multiprocess_mode="livesum",
)
DB_POOL_IDLE = Gauge(
    "civicfutures_db_pool_idle_connections",
    "PostgreSQL pool connections free for a query (0 on SQLite, which has no pool).",
    multiprocess_mode="livesum",
)


def sample_database_pool() -> None:
    """Record this process's pool use; called after each request and at each scrape."""
    db = engine()
    pool = db.pool if isinstance(db, PostgresEngine) else None
    # SQLite keeps a writer and a few readers per process and no pool to ask: it reports 0,
    # as PostgreSQL does before its pool opens.
    DB_POOL_SIZE.set(pool.get_size() if pool is not None else 0)
    DB_POOL_IDLE.set(pool.get_idle_size() if pool is not None else 0)


class JobQueue(Collector):
    """Jobs waiting and running now, by kind, read from the job table at each scrape (shared
    by every process, so one process counts them all)."""

    def __init__(self, depth: dict[tuple[str, str], int]) -> None:
        self.depth = depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "civicfutures_jobs", "Background jobs queued or running now.", labels=["kind", "status"]
        )
        for (kind, status), count in sorted(self.depth.items()):
            jobs.add_metric([kind, status], count)
        yield jobs
        yield GaugeMetricFamily(
            "civicfutures_briefing_builds_in_progress",
            "Briefings being built now.",
            value=self.depth.get(("briefing", "running"), 0),
        )


class _ThisProcess(Collector):
    """The process's default registry, when the server runs a single process."""

    def collect(self) -> Iterator:
        return REGISTRY.collect()


def exposition(depth: dict[tuple[str, str], int]) -> bytes:
    """Every metric in Prometheus' text format; `depth`: jobs queued and running by kind."""
    sample_database_pool()
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(JobQueue(depth))
    return generate_latest(registry)


def forget_this_process() -> None:
    """On shutdown: drop this worker's live gauges (in flight, pool) from the shared files."""
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(os.getpid())


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


async def metrics_access(request: Request, _: object) -> None:
    """The guard of `/metrics`: the configured bearer token, or else a client on this machine."""
    token = get_settings().metrics_token
    if token:
        scheme, _sep, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
            raise NotAuthorizedException()
        return
    if not _loopback(client_address(request)):
        raise PermissionDeniedException()


@get(
    "/metrics",
    guards=[public, metrics_access],
    tags=["operations"],
    summary="Prometheus metrics",
    description="Open to clients on this machine, or to `CIVICFUTURES_METRICS_TOKEN` bearers.",
    include_in_schema=True,
)
async def metrics() -> Response[bytes]:
    from civicfutures.jobs.service import depth

    return Response(exposition(await depth()), media_type=CONTENT_TYPE_LATEST, status_code=200)
