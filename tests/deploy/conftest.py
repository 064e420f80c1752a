"""The deployment files checked against the running app: pages sign in like a browser."""

from pages.conftest import sign_in  # noqa: F401
