"""Page sessions as server-side records, so that signing out or a change of rights ends them.

The signed cookie holds only a random session id; the database keeps its sha256 digest, the
user and whether it was revoked, and every page request looks it up (one indexed read). A
session lasts at most SESSION_HOURS, like the cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from civicfutures.db.tables import UserSession

SESSION_HOURS = 12


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def open_session(user_id: int) -> str:
    """A new session for the user; its id goes into the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    await UserSession(
        session_key=session_digest(session_id), user=user_id, created_at=now, last_seen_at=now
    ).save()
    return session_id


async def close_session(session_id: str) -> None:
    """Sign-out: this session stops working, wherever its cookie has been copied to."""
    await UserSession.update({UserSession.revoked_at: dt.datetime.now(dt.UTC)}).where(
        (UserSession.session_key == session_digest(session_id)) & UserSession.revoked_at.is_null()
    )


async def revoke_user_sessions(user_id: int) -> None:
    """End every session of the user (after a change of password, roles or activation)."""
    await UserSession.update({UserSession.revoked_at: dt.datetime.now(dt.UTC)}).where(
        (UserSession.user == user_id) & UserSession.revoked_at.is_null()
    )
    # Sessions past their lifetime are of no use to anyone.
    await UserSession.delete().where(
        UserSession.created_at < dt.datetime.now(dt.UTC) - dt.timedelta(hours=SESSION_HOURS)
    )
