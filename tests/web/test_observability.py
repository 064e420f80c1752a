"""Request logs, request ids, `/metrics` and the health checks, through the real HTTP stack."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from builders import story_body

SENTENCE = "Nad Motławą zbudowaliśmy ogród na dachu starej hali targowej."


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every record logged while the test runs, formatted as the server writes them."""
    from civicfutures.web.observability import log_formatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _request_lines(text: str) -> dict[str, dict]:
    """The request lines of a log, by request id; every line must be one JSON object."""
    events = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {e["request_id"]: e for e in events if e["event"] == "request"}


async def test_request_log_names_the_request_and_never_its_content(
    client, world, admin, captured_logs
):
    from civicfutures.db.tables import User

    body = story_body(world, body=SENTENCE, title="Ogród na dachu")
    posted = await client.post(
        "/api/v1/stories", json=body, headers={**admin, "X-Request-ID": "post-story-1"}
    )
    assert posted.status_code == 201, posted.text
    story_id = posted.json()["id"]
    code = world["storytellers"]["gdansk"][0]["code"]
    searched = await client.get(
        f"/api/v1/stories?q=Motławą&storyteller={code}",
        headers={**admin, "X-Request-ID": "search-1"},
    )
    assert searched.status_code == 200
    read = await client.get(
        f"/api/v1/stories/{story_id}", headers={**admin, "X-Request-ID": "read-1"}
    )
    assert read.status_code == 200 and SENTENCE in read.text

    text = captured_logs.getvalue()
    lines = _request_lines(text)
    admin_id = (await User.select(User.id).where(User.email.like("admin%")).first())["id"]
    line = lines["post-story-1"]
    assert line["method"] == "POST"
    assert line["route"] == "/api/v1/stories"
    assert line["status"] == 201
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["actor_id"] == admin_id
    assert line["level"] == "info" and line["timestamp"].endswith("Z")
    assert lines["read-1"]["route"] == "/api/v1/stories/{story_id}"
    assert lines["search-1"]["route"] == "/api/v1/stories"
    for secret in (SENTENCE, "Motławą", "Ogród na dachu", code, "test.civicfutures.eu"):
        assert secret not in text, secret


async def test_unmatched_paths_are_logged_without_the_path(client, captured_logs):
    answer = await client.get("/no/such/GDANSK-1", headers={"X-Request-ID": "lost-1"})
    assert answer.status_code == 404
    line = _request_lines(captured_logs.getvalue())["lost-1"]
    assert (line["route"], line["status"], line["actor_id"]) == ("<unmatched>", 404, None)
    assert "GDANSK-1" not in captured_logs.getvalue()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("3f2a9c1e-77b0-4d8e-9a51-0c6e2b7d4f10", True),
        ("lb.eu-west:1234_ab", True),
        ("x" * 129, False),
        ("<script>alert(1)</script>", False),
        ("two words", False),
    ],
)
async def test_request_id_is_echoed_when_well_formed(client, sent, kept):
    answer = await client.get("/health/live", headers={"X-Request-ID": sent})
    echoed = answer.headers["x-request-id"]
    if kept:
        assert echoed == sent
    else:
        assert echoed != sent and len(echoed) == 32 and int(echoed, 16) >= 0


async def test_every_answer_carries_a_fresh_request_id(client):
    first = (await client.get("/health/live")).headers["x-request-id"]
    second = (await client.get("/no/such/page")).headers["x-request-id"]
    assert first != second


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_a_request(client, world, admin):
    key = (
        "civicfutures_http_requests_total",
        frozenset(
            {"route": "/api/v1/stories/{story_id}", "method": "GET", "status": "404"}.items()
        ),
    )
    before = _samples((await client.get("/metrics")).text).get(key, 0)
    assert (await client.get("/api/v1/stories/987654321", headers=admin)).status_code == 404
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = _samples(answer.text)
    assert samples[key] == before + 1
    histogram_count = (
        "civicfutures_http_request_duration_seconds_count",
        key[1],
    )
    assert samples[histogram_count] >= 1
    # The scrape itself is in flight while it is answered.
    assert samples[("civicfutures_http_requests_in_flight", frozenset())] >= 1
    assert ("civicfutures_db_pool_connections", frozenset()) in samples
    assert samples[("civicfutures_briefing_builds_in_progress", frozenset())] == 0
    assert "987654321" not in answer.text


async def test_database_pool_is_measured_where_there_is_one(client, engine_name):
    samples = _samples((await client.get("/metrics")).text)
    size = samples[("civicfutures_db_pool_connections", frozenset())]
    idle = samples[("civicfutures_db_pool_idle_connections", frozenset())]
    if engine_name == "postgresql":
        assert size >= 1 and 0 <= idle <= size
    else:
        assert (size, idle) == (0, 0)


async def test_metrics_refuse_other_machines(app):
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as far:
        assert (await far.get("/metrics")).status_code == 403
        # What the health checks say is anyone's to know.
        assert (await far.get("/health/live")).status_code == 200


async def test_metrics_token_replaces_the_loopback_rule(client, monkeypatch):
    from civicfutures.settings import get_settings

    monkeypatch.setenv("CIVICFUTURES_METRICS_TOKEN", "scrape-me-7f3a")
    get_settings.cache_clear()
    try:
        assert (await client.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer scrape-me-0000"}
        assert (await client.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer scrape-me-7f3a"}
        assert (await client.get("/metrics", headers=right)).status_code == 200
    finally:
        monkeypatch.delenv("CIVICFUTURES_METRICS_TOKEN")
        get_settings.cache_clear()


async def test_ready_when_database_answers_and_exports_are_writable(client):
    answer = await client.get("/health/ready")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "exports": "ok", "storage": "ok", "queue": "ok"},
    }


async def _ready_of(settings) -> httpx.Response:
    """`/health/ready` of a second app built for other settings."""
    from civicfutures.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as other:
        assert (await other.get("/health/live")).json() == {"status": "ok"}
        return await other.get("/health/ready")


async def test_ready_names_an_unreachable_database(client, tmp_path):
    from civicfutures.settings import Settings

    # Port 1 on this machine: nothing listens, the connection is refused at once.
    answer = await _ready_of(
        Settings(
            database_url="postgresql://postgres@127.0.0.1:1/none",
            exports_dir=tmp_path,
            storage_url=tmp_path.as_uri(),
        )
    )
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
    assert answer.json() == {
        "status": "unavailable",
        # The queue's jobs are rows of that database: it is as unreachable.
        "failing": ["database", "queue"],
        "checks": {"database": "failing", "exports": "ok", "storage": "ok", "queue": "failing"},
    }


async def test_ready_names_an_unwritable_exports_folder(client, tmp_path):
    from civicfutures.settings import Settings

    occupied = tmp_path / "a-file"
    occupied.write_text("not a folder")
    answer = await _ready_of(
        Settings(exports_dir=occupied / "exports", storage_url=tmp_path.as_uri())
    )
    assert answer.status_code == 503
    assert answer.json()["failing"] == ["exports"]
    assert answer.json()["checks"]["database"] == "ok"
    assert answer.json()["checks"]["queue"] == "ok"


async def test_ready_names_an_unreachable_store(client, tmp_path, monkeypatch):
    from civicfutures.settings import Settings

    # An S3 endpoint where nothing listens: the store is named, the rest still answers.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "probe")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "probe")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    answer = await _ready_of(
        Settings(exports_dir=tmp_path, storage_url="s3://nowhere-bucket/platform")
    )
    assert answer.status_code == 503
    assert answer.json()["failing"] == ["storage"]
    assert answer.json()["checks"] == {
        "database": "ok",
        "exports": "ok",
        "storage": "failing",
        "queue": "ok",
    }


async def test_ready_with_an_s3_store_that_answers(client, tmp_path, s3_endpoint):
    from civicfutures.settings import Settings
    from conftest import new_bucket

    url = f"s3://{new_bucket(s3_endpoint)}/platform"
    answer = await _ready_of(Settings(exports_dir=tmp_path, storage_url=url))
    assert answer.status_code == 200, answer.text
    assert answer.json()["checks"]["storage"] == "ok"
