"""The password rule, after NIST SP 800-63B: length and a blocklist, no composition rules.

A new password (wherever one is set: the command line, the administration page, the account
page, the demo) must
- hold at least MIN_LENGTH and at most MAX_LENGTH characters, counted as Unicode code points
  after NFKC normalisation (the maximum bounds the argon2 work one request can ask for);
- not be one of the common or breached passwords in `common-passwords.txt.gz` (see the README
  beside it), compared case-insensitively;
- not contain the account's e-mail address, its name part, or the platform's name.

Passwords are hashed and verified in their NFKC form, so the same password typed on keyboards
that compose characters differently still matches.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from importlib.resources import files

from civicfutures.errors import FieldError, InvalidInput
from civicfutures.i18n import gettext as _
from civicfutures.i18n import ngettext
from civicfutures.i18n.formatting import format_number

MIN_LENGTH = 12
MAX_LENGTH = 1024
# Words that say which service a password is for: guessed first by anyone who knows it.
PRODUCT_WORDS = ("civicfutures",)
# A very short name part ("jo@") occurs in too many good passwords to refuse them all.
MIN_CONTEXT_WORD = 4
COMMON_PASSWORDS = "common-passwords.txt.gz"


def normalized(password: str) -> str:
    """The form a password is checked, hashed and verified in."""
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords, lowercased."""
    data = files("civicfutures.auth").joinpath(COMMON_PASSWORDS).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").splitlines())


def _squashed(text: str) -> str:
    """Letters and digits only: `Civic-Futures 2026` still names the platform."""
    return "".join(ch for ch in text if ch.isalnum())


def _context_words(email: str) -> list[str]:
    email = normalized(email).strip().casefold()
    local = email.split("@", 1)[0]
    return [w for w in dict.fromkeys((email, local)) if len(w) >= MIN_CONTEXT_WORD]


def password_problem(password: str, email: str = "") -> str | None:
    """Why the password cannot be used, localized; None when it can."""
    # NFKC expands a code point to at most 18: a far longer input is refused before normalising.
    if len(password) > MAX_LENGTH * 18:
        return _too_long()
    text = normalized(password)
    if len(text) < MIN_LENGTH:
        return ngettext(
            "Use at least {min} character.", "Use at least {min} characters.", MIN_LENGTH
        ).format(min=format_number(MIN_LENGTH))
    if len(text) > MAX_LENGTH:
        return _too_long()
    folded = text.casefold()
    if text.lower() in common_passwords() or folded in common_passwords():
        return _("This password is on a list of common or leaked passwords: choose another.")
    squashed = _squashed(folded)
    for word in _context_words(email):
        if word in folded or (_squashed(word) and _squashed(word) in squashed):
            return _("The password must not contain your e-mail address or its name.")
    if any(word in squashed for word in PRODUCT_WORDS):
        return _("The password must not contain the name of the platform.")
    return None


def _too_long() -> str:
    return ngettext(
        "Use at most {max} character.", "Use at most {max} characters.", MAX_LENGTH
    ).format(max=format_number(MAX_LENGTH))


def require_valid_password(password: str, email: str = "") -> None:
    """InvalidInput naming the `password` field when the rule refuses the password."""
    problem = password_problem(password, email)
    if problem is not None:
        raise InvalidInput(_("The password cannot be used."), [FieldError("password", problem)])
