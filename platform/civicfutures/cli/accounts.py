"""`civicfutures users ...` and `civicfutures tokens ...`: accounts and API tokens from the shell."""

from __future__ import annotations

import click

from civicfutures.cli.shell import fail_on_problem
from civicfutures.settings import get_settings


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "partner", "researcher", "author"])
)
@click.option(
    "--site", "sites", multiple=True, help="Site slug (repeat for several; required for partners)."
)
@click.option(
    "--password",
    default=None,
    help="Password for the HTML pages: at least 12 characters, not a common one (without it, "
    "the account signs in only with API tokens until `users set-password`).",
)
@click.option(
    "--unsuppressed", is_flag=True, help="Researchers only: may request unsuppressed tables."
)
def users_create(
    email: str, role: str, sites: tuple[str, ...], password: str | None, unsuppressed: bool
) -> None:
    """Create a user with a role (partners on their sites)."""
    from civicfutures.auth.accounts import create_user

    user_id = fail_on_problem(
        lambda: create_user(email, role, sites, password=password, unsuppressed=unsuppressed)
    )
    click.echo(f"user {user_id} created: {email} ({role})")


@users.command("set-password")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password (prompted, twice and hidden, when omitted; read from stdin when "
    "it is not a terminal).",
)
def users_set_password(email: str, password: str) -> None:
    """Set a user's password (at least 12 characters, not a common one); ends their sessions."""
    from civicfutures.auth.accounts import set_password
    from civicfutures.auth.actor import SYSTEM

    fail_on_problem(lambda: set_password(SYSTEM, email, password))
    click.echo(f"password set for {email.strip().lower()}; their page sessions have ended")


@click.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option(
    "--expires-days",
    type=int,
    default=lambda: get_settings().token_default_days,
    help="Days until the token expires, at most CIVICFUTURES_TOKEN_MAX_DAYS "
    f"(default: {get_settings().token_default_days}).",
)
@click.option("--name", default="", help="A note to recognise the token by.")
def tokens_create(email: str, expires_days: int, name: str) -> None:
    """Create an API token; the token alone is printed on the last line."""
    from civicfutures.auth.accounts import create_token

    token = fail_on_problem(lambda: create_token(email, expires_days, name))
    click.echo(f"token for {email}, expires in {expires_days} days:")
    click.echo(token)


@tokens.command("list")
@click.option("--email", default=None, help="Only the tokens of this account.")
def tokens_list(email: str | None) -> None:
    """List API tokens, newest first: id, account, label, created, expires, state (never the
    token: only its digest is kept)."""
    from civicfutures.auth.accounts import list_tokens
    from civicfutures.auth.actor import SYSTEM

    rows = fail_on_problem(lambda: list_tokens(SYSTEM))
    wanted = email.strip().lower() if email else None
    for row in rows:
        if wanted and row["owner"] != wanted:
            continue
        expires = row["expires_at"].isoformat(timespec="seconds") if row["expires_at"] else "-"
        click.echo(
            "\t".join(
                [
                    str(row["id"]),
                    row["owner"],
                    row["name"] or "-",
                    row["created_at"].isoformat(timespec="seconds"),
                    expires,
                    row["state"],
                ]
            )
        )


@tokens.command("revoke")
@click.argument("token")
def tokens_revoke(token: str) -> None:
    """Revoke an API token."""
    from civicfutures.auth.accounts import revoke_token

    revoked = fail_on_problem(lambda: revoke_token(token))
    click.echo("revoked" if revoked else "no such active token")
