"""Archive tests sign in through the form where a page must look the same signed in."""

from pages.conftest import sign_in  # noqa: F401
