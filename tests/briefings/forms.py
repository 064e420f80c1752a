"""Reading the CSRF token of a page's form, as a browser would send it back."""

import re

_CSRF = re.compile(r'name="_csrf_token" value="([^"]*)"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token in its form"
    return match.group(1)
