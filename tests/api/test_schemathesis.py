"""Schemathesis over every operation of the OpenAPI document: no input makes the server fail.

The real server (Granian, one worker) runs on 127.0.0.1 against a database of its own with the
demo project, and every request carries an administrator's token, so generated requests reach
the services rather than stopping at the guards. Operations are fuzzed one by one, then as
stateful sequences along the links Schemathesis infers (a created project's slug fed to the
site and theme operations, a story's id to its GET and PATCH, and so on). The only check is
the promise of the API: whatever arrives, the answer is not a 5xx.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from civicfutures.bench import database as bench_db
from civicfutures.bench.server import running_server

PG_ADMIN_URL = os.environ.get(
    "CIVICFUTURES_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
pytestmark = pytest.mark.filterwarnings(
    "ignore:Skipped test cases with unsupported payload media types"
)
ADMIN = "admin@demo.civicfutures.eu"
# Bounded so both engines stay within about a minute each.
PER_OPERATION = settings(
    max_examples=6,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
STATEFUL = settings(
    max_examples=10,
    stateful_step_count=6,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def live_api(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The server with the demo project and an administrator's Authorization header."""
    folder = Path(tmp_path_factory.mktemp("schemathesis"))
    name = f"civicfutures_schemathesis_{os.getpid()}"
    database_url = bench_db.fresh_database(engine_name, folder, PG_ADMIN_URL, name=name)
    env = bench_db.server_environment(database_url, folder)
    env["CIVICFUTURES_PASSWORD_HASH_PROFILE"] = "CHEAPEST"
    token = bench_db.load_demo_and_token(env, email=ADMIN)
    try:
        with running_server("granian", 1, env, folder / "server.log") as (url, _process):
            yield {"url": url, "headers": {"Authorization": f"Bearer {token}"}}
    finally:
        bench_db.drop_database(database_url, PG_ADMIN_URL)


def openapi_document() -> dict:
    """The document the server publishes at /schema/openapi.json, built from the same app.

    Built at collection so every operation is its own test; the live server answers them.
    """
    from civicfutures.app import create_app

    return as_enforced(create_app().openapi_schema.to_schema())


def as_enforced(document: dict) -> dict:
    """The document with two rules the API enforces but the generated document leaves out.

    Input objects refuse unknown fields (msgspec `forbid_unknown_fields`), and story teller
    ids are positive 32-bit integers. Without them nearly every generated body is refused at
    decoding and the fuzzer never reaches the services behind it.
    """
    for name, component in document.get("components", {}).get("schemas", {}).items():
        if name.endswith(("In", "Patch")) or name in {"DemographicChoice", "DemographicField"}:
            component.setdefault("additionalProperties", False)
        tellers = component.get("properties", {}).get("storytellers")
        if name.startswith("Story") and tellers and tellers.get("items") == {"type": "integer"}:
            tellers["items"] = {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}
    return document


# Values that exist in the demo project: drawn for some strings and integers, so generated
# requests also reach real projects, sites, themes and rows, not only 404s.
DEMO_VALUES = [
    "euarenas-futures", "gdansk", "voru", "reggio-emilia", "greater-manchester",
    "youth_disengagement", "distrust_of_institutions", "digital_participation_gap",
    "GDA-01", "VOR-01", "pl", "et", "vro", "it", "en", "uk", "ar", "storytelling",
    "future", "present", "research", "quote", "story", "storyteller", "csv", "xlsx",
]  # fmt: skip
CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {
            "demo": {"values": DEMO_VALUES},
            "projects": {"values": ["euarenas-futures"]},
            "sites": {"values": ["gdansk", "voru", "reggio-emilia", "greater-manchester"]},
            "themes": {"values": ["youth_disengagement", "distrust_of_institutions"]},
            "ids": {"values": list(range(1, 50))},
        },
        "generation": {
            "dictionaries": {
                "string": {"dictionary": "demo", "probability": 0.3},
                "integer": {"dictionary": "ids", "probability": 0.5},
            }
        },
        # Every method a path does not declare answers 405: one router check, not worth
        # hundreds of requests.
        "phases": {"coverage": {"unexpected-methods": []}},
        "parameters": {
            f"{location}.{name}": {"dictionary": dictionary, "probability": 0.6}
            for location in ("path", "query", "body")
            for name, dictionary in (
                ("project", "projects"),
                ("site", "sites"),
                ("key", "themes"),
                ("theme", "themes"),
                ("ref", "sites"),
            )
        },
    }
)
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


@schema.parametrize()
@PER_OPERATION
def test_no_operation_answers_a_server_error(case, live_api):
    case.call_and_validate(
        base_url=live_api["url"],
        headers=live_api["headers"],
        checks=[not_a_server_error],
        timeout=30,
    )


def test_no_sequence_of_calls_answers_a_server_error(live_api):
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"base_url": live_api["url"], "headers": live_api["headers"], "timeout": 30}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=[not_a_server_error])

    Workflow.run(settings=STATEFUL)
