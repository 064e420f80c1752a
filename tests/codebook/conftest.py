"""The page fixtures (sign-in through the form) for the codebook pages."""

from pages.conftest import post_form, sign_in  # noqa: F401
