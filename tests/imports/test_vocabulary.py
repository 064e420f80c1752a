"""The import's words come from the catalogs: headers, help and coded values, recognised in any
language by reading every catalog."""

from __future__ import annotations

import shutil

import pytest

from civicfutures.i18n import catalogs, pgettext, runtime, use_locale
from civicfutures.imports.columns import HeaderIndex
from civicfutures.imports.vocabulary import COLUMNS_BY_KEY, value_index, value_label
from civicfutures.settings import get_settings


@pytest.mark.parametrize("language", ["en", "pl", "et", "it", "uk", "ar"])
def test_headers_and_help_are_the_catalogs(language):
    column = COLUMNS_BY_KEY["workshop_date"]
    with use_locale(language):
        header = pgettext("import column", "Workshop date")
        help_text = pgettext(
            "import help",
            "The day of the workshop, e.g. 2025-03-15 or 15.03.2025. Rows with the same site, "
            "date and type belong to one workshop.",
        )
    assert column.header(language) == header
    assert column.help_text(language) == help_text
    assert (header == "Workshop date") == (language == "en")


def test_a_header_or_value_in_any_language_is_recognised_whatever_the_page():
    index = HeaderIndex()
    with use_locale("en"):
        assert index.key("تاريخ الورشة") == "workshop_date"
        assert index.key("Data warsztatu *") == "workshop_date"
        assert index.key("Töötoa kuupäev") == "workshop_date"
        assert index.key("Gmina") == "site"  # another name of the column
        assert value_index("story_kind").lookup("Wizja przyszłości") == {"future"}
        assert value_index("story_kind").lookup("Бачення майбутнього") == {"future"}
    assert value_label("story_kind", "future", "it") == "Visione del futuro"
    assert value_label("story_kind", "future", "vro") == value_label("story_kind", "future", "et")


@pytest.fixture
def edited_polish(tmp_path, monkeypatch):
    """The catalogs with the Polish header of the workshop date reworded, as a translator would."""
    copy = tmp_path / "locales"
    shutil.copytree(get_settings().locales_dir, copy, ignore=shutil.ignore_patterns("*.mo"))
    path = catalogs.po_path(copy, "pl")
    catalog = catalogs.read_catalog(path, "pl")
    catalog.get("Workshop date", context="import column").string = "Dzień spotkania"
    path.write_bytes(catalogs._render(catalog))
    monkeypatch.setenv("CIVICFUTURES_LOCALES_DIR", str(copy))
    get_settings.cache_clear()
    runtime.catalog.cache_clear()
    yield
    monkeypatch.delenv("CIVICFUTURES_LOCALES_DIR")
    get_settings.cache_clear()
    runtime.catalog.cache_clear()


def test_a_translators_new_header_is_written_and_recognised(edited_polish):
    assert COLUMNS_BY_KEY["workshop_date"].header("pl") == "Dzień spotkania"
    assert HeaderIndex().key("dzień spotkania") == "workshop_date"
