"""The page fixtures (sign-in through the form) for the story pages."""

from pages.conftest import sign_in  # noqa: F401
