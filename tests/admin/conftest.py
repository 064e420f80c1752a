"""Administration pages are used the way an admin does: signed in through the form, with CSRF."""

from __future__ import annotations

from pages.conftest import csrf_token, sign_in  # noqa: F401
