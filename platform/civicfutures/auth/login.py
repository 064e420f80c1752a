"""Password sign-in with back-off: repeated failures slow further attempts, nothing locks.

The caller gets the same answer, after the same work (one argon2 verification), for an
unknown e-mail, an inactive account and a wrong password, so sign-in cannot be used to learn
which addresses have accounts. Throttling is in `auth/throttle.py`.
"""

from __future__ import annotations

import datetime as dt

from civicfutures.auth import throttle
from civicfutures.auth.accounts import actor_for_user, dummy_hash, password_matches
from civicfutures.auth.actor import Actor
from civicfutures.db.tables import User
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import NotAuthenticated
from civicfutures.i18n import gettext as _


def _failure() -> NotAuthenticated:
    return NotAuthenticated(_("The e-mail address or password is not right."))


async def sign_in(
    email: str, password: str, address: str = "", now: dt.datetime | None = None
) -> Actor:
    """The Actor for valid credentials; NotAuthenticated with one generic message, or Throttled.

    `address` is the client's (`web/client_address.py`); `now` is the clock, a parameter so
    that back-off can be tested without waiting.
    """
    now = now or dt.datetime.now(dt.UTC)
    async with write_transaction():
        await throttle.check(email, address, now)
        user = await User.select().where(User.email == email.strip().lower()).first()
        usable = user is not None and user["is_active"] and bool(user["password_hash"])
        # One argon2 verification on every path, the dummy hash when there is no real one.
        matches = password_matches(user["password_hash"] if usable else dummy_hash(), password)
        if usable and matches:
            await throttle.record_success(email)
        else:
            # Committed even though the sign-in fails.
            await throttle.record_failure(email, address, now)
    if not (usable and matches):
        raise _failure()
    actor = await actor_for_user(user["id"])
    if actor is None:
        raise _failure()
    return actor
