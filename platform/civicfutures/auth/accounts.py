"""Users, memberships and API tokens; the Actor a credential stands for."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from civicfutures import audit
from civicfutures.auth.actor import ROLES, SYSTEM, Actor
from civicfutures.auth.passwords import normalized, require_valid_password
from civicfutures.auth.sessions import SESSION_HOURS, revoke_user_sessions, session_digest
from civicfutures.db.sql import fetch
from civicfutures.db.tables import ApiToken, Membership, Site, User
from civicfutures.db.transactions import write_transaction
from civicfutures.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from civicfutures.i18n import gettext as _
from civicfutures.i18n.formatting import format_list
from civicfutures.settings import get_settings

TOKEN_PREFIX = "cf_"
# Ids are 32-bit serials: a larger number in an address names nothing (and would overflow
# PostgreSQL's integer in the query).
MAX_ID = 2**31 - 1


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, get_settings().password_hash_profile))


def hash_password(password: str) -> str:
    return _hasher().hash(normalized(password))


@cache
def dummy_hash() -> str:
    """A hash of a random password, made once per process with the real parameters.

    Sign-in verifies against it when there is no real hash to check (unknown e-mail, inactive
    account, no password), so every attempt costs one argon2 verification and the time of an
    answer says nothing about which addresses have accounts.
    """
    return _hasher().hash(secrets.token_urlsafe(32))


def password_matches(password_hash: str, password: str) -> bool:
    """Passwords are hashed in NFKC form; one set before that may be stored as typed."""
    if _verifies(password_hash, normalized(password)):
        return True
    return normalized(password) != password and _verifies(password_hash, password)


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return bool(password_hash) and _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """Tokens are long random strings, so a plain sha256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    email: str,
    role: str,
    site_slugs: Sequence[str] = (),
    password: str | None = None,
    actor: Actor = SYSTEM,
    unsuppressed: bool = False,
) -> int:
    """A user with one role, on the given sites (partner) or on all sites (other roles)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise InvalidInput(
            _("Unknown role."),
            [
                FieldError(
                    "role", _("Choose one of: {roles}.").format(roles=format_list(ROLES, "or"))
                )
            ],
        )
    if "@" not in email:
        raise InvalidInput(
            _("Invalid e-mail address."), [FieldError("email", _("Enter an e-mail address."))]
        )
    if role == "partner" and not site_slugs:
        raise InvalidInput(
            _("A partner needs a site."),
            [FieldError("site", _("Name at least one site for a partner."))],
        )
    if password is not None:
        require_valid_password(password, email)
    async with write_transaction():
        if await User.exists().where(User.email == email):
            raise Conflict(
                _("The e-mail address is taken."),
                [FieldError("email", _("A user with this e-mail exists."))],
            )
        site_ids: list[int | None] = []
        for slug in site_slugs:
            site = await Site.select(Site.id).where(Site.slug == slug).first()
            if site is None:
                raise NotFound(
                    _("No such site."), [FieldError("site", _("No site “{ref}”.").format(ref=slug))]
                )
            site_ids.append(site["id"])
        user = User(email=email, password_hash=hash_password(password) if password else "")
        await user.save()
        for site_id in site_ids or [None]:
            await Membership(
                user=user.id, site=site_id, role=role, unsuppressed=unsuppressed
            ).save()
        await audit.record(
            actor,
            "create",
            "user",
            user.id,
            after={"email": email, "role": role, "sites": list(site_slugs)},
        )
    return user.id


# The column holds 100 characters; a longer label is refused, never cut.
TOKEN_NAME_MAX = 100


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: the only moment its value exists outside the caller's hands."""

    id: int
    token: str
    user_id: int
    expires_at: dt.datetime


def require_token_days(expires_days: int) -> None:
    settings = get_settings()
    if not 1 <= expires_days <= settings.token_max_days:
        raise InvalidInput(
            _("A token must expire."),
            [
                FieldError(
                    "expires_days",
                    _("Choose between 1 and {max} days.").format(max=settings.token_max_days),
                )
            ],
        )


async def issue_token(
    user: int | str,
    expires_days: int | None = None,
    name: str = "",
    actor: Actor = SYSTEM,
) -> IssuedToken:
    """A new bearer token for a user (by id or e-mail); only its digest is stored.

    Admins make tokens for anyone, any other user only for themself. Every token expires:
    after `expires_days` (1 to CIVICFUTURES_TOKEN_MAX_DAYS), by default
    CIVICFUTURES_TOKEN_DEFAULT_DAYS.
    """
    settings = get_settings()
    # Checked before the lookup, so the answer tells a non-admin nothing about other accounts.
    if not (isinstance(user, int) and user == actor.user_id):
        _require_admin(actor)
    if expires_days is None:
        expires_days = min(settings.token_default_days, settings.token_max_days)
    require_token_days(expires_days)
    name = name.strip()
    if len(name) > TOKEN_NAME_MAX:
        raise InvalidInput(
            _("The label is too long."),
            [FieldError("name", _("At most {max} characters.").format(max=TOKEN_NAME_MAX))],
        )
    column = User.id if isinstance(user, int) else User.email
    key = user if isinstance(user, int) else user.strip().lower()
    in_range = not isinstance(user, int) or 1 <= user <= MAX_ID
    row = await User.select(User.id).where(column == key).first() if in_range else None
    if row is None:
        if isinstance(user, int):
            raise NotFound(_("No such user."), [FieldError("user", _("No such user."))])
        raise NotFound(_("No such user."), [FieldError("email", _("No user with this e-mail."))])
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_days)
    async with write_transaction():
        saved_row = ApiToken(
            user=row["id"], token_hash=token_digest(token), name=name, expires_at=expires_at
        )
        await saved_row.save()
        saved = saved_row.id
        await audit.record(
            actor,
            "create",
            "api_token",
            saved,
            detail={"user": row["id"], "expires_days": expires_days},
            fields=["expires_at", "name"] if name else ["expires_at"],
        )
    return IssuedToken(id=saved, token=token, user_id=row["id"], expires_at=expires_at)


async def create_token(
    email: str, expires_days: int | None = None, name: str = "", actor: Actor = SYSTEM
) -> str:
    """A new bearer token for the user with this e-mail address; the token alone."""
    return (await issue_token(email, expires_days, name, actor)).token


# An Actor is what a user's row and memberships say, read in one query.
_ACTOR_COLUMNS = (
    "app_user.id AS id, app_user.email AS email, app_user.is_active AS is_active, "
    "membership.site AS site, membership.role AS role, membership.unsuppressed AS unsuppressed"
)
_MEMBERSHIPS = 'LEFT JOIN membership ON membership."user" = app_user.id'


def _actor(rows: Sequence[Mapping[str, Any]]) -> Actor | None:
    """The Actor of an active user from rows of (user, membership); None when inactive."""
    if not rows or not rows[0]["is_active"]:
        return None
    memberships = [row for row in rows if row["role"] is not None]
    roles = frozenset(m["role"] for m in memberships)
    global_reach = any(m["site"] is None and m["role"] != "partner" for m in memberships)
    partner_sites = frozenset(
        m["site"] for m in memberships if m["role"] == "partner" and m["site"] is not None
    )
    member_sites = frozenset(m["site"] for m in memberships if m["site"] is not None)
    all_sites = None if global_reach or "admin" in roles else member_sites
    return Actor(
        user_id=rows[0]["id"],
        label=rows[0]["email"],
        roles=roles,
        site_ids=all_sites,
        partner_site_ids=partner_sites,
        unsuppressed=any(m["unsuppressed"] for m in memberships),
    )


async def actor_for_user(user_id: int) -> Actor | None:
    """The Actor of an active user: roles and sites from the memberships."""
    return _actor(
        await fetch(
            f"SELECT {_ACTOR_COLUMNS} FROM app_user {_MEMBERSHIPS} WHERE app_user.id = $1",
            user_id,
        )
    )


async def actor_for_session(session_id: str) -> Actor | None:
    """The Actor of a page session that is open, young enough and of an active user."""
    oldest = dt.datetime.now(dt.UTC) - dt.timedelta(hours=SESSION_HOURS)
    return _actor(
        await fetch(
            f"SELECT {_ACTOR_COLUMNS} FROM user_session "
            'JOIN app_user ON app_user.id = user_session."user" '
            f"{_MEMBERSHIPS} WHERE user_session.session_key = $1 "
            "AND user_session.revoked_at IS NULL AND user_session.created_at > $2",
            session_digest(session_id),
            oldest,
        )
    )


# Bearer tokens are looked up on every API request. Each process keeps what a token stood for
# for TOKEN_CACHE_SECONDS: a revocation, deactivation or change of roles made in this process
# applies at once (the cache is emptied), one made in another worker process within that
# time. A token's expiry is checked on every request, cached or not.
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_ENTRIES = 1024
_token_cache: dict[str, tuple[float, Actor, dt.datetime | None]] = {}


def forget_cached_tokens() -> None:
    """Empty this process's token cache (after anything that changes what a token may do)."""
    _token_cache.clear()


async def actor_for_token(token: str) -> Actor | None:
    """The Actor behind a bearer token, or None when unknown, expired or revoked."""
    digest = token_digest(token)
    now = dt.datetime.now(dt.UTC)
    cached = _token_cache.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        _, actor, expires_at = cached
        return actor if expires_at is None or expires_at > now else None
    rows = await fetch(
        f"SELECT api_token.expires_at AS expires_at, api_token.revoked_at AS revoked_at, "
        f"{_ACTOR_COLUMNS} FROM api_token "
        'JOIN app_user ON app_user.id = api_token."user" '
        f"{_MEMBERSHIPS} WHERE api_token.token_hash = $1",
        digest,
    )
    if not rows or rows[0]["revoked_at"] is not None:
        return None
    expires_at = rows[0]["expires_at"]
    if expires_at is not None and expires_at <= now:
        return None
    actor = _actor(rows)
    if actor is not None:
        if len(_token_cache) >= TOKEN_CACHE_ENTRIES:
            _token_cache.pop(next(iter(_token_cache)))  # the oldest entry
        _token_cache[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, actor, expires_at)
    return actor


async def revoke_token(token: str, actor: Actor = SYSTEM) -> bool:
    async with write_transaction():
        rows = (
            await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)})
            .where((ApiToken.token_hash == token_digest(token)) & ApiToken.revoked_at.is_null())
            .returning(ApiToken.id)
        )
        if rows:
            await audit.record(actor, "revoke", "api_token", rows[0]["id"], fields=["revoked_at"])
    forget_cached_tokens()
    return bool(rows)


# ---------------------------------------------------------------------- administration


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only administrators can manage accounts."))


async def list_users(actor: Actor) -> list[dict]:
    """Users with their roles and sites, for the administration page."""
    _require_admin(actor)
    users = await User.select(User.id, User.email, User.is_active).order_by(User.email)
    memberships = await Membership.select(
        Membership.id,
        Membership.user,
        Membership.role,
        Membership.site.slug,
        Membership.site.name,
        Membership.unsuppressed,
    )
    tokens = await ApiToken.select(
        ApiToken.id,
        ApiToken.user,
        ApiToken.name,
        ApiToken.created_at,
        ApiToken.expires_at,
        ApiToken.revoked_at,
    ).order_by(ApiToken.id)
    now = dt.datetime.now(dt.UTC)
    for user in users:
        user["memberships"] = [m for m in memberships if m["user"] == user["id"]]
        user["tokens"] = [t for t in tokens if t["user"] == user["id"]]
        user["active_tokens"] = sum(
            1
            for t in user["tokens"]
            if t["revoked_at"] is None and (t["expires_at"] is None or t["expires_at"] > now)
        )
    return users


async def set_active(actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate (or reactivate) a user: their sessions and tokens stop working at once."""
    _require_admin(actor)
    if actor.user_id == user_id and not active:
        raise InvalidInput(
            _("You cannot deactivate your own account."),
            [FieldError("user", _("You cannot deactivate your own account."))],
        )
    async with write_transaction():
        updated = (
            await User.update({User.is_active: active}).where(User.id == user_id).returning(User.id)
        )
        if not updated:
            raise NotFound(_("No such user."), [FieldError("user", _("No such user."))])
        await revoke_user_sessions(user_id)
        await audit.record(
            actor,
            "activate" if active else "deactivate",
            "user",
            user_id,
            detail={"sessions_revoked": True},
            fields=["is_active"],
        )
    forget_cached_tokens()


async def set_password(actor: Actor, user: int | str, password: str) -> int:
    """A new password for a user (by id or e-mail): admins for anyone, a user for themself.

    Every page session of the user ends, wherever its cookie was copied to: whoever knew the old
    password may have signed in with it. API tokens are separate credentials and stay valid;
    they are revoked on their own.
    """
    # Checked before the lookup, so the answer tells a non-admin nothing about other accounts.
    if not (isinstance(user, int) and user == actor.user_id):
        _require_admin(actor)
    column = User.id if isinstance(user, int) else User.email
    key = user if isinstance(user, int) else user.strip().lower()
    row = await User.select(User.id, User.email).where(column == key).first()
    if row is None:
        raise NotFound(_("No such user."), [FieldError("user", _("No such user."))])
    require_valid_password(password, row["email"])
    password_hash = hash_password(password)
    async with write_transaction():
        await User.update({User.password_hash: password_hash}).where(User.id == row["id"])
        await revoke_user_sessions(row["id"])
        await audit.record(
            actor,
            "set_password",
            "user",
            row["id"],
            detail={"sessions_revoked": True},
            fields=["password"],
        )
    return row["id"]


async def change_own_password(actor: Actor, current: str, new: str) -> int:
    """A signed-in user's new password, given their current one (checked like a sign-in)."""
    from civicfutures.errors import NotAuthenticated

    if actor.user_id is None:
        raise NotAuthenticated(_("Sign in first."))
    row = await User.select(User.password_hash).where(User.id == actor.user_id).first()
    stored = row["password_hash"] if row else ""
    if not password_matches(stored or dummy_hash(), current) or not stored:
        raise InvalidInput(
            _("The current password is not right."),
            [FieldError("current_password", _("The current password is not right."))],
        )
    return await set_password(actor, actor.user_id, new)


async def add_membership(actor: Actor, user_id: int, role: str, site_slug: str | None) -> None:
    """Grant a role, on one site (partners) or on all sites."""
    _require_admin(actor)
    if role not in ROLES:
        raise InvalidInput(
            _("Unknown role."),
            [
                FieldError(
                    "role", _("Choose one of: {roles}.").format(roles=format_list(ROLES, "or"))
                )
            ],
        )
    if role == "partner" and not site_slug:
        raise InvalidInput(
            _("A partner needs a site."),
            [FieldError("site", _("Name at least one site for a partner."))],
        )
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound(_("No such user."), [FieldError("user", _("No such user."))])
        site_id = None
        if site_slug:
            site = await Site.select(Site.id).where(Site.slug == site_slug).first()
            if site is None:
                raise NotFound(
                    _("No such site."),
                    [FieldError("site", _("No site “{ref}”.").format(ref=site_slug))],
                )
            site_id = site["id"]
        await Membership(user=user_id, site=site_id, role=role).save()
        await revoke_user_sessions(user_id)
        await audit.record(
            actor,
            "grant",
            "user",
            user_id,
            detail={"role": role, "site": site_slug, "sessions_revoked": True},
            fields=["memberships"],
        )
    forget_cached_tokens()


async def remove_membership(actor: Actor, membership_id: int) -> None:
    _require_admin(actor)
    async with write_transaction():
        removed = (
            await Membership.delete()
            .where(Membership.id == membership_id)
            .returning(Membership.user, Membership.role)
        )
        if not removed:
            raise NotFound(_("No such role."), [FieldError("membership", _("No such role."))])
        await revoke_user_sessions(removed[0]["user"])
        await audit.record(
            actor,
            "revoke_role",
            "user",
            removed[0]["user"],
            detail={"role": removed[0]["role"], "sessions_revoked": True},
            fields=["memberships"],
        )
    forget_cached_tokens()


async def list_tokens(actor: Actor, own: bool = False) -> list[dict[str, Any]]:
    """Tokens newest first, with their owner's e-mail: every token for an admin, else (or with
    `own`) the caller's own. Never a token's value or digest."""
    if not own:
        _require_admin(actor)
    query = ApiToken.select(
        ApiToken.id,
        ApiToken.user,
        ApiToken.user.email.as_alias("owner"),
        ApiToken.name,
        ApiToken.created_at,
        ApiToken.expires_at,
        ApiToken.revoked_at,
    ).order_by(ApiToken.id, ascending=False)
    if own:
        query = query.where(ApiToken.user == (actor.user_id or -1))
    rows = await query
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        if row["revoked_at"] is not None:
            row["state"] = "revoked"
        elif row["expires_at"] is not None and row["expires_at"] <= now:
            row["state"] = "expired"
        else:
            row["state"] = "active"
    return rows


async def revoke_token_by_id(actor: Actor, token_id: int, own: bool = False) -> None:
    """Revoke a token by its id: any token for an admin, else (or with `own`) only the
    caller's own; another user's token is answered as unknown (404). Twice is a conflict."""
    if not own:
        _require_admin(actor)
    if not 1 <= token_id <= MAX_ID:
        raise NotFound(_("No such token."), [FieldError("token", _("No such token."))])
    async with write_transaction():
        query = ApiToken.select(ApiToken.id, ApiToken.revoked_at).where(ApiToken.id == token_id)
        if own:
            query = query.where(ApiToken.user == (actor.user_id or -1))
        row = await query.first()
        if row is None:
            raise NotFound(_("No such token."), [FieldError("token", _("No such token."))])
        if row["revoked_at"] is not None:
            raise Conflict(
                _("The token is already revoked."),
                [FieldError("token", _("The token is already revoked."))],
            )
        await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)}).where(
            (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()
        )
        await audit.record(actor, "revoke", "api_token", token_id, fields=["revoked_at"])
    forget_cached_tokens()
