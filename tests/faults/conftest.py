"""Fixtures of the fault tests (the helpers are in `support.py`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from civicfutures.bench import database as bench_db
from civicfutures.bench.server import free_port
from faults.support import PG_ADMIN_URL, Cluster, Seed, copy_database, postgres_bin, prepare


@pytest.fixture(scope="session")
def demo_seed(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    """A database of the engine under test with the demo loaded once, copied by each test."""
    folder = tmp_path_factory.mktemp("faults-seed")
    name = f"civicfutures_faults_seed_{os.getpid()}"
    url = bench_db.fresh_database(engine_name, folder, PG_ADMIN_URL, name=name)
    _env, token = prepare(url, folder)
    yield Seed(url, token)
    bench_db.drop_database(url, PG_ADMIN_URL)


@pytest.fixture
def fault_database(demo_seed: Seed, tmp_path: Path) -> Iterator[Seed]:
    """A copy of the demo database, only for this test (the token is valid in it)."""
    url = copy_database(demo_seed.url, f"civicfutures_faults_{os.getpid()}", tmp_path)
    yield Seed(url, demo_seed.token)
    bench_db.drop_database(url, PG_ADMIN_URL)


@pytest.fixture(scope="module")
def throwaway_postgres() -> Iterator[Cluster]:
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    # Directly under /tmp: pytest's own folders are private to their user, not to postgres.
    folder = Path(tempfile.mkdtemp(prefix="civicfutures-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    cluster = Cluster(bindir=bindir, folder=folder, port=free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop("fast")
        shutil.rmtree(folder, ignore_errors=True)
