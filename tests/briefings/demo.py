"""Values the demo briefings are built with, shared by the fixtures and the tests."""

from pathlib import Path

PROJECT = "euarenas-futures"
FORMULA_TITLE = '=HYPERLINK("https://example.org","Młodzież")'
DASH_TRANSLATION = "-Our village school was closed, and nobody asked us."
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
