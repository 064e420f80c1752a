"""Fixtures of the import tests."""

from __future__ import annotations

import pytest

from pages.conftest import sign_in  # noqa: F401


@pytest.fixture
def polish_rows() -> list[list[object]]:
    """Two stories at gdansk of the `world` fixture, with Polish headers."""
    return [
        [
            "Data warsztatu",
            "Rodzaj warsztatu",
            "Kod osoby opowiadającej",
            "age_band",
            "Wersja zgody",
            "Zakres zgody",
            "Rodzaj historii",
            "Rok horyzontu",
            "Język historii",
            "Tytuł",
            "Treść historii",
            "Język tłumaczenia",
            "Tłumaczenie",
            "Tematy",
        ],
        [
            "2025-03-15",
            "Opowiadanie historii",
            "GDANSK-1",
            "",
            "",
            "",
            "Doświadczenie z dziś",
            "",
            "pl",
            "Autobus, którego nie ma",
            "Linię autobusową zlikwidowano bez pytania mieszkańców. Żółć mnie zalała.",
            "en",
            "The bus line was cut without asking residents.",
            "Niesłyszalny głos młodych",
        ],
        [
            "15.04.2025",
            "Myślenie o przyszłości",
            "GDA-NEW-7",
            "16-24",
            "2025-01",
            "Badania; Cytowanie",
            "Wizja przyszłości",
            "2050",
            "pl",
            "Rada dzielnicy online",
            "W 2050 roku każda decyzja dzielnicy jest omawiana na otwartym forum.\nGłosujemy z telefonu.",
            "",
            "",
            "digital_tools; youth_voice",
        ],
    ]
