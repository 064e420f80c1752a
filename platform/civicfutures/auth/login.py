"""Password sign-in with lockout: repeated failures lock an account for a while.

Failures are counted in the database, so the limit holds across workers. The caller gets the
same answer for an unknown e-mail, a wrong password and a locked account, so sign-in cannot be
used to learn which addresses have accounts.
"""

from __future__ import annotations

import datetime as dt

from civicfutures import audit
from civicfutures.auth.accounts import actor_for_user, dummy_hash, password_matches
from civicfutures.auth.actor import Actor
from civicfutures.db.tables import User
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import NotAuthenticated
from civicfutures.i18n import gettext as _
from civicfutures.settings import get_settings


def _failure() -> NotAuthenticated:
    return NotAuthenticated(
        _("The e-mail address or password is not right, or the account is locked for a while.")
    )


async def sign_in(email: str, password: str) -> Actor:
    """The Actor for valid credentials, or NotAuthenticated with one generic message."""
    settings = get_settings()
    now = dt.datetime.now(dt.UTC)
    async with write_transaction():
        user = await User.select().where(User.email == email.strip().lower()).first()
        usable = user is not None and user["is_active"] and bool(user["password_hash"])
        # One argon2 verification on every path, the dummy hash when there is no real one.
        matches = password_matches(user["password_hash"] if usable else dummy_hash(), password)
        if not usable:
            raise _failure()
        if user["locked_until"] is not None and user["locked_until"] > now:
            raise _failure()
        if not matches:
            failures = user["failed_logins"] + 1
            locked_until = None
            if failures >= settings.login_max_failures:
                locked_until = now + dt.timedelta(minutes=settings.login_lockout_minutes)
                failures = 0
            await User.update(
                {User.failed_logins: failures, User.locked_until: locked_until}
            ).where(User.id == user["id"])
            if locked_until is not None:
                await audit.record(
                    Actor(user_id=user["id"], label=user["email"]),
                    "lock",
                    "user",
                    user["id"],
                    detail={"minutes": settings.login_lockout_minutes},
                )
            # Commit the count even though the sign-in fails.
            failed = True
        else:
            failed = False
            await User.update({User.failed_logins: 0, User.locked_until: None}).where(
                User.id == user["id"]
            )
    if failed:
        raise _failure()
    actor = await actor_for_user(user["id"])
    if actor is None:
        raise _failure()
    return actor
