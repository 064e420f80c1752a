"""PostgreSQL stops under load: requests fail fast with 503, and the service heals by itself."""

import time
from collections import Counter

import httpx
import pytest

from civicfutures.bench import database as bench_db
from faults.support import Cluster, StoryLoad, prepare, retry_until_created, serve

pytestmark = pytest.mark.faults

OUTAGE_S = 4.0
CONNECTIONS = 4
# A safety net for a broken build, not a measurement: healing is shown by the answers themselves.
GIVE_UP_S = 60.0


def _wait_for(predicate) -> None:
    """Poll until `predicate()` holds; a test that never gets there fails instead of hanging."""
    deadline = time.monotonic() + GIVE_UP_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {GIVE_UP_S} s")
        time.sleep(0.05)


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
        load = StoryLoad(served, connections=CONNECTIONS, prefix="outage")
        load.start()
        try:
            _wait_for(lambda: len(load.acknowledged()) >= 10)
            cluster.stop("immediate")
            stopped_at = time.monotonic()
            time.sleep(OUTAGE_S)
            health = httpx.get(f"{served.url}/health", timeout=5)
            restarting_at = time.monotonic()
            cluster.start()
            back_at = time.monotonic()
            _wait_for(lambda: any(a.status == 201 and a.started >= back_at for a in load.attempts))
            time.sleep(0.5)
        finally:
            load.stop()
        during = [a for a in load.attempts if stopped_at + 0.5 <= a.started < restarting_at]
        assert health.status_code == 503 and health.headers["retry-after"]
        assert during, "no request was made while PostgreSQL was down"
        assert {a.status for a in during} == {503}, Counter(a.status for a in during)
        # No request hung: every connection had answers, more than one, before the restart.
        answered_down = [a for a in during if a.started + a.seconds < restarting_at]
        assert len(answered_down) >= 2 * CONNECTIONS, "requests hung while PostgreSQL was down"
        assert all(a.status in (201, 503) for a in load.attempts), Counter(
            a.status for a in load.attempts
        )

        retry_until_created(served, load.unanswered())
        stored = served.titles("outage-%")
        keys = [a.key for a in load.attempts]
        assert [k for k in load.acknowledged() if stored[k] == 0] == [], "acknowledged, then lost"
        assert {k: n for k, n in stored.items() if n > 1} == {}, "a retried POST made two stories"
        assert sorted(stored) == sorted(keys)
