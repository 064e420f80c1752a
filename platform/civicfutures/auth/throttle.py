"""Exponential back-off after failed sign-ins, per e-mail address and per client address.

Nothing locks: after CIVICFUTURES_LOGIN_FREE_FAILURES failures for a key, each further attempt
waits 2, 4, 8… seconds after the last failure, up to CIVICFUTURES_LOGIN_BACKOFF_MAX_SECONDS.
A throttled e-mail address slows only the client addresses that have failed before: the real
user, signing in from an address with no failures, is not kept out by someone else guessing.
E-mail addresses are keyed whether or not they have an account, so a throttled answer says
nothing about which do. The state lives in the database so that it holds across processes;
a key is forgotten a day after its last failure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from civicfutures.db.sql import fetch
from civicfutures.db.tables import LoginThrottle
from civicfutures.errors import Throttled
from civicfutures.i18n import ngettext
from civicfutures.settings import get_settings

FORGET_AFTER = dt.timedelta(days=1)


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()[:300]


def address_key(address: str) -> str:
    return "address:" + address[:90]


def _wait_seconds(row: Mapping[str, Any] | None, now: dt.datetime) -> float:
    """How long this key must still wait, 0 when it may try now."""
    if row is None:
        return 0.0
    settings = get_settings()
    excess = row["failures"] - settings.login_free_failures
    if excess < 0:
        return 0.0
    delay = min(2.0 ** min(excess + 1, 40), settings.login_backoff_max_seconds)
    return max(0.0, (row["last_failure_at"] + dt.timedelta(seconds=delay) - now).total_seconds())


async def check(email: str, address: str, now: dt.datetime) -> None:
    """Raise Throttled when this attempt has to wait."""
    keys = {account_key(email): "account", address_key(address): "address"}
    rows = await LoginThrottle.select(
        LoginThrottle.throttle_key, LoginThrottle.failures, LoginThrottle.last_failure_at
    ).where(
        LoginThrottle.throttle_key.is_in(list(keys))
        & (LoginThrottle.last_failure_at > now - FORGET_AFTER)
    )
    found = {keys[row["throttle_key"]]: row for row in rows}
    wait = _wait_seconds(found.get("address"), now)
    if not wait and found.get("address"):
        wait = _wait_seconds(found.get("account"), now)
    if wait:
        seconds = math.ceil(wait)
        raise Throttled(
            ngettext(
                "Too many failed sign-ins. Try again in {n} second.",
                "Too many failed sign-ins. Try again in {n} seconds.",
                seconds,
            ).format(n=seconds),
            retry_after=seconds,
        )


async def record_failure(email: str, address: str, now: dt.datetime) -> None:
    """Count a failure for both keys, starting afresh for a key forgotten, and prune old keys."""
    for key in (account_key(email), address_key(address)):
        await fetch(
            "INSERT INTO login_throttle (throttle_key, failures, last_failure_at) "
            "VALUES ($1, 1, $2) ON CONFLICT (throttle_key) DO UPDATE SET "
            "failures = CASE WHEN login_throttle.last_failure_at > $3 "
            "THEN login_throttle.failures + 1 ELSE 1 END, last_failure_at = $2",
            key,
            now,
            now - FORGET_AFTER,
        )
    await LoginThrottle.delete().where(LoginThrottle.last_failure_at <= now - FORGET_AFTER)


async def record_success(email: str) -> None:
    """A right password clears the e-mail address's count (its client address keeps its own)."""
    await LoginThrottle.delete().where(LoginThrottle.throttle_key == account_key(email))
