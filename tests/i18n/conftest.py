"""The pages' sign-in fixtures, for the i18n tests that open pages."""

from pages.conftest import post_form, sign_in  # noqa: F401
