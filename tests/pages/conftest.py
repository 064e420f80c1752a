"""Page tests sign in the way a partner does: the sign-in form, a session cookie, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]*)"')


def csrf_token(html: str) -> str:
    """The CSRF token a page's form carries (Litestar's `csrf_input`)."""
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token in its form"
    return match.group(1)


@pytest.fixture
def sign_in(client) -> Callable[..., Awaitable[str]]:
    """Create a user and sign in through `POST /{lang}/login`; the client keeps the session."""
    counter = {"n": 0}

    async def make(role: str = "partner", *sites: str, lang: str = "en") -> str:
        from civicfutures.auth.accounts import create_user

        counter["n"] += 1
        email = f"page-{role}{counter['n']}@test.civicfutures.eu"
        await create_user(email, role, sites, password=PASSWORD)
        login = await client.get(f"/{lang}/login")
        assert login.status_code == 200, login.text
        response = await client.post(
            f"/{lang}/login",
            data={
                "email": email,
                "password": PASSWORD,
                "next": "",
                "_csrf_token": csrf_token(login.text),
            },
        )
        assert response.status_code == 303, response.text
        return email

    return make


@pytest.fixture
def post_form(client) -> Callable[..., Awaitable]:
    """Open a form page, then post fields to it with the page's CSRF token (lists repeat a name)."""

    async def post(path: str, fields: dict, **headers: str):
        page = await client.get(path)
        assert page.status_code == 200, page.text
        data = {name: value for name, value in fields.items() if value != []}
        data["_csrf_token"] = csrf_token(page.text)
        return await client.post(path, data=data, headers=headers)

    return post
