"""Dates, numbers, percentages, plurals and names through CLDR in the page's language."""

import datetime as dt

import pytest

from civicfutures.i18n import ngettext, use_locale
from civicfutures.i18n.formatting import (
    country_name,
    format_date,
    format_datetime,
    format_list,
    format_number,
    format_percent,
    language_name,
    quoted,
)
from civicfutures.i18n.jinja import make_environment
from civicfutures.i18n.languages import autonym, cldr_locale, text_direction
from civicfutures.settings import get_settings

DAY = dt.date(2025, 3, 15)


@pytest.mark.parametrize(
    ("tag", "date", "number", "share"),
    [
        ("en", "15 Mar 2025", "12,345.5", "42.5%"),  # British by default
        ("pl", "15 mar 2025", "12\xa0345,5", "42,5%"),
        ("et", "15. märts 2025", "12\xa0345,5", "42,5%"),
        ("vro", "15. märts 2025", "12\xa0345,5", "42,5%"),  # Võro is formatted as Estonian
        ("it", "15 mar 2025", "12.345,5", "42,5%"),
        ("uk", "15 бер. 2025\u202fр.", "12\xa0345,5", "42,5%"),
        ("pl-PL", "15 mar 2025", "12\xa0345,5", "42,5%"),
    ],
)
def test_dates_numbers_and_percentages(tag, date, number, share):
    assert format_date(DAY, tag=tag) == date
    assert format_number(12345.5, tag=tag) == number
    assert format_percent(0.425, tag=tag, decimals=1) == share


def test_english_formats_follow_the_setting(monkeypatch):
    noon = dt.datetime(2026, 12, 5, 7, 54, tzinfo=dt.UTC)
    assert format_datetime(noon, "short", tag="en") == "05/12/2026, 07:54 UTC"
    monkeypatch.setenv("CIVICFUTURES_ENGLISH_FORMATS", "en-US")
    get_settings.cache_clear()
    cldr_locale.cache_clear()
    try:
        assert format_datetime(noon, "short", tag="en").startswith("12/5/26, 7:54")
    finally:
        monkeypatch.delenv("CIVICFUTURES_ENGLISH_FORMATS")
        get_settings.cache_clear()
        cldr_locale.cache_clear()


def test_arabic_formats_follow_cldr():
    assert format_date(DAY, style="long", tag="ar") == "15 مارس 2025"
    assert format_percent(0.5, tag="ar").startswith("50")


def test_formatting_reads_the_current_locale():
    with use_locale("it"):
        assert format_number(1234567) == "1.234.567"
        assert (
            format_datetime(dt.datetime(2025, 3, 15, 9, 30, tzinfo=dt.UTC), "short")
            == "15/03/25, 09:30 UTC"
        )


@pytest.mark.parametrize(
    ("tag", "country", "shown"),
    [
        ("en", "PL", "05/12/2026, 07:54 CET"),
        ("pl", "PL", "5.12.2026, 07:54 CET"),
        ("et", "EE", "05.12.26 08:54 +0200"),
        ("vro", "EE", "05.12.26 08:54 +0200"),
        ("it", "IT", "05/12/26, 07:54 CET"),
        ("uk", "UA", "05.12.26, 08:54 +0200"),
        ("ar", "IT", "5\u200f/12\u200f/2026، 7:54 ص +0100"),
        ("en", None, "05/12/2026, 06:54 UTC"),  # no site: the deployment's zone
    ],
)
def test_a_time_is_shown_in_the_sites_zone_and_names_it(tag, country, shown):
    morning = dt.datetime(2026, 12, 5, 6, 54, tzinfo=dt.UTC)
    assert format_datetime(morning, "short", tag=tag, country=country) == shown


def test_times_outside_a_site_follow_the_deployments_zone(monkeypatch):
    monkeypatch.setenv("CIVICFUTURES_TIME_ZONE", "Europe/Tallinn")
    get_settings.cache_clear()
    try:
        summer = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
        assert format_datetime(summer, "short", tag="en") == "01/07/2026, 12:00 EEST"
        # A site's zone still wins over the deployment's.
        assert format_datetime(summer, "short", tag="en", country="PL") == "01/07/2026, 11:00 CEST"
    finally:
        monkeypatch.delenv("CIVICFUTURES_TIME_ZONE")
        get_settings.cache_clear()


def test_unknown_and_missing_tags_never_raise():
    assert format_number(1000, tag="xx-nonsense") == "1,000"
    assert cldr_locale("vro").language == "et"
    assert format_date(None) == "" and format_number(None) == "" and language_name("") == ""


@pytest.mark.parametrize(
    ("tag", "code", "name"),
    [
        ("pl", "et", "estoński"),
        ("et", "pl", "poola"),
        ("it", "uk", "ucraino"),
        ("uk", "ar", "арабська"),
        ("ar", "it", "الإيطالية"),
        ("en", "vro", "Võro"),
    ],
)
def test_language_names_in_the_page_language(tag, code, name):
    assert language_name(code, tag=tag) == name


def test_country_names_and_own_names():
    assert country_name("EE", tag="pl") == "Estonia"
    assert country_name("gb", tag="it") == "Regno Unito"
    assert country_name("IT", tag="uk") == "Італія"
    assert autonym("uk") == "українська" and autonym("vro") == "võro kiil"
    # English pages format as en-GB, yet the switcher names the language, not the region.
    assert autonym("en") == "English"
    assert text_direction("ar") == "rtl" and text_direction("vro") == "ltr"


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        (
            "pl",
            {
                1: "1 historia",
                2: "2 historie",
                5: "5 historii",
                22: "22 historie",
                25: "25 historii",
            },
        ),
        ("uk", {1: "1 історія", 3: "3 історії", 11: "11 історій", 21: "21 історія"}),
        ("ar", {0: "لا قصص", 1: "قصة واحدة", 2: "قصتان", 3: "3 قصص", 11: "11 قصة", 100: "100 قصة"}),
        ("it", {1: "1 storia", 2: "2 storie"}),
        ("et", {1: "1 lugu", 7: "7 lugu"}),
    ],
)
def test_plural_forms_per_language(language, counts):
    with use_locale(language):
        for n, expected in counts.items():
            assert ngettext("%(num)s story", "%(num)s stories", n) % {"num": n} == expected


@pytest.mark.parametrize(
    ("tag", "joined", "choices", "quote"),
    [
        ("en", "Gdańsk, Võru and Reggio Emilia", "Gdańsk, Võru or Reggio Emilia", "“Võru”"),
        ("pl", "Gdańsk, Võru i Reggio Emilia", "Gdańsk, Võru lub Reggio Emilia", "„Võru”"),
        ("et", "Gdańsk, Võru ja Reggio Emilia", "Gdańsk, Võru või Reggio Emilia", "„Võru“"),
        ("vro", "Gdańsk, Võru ja Reggio Emilia", "Gdańsk, Võru või Reggio Emilia", "„Võru“"),
        ("it", "Gdańsk, Võru e Reggio Emilia", "Gdańsk, Võru o Reggio Emilia", "«Võru»"),
        ("uk", "Gdańsk, Võru і Reggio Emilia", "Gdańsk, Võru або Reggio Emilia", "«Võru»"),
        ("ar", "Gdańsk وVõru وReggio Emilia", "Gdańsk أو Võru أو Reggio Emilia", "”Võru“"),
    ],
)
def test_lists_and_quotation_marks_follow_cldr(tag, joined, choices, quote):
    sites = ["Gdańsk", "Võru", "Reggio Emilia"]
    assert format_list(sites, tag=tag) == joined
    assert format_list(sites, "or", tag=tag) == choices
    assert quoted("Võru", tag) == quote
    assert format_list([], tag=tag) == ""


def test_a_quote_in_another_language_is_isolated_inside_the_readers_marks():
    template = make_environment().from_string("<p>{{ text | quote(language) }}</p>")
    with use_locale("ar"):
        shown = template.render(text="Młodzież <chce> mieć głos", language="pl")
    assert shown == ('<p>”<bdi lang="pl" dir="ltr">Młodzież &lt;chce&gt; mieć głos</bdi>“</p>')
    with use_locale("pl"):
        shown = template.render(text="الشباب يريدون صوتًا", language="ar")
    assert shown == '<p>„<bdi lang="ar" dir="rtl">الشباب يريدون صوتًا</bdi>”</p>'


def test_a_time_in_a_page_is_a_time_element_with_its_zone():
    template = make_environment().from_string('{{ at | datetime("short", "EE") }}')
    with use_locale("et"):
        shown = template.render(at=dt.datetime(2026, 12, 5, 6, 54, tzinfo=dt.UTC))
    assert shown == '<time datetime="2026-12-05T08:54:00+02:00">05.12.26 08:54 +0200</time>'
