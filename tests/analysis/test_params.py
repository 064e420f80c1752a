"""Parameters an analysis does not read are refused, naming each one, for every kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace

import pytest

from civicfutures.analysis.params import AnalysisParams, client_name
from civicfutures.analysis.suite import INSIGHTS, KINDS, refuse_unsupported
from civicfutures.errors import InvalidInput
from civicfutures.i18n import use_locale

# A value away from the default for every field of AnalysisParams.
SET = {
    "by": "country",
    "sites": ("gdansk",),
    "countries": ("PL",),
    "story_kind": "future",
    "date_from": dt.date(2025, 1, 1),
    "date_to": dt.date(2025, 12, 31),
    "statuses": ("reviewed",),
    "presence": "majority",
    "via": "workshop",
    "coders": ("ana",),
    "permutations": 199,
    "seed": 7,
    "alpha": 0.01,
    "near_duplicate_threshold": 0.9,
    "detect_language": False,
    "near_duplicates": False,
    "k": 3,
    "unsuppressed": True,
}

UNREAD = [
    (kind, f.name)
    for kind in KINDS
    for f in fields(AnalysisParams)
    if f.name not in INSIGHTS[kind].parameters
]
READ = [
    (kind, f.name) for kind in KINDS for f in fields(AnalysisParams) if (kind, f.name) not in UNREAD
]


def test_every_field_has_a_value_to_set() -> None:
    assert set(SET) == {f.name for f in fields(AnalysisParams)}
    assert all(SET[f.name] != f.default for f in fields(AnalysisParams))


def test_the_declarations_refuse_grouping_where_it_is_ignored() -> None:
    assert {kind for kind, name in UNREAD if name == "by"} == set(KINDS) - {
        "prevalence",
        "breakdown",
    }
    assert ("comparison", "by") in UNREAD
    assert ("links", "via") in READ and ("prevalence", "via") in UNREAD


@pytest.mark.parametrize(("kind", "name"), UNREAD)
def test_a_parameter_the_kind_does_not_read_is_refused(kind: str, name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        refuse_unsupported(kind, replace(AnalysisParams(), **{name: SET[name]}))
    [error] = refused.value.errors
    assert error.field == client_name(name)
    assert f"“{client_name(name)}”" in error.message
    assert kind in error.message


@pytest.mark.parametrize(("kind", "name"), READ)
def test_a_parameter_the_kind_reads_is_taken(kind: str, name: str) -> None:
    refuse_unsupported(kind, replace(AnalysisParams(), **{name: SET[name]}))


def test_every_unread_parameter_is_named_at_once() -> None:
    params = replace(AnalysisParams(), by="site", via="workshop", coders=("ana",))
    with pytest.raises(InvalidInput) as refused:
        refuse_unsupported("comparison", params)
    assert [e.field for e in refused.value.errors] == ["by", "via", "coders"]


def test_the_refusal_speaks_the_callers_language() -> None:
    with use_locale("pl"), pytest.raises(InvalidInput) as refused:
        refuse_unsupported("comparison", replace(AnalysisParams(), by="country"))
    assert refused.value.errors[0].message == ("Analiza comparison nie przyjmuje parametru „by”.")
