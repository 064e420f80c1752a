"""SQLite held by a writer outside the platform: writes wait up to the busy timeout, then 503.

Nothing here compares elapsed time: each claim is an observed fact (an answer that came while
the foreign lock was still held, a writer still waiting when the lock went away).
"""

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from faults.support import Seed, Served, StoryLoad, environment, retry_until_created, serve

pytestmark = pytest.mark.faults

# Long enough that the lock taken below is certainly released within it, on a loaded machine.
BUSY_TIMEOUT_S = 3.0


def _post(served: Served, key: str) -> tuple[int, dict[str, str]]:
    with httpx.Client(base_url=served.url, headers=served.auth, timeout=30) as client:
        answer = served.post_story(client, key)
    return answer.status_code, dict(answer.headers)


def test_writes_wait_for_a_foreign_lock_then_answer_503_and_lose_nothing(
    engine_name: str, fault_database: Seed, tmp_path
):
    if engine_name != "sqlite":
        pytest.skip("SQLite locking runs with --engine sqlite")
    env = environment(fault_database.url, tmp_path)
    env["CIVICFUTURES_SQLITE_BUSY_TIMEOUT"] = str(BUSY_TIMEOUT_S)
    with serve(fault_database.url, tmp_path, fault_database.token, env, workers=2) as served:
        # Writers of both worker processes take turns: none waits out the busy timeout.
        burst = StoryLoad(served, connections=8, prefix="locked-burst")
        burst.start()
        time.sleep(1.5)
        burst.stop()
        assert burst.attempts and {a.status for a in burst.attempts} == {201}
        assert _post(served, "locked-before")[0] == 201
        other = sqlite3.connect(fault_database.url.removeprefix("sqlite:///"), isolation_level=None)
        with ThreadPoolExecutor(max_workers=6) as pool:
            try:
                other.execute("BEGIN IMMEDIATE")
                waiting = [pool.submit(_post, served, f"locked-{n}") for n in range(6)]
                time.sleep(0.2)
                listing = httpx.get(
                    f"{served.url}/api/v1/stories?limit=5", headers=served.auth, timeout=30
                )
                # Reads do not wait for writers: this one was answered under the foreign lock.
                read_under_lock = other.in_transaction
                answers = [future.result() for future in waiting]
            finally:
                other.rollback()

            # A lock released within the busy timeout costs the writer a wait, not an error.
            other.execute("BEGIN IMMEDIATE")
            try:
                late = pool.submit(_post, served, "locked-late")
                time.sleep(0.5)
                late_waited = not late.done()
            finally:
                other.rollback()
            late_status, _ = late.result()
        other.close()

        assert listing.status_code == 200 and read_under_lock, "reads must not wait"
        for status, headers in answers:
            assert status == 503, (status, headers)
            assert headers["retry-after"]
        assert late_waited and late_status == 201

        retry_until_created(served, [f"locked-{n}" for n in range(6)])
        assert served.titles("locked-burst-%") == {k: 1 for k in burst.acknowledged()}
        stored = served.titles("locked-%")
        stored = {k: n for k, n in stored.items() if not k.startswith("locked-burst")}
        assert stored == {
            **{f"locked-{n}": 1 for n in range(6)},
            "locked-before": 1,
            "locked-late": 1,
        }
