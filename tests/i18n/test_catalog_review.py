"""Each catalog's header names the role that reviewed it, and `msgfmt -c` accepts every catalog."""

import shutil
import subprocess

import pytest

from civicfutures.i18n import catalogs
from civicfutures.i18n.runtime import SUPPORTED_LOCALES
from civicfutures.settings import get_settings

LOCALES = get_settings().locales_dir
NAMES = {
    "en": "English",
    "pl": "Polish",
    "et": "Estonian",
    "it": "Italian",
    "uk": "Ukrainian",
    "ar": "Arabic",
}


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_the_header_names_the_review(language):
    catalog = catalogs.read_catalog(catalogs.po_path(LOCALES, language), language)
    assert catalog.last_translator == f"{NAMES[language]}: reviewed <translations@civicfutures.eu>"


def test_a_catalog_without_a_review_is_reported(tmp_path):
    shutil.copy(catalogs.pot_path(LOCALES), catalogs.pot_path(tmp_path))
    path = catalogs.po_path(tmp_path, "pl")
    path.parent.mkdir(parents=True)
    text = catalogs.po_path(LOCALES, "pl").read_text(encoding="utf-8")
    path.write_text(
        text.replace("Polish: reviewed <translations", "FULL NAME <translations"), encoding="utf-8"
    )
    problems = [p.problem for p in catalogs.check(tmp_path, ["pl"])]
    assert any(p.startswith("Last-Translator is 'FULL NAME") for p in problems), problems


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_msgfmt_accepts_the_catalog_without_warnings(language):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is installed by make setup-test"
    result = subprocess.run(
        [msgfmt, "-c", "-o", "/dev/null", str(catalogs.po_path(LOCALES, language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
