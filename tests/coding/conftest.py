"""The page fixtures (sign-in through the form) for the coding pages."""

from pages.conftest import sign_in  # noqa: F401
