"""PostgreSQL stops under load: requests fail fast with 503, and the service heals by itself."""

import time
from collections import Counter

import httpx
import pytest

from civicfutures.bench import database as bench_db
from faults.support import Cluster, StoryLoad, prepare, retry_until_created, serve

pytestmark = pytest.mark.faults

OUTAGE_S = 2.0
RECOVERY_LIMIT_S = 5.0


def _wait_for(predicate, limit_s: float) -> float:
    """Seconds until `predicate()` holds; fails the test past `limit_s`."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < limit_s, f"not within {limit_s} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_postgres_outage_fails_fast_then_heals_without_losing_a_write(
    engine_name: str, throwaway_postgres: Cluster, tmp_path
):
    if engine_name != "postgresql":
        pytest.skip("the PostgreSQL outage runs with --engine postgresql")
    cluster = throwaway_postgres
    database_url = bench_db.fresh_database("postgresql", tmp_path, cluster.admin_url, "outage")
    env, token = prepare(database_url, tmp_path)
    env["CIVICFUTURES_PG_CONNECT_TIMEOUT"] = "1"
    with serve(database_url, tmp_path, token, env) as served:
        load = StoryLoad(served, connections=4, prefix="outage")
        load.start()
        try:
            _wait_for(lambda: len(load.acknowledged()) >= 10, 20)
            cluster.stop("immediate")
            stopped_at = time.monotonic()
            time.sleep(OUTAGE_S)
            health = httpx.get(f"{served.url}/health", timeout=5)
            restarting_at = time.monotonic()
            cluster.start()
            back_at = time.monotonic()
            recovered_s = _wait_for(
                lambda: any(a.status == 201 and a.started >= back_at for a in load.attempts),
                RECOVERY_LIMIT_S,
            )
            time.sleep(0.5)
        finally:
            load.stop()
        during = [a for a in load.attempts if stopped_at + 0.5 <= a.started < restarting_at]
        assert health.status_code == 503 and health.headers["retry-after"]
        assert during, "no request was made while PostgreSQL was down"
        assert {a.status for a in during} == {503}, Counter(a.status for a in during)
        assert max(a.seconds for a in during) < 2.0, "requests hung while PostgreSQL was down"
        assert all(a.status in (201, 503) for a in load.attempts), Counter(
            a.status for a in load.attempts
        )
        assert recovered_s <= RECOVERY_LIMIT_S

        retry_until_created(served, load.unanswered())
        stored = served.titles("outage-%")
        keys = [a.key for a in load.attempts]
        assert [k for k in load.acknowledged() if stored[k] == 0] == [], "acknowledged, then lost"
        assert {k: n for k, n in stored.items() if n > 1} == {}, "a retried POST made two stories"
        assert sorted(stored) == sorted(keys)
