"""The platform's exceptions. Services raise these; `web/errors.py` maps them to HTTP in one place.

Messages are already localized when raised (services run inside the request's locale).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """A problem with one input field (`field` is a dotted path: `translations.0.language`)."""

    field: str
    message: str


class Problem(Exception):
    """Base of every error a client may see."""

    status_code = 400

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def __reduce__(self):
        # Rebuilt from its state rather than through `__init__`, whose arguments differ from
        # class to class: an error raised in a child process reaches the parent whole (an
        # exception that cannot be unpickled stops a pool's result thread, and its caller
        # waits forever).
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(cls: type[Problem], args: tuple, state: dict) -> Problem:
    problem = cls.__new__(cls)
    problem.args = args
    problem.__dict__.update(state)
    return problem


class InvalidInput(Problem):
    """The input is well-formed JSON but breaks a rule (422)."""

    status_code = 422


class TooLarge(Problem):
    """The upload is larger than its limit (413)."""

    status_code = 413


class NotFound(Problem):
    """The object does not exist, or the caller may not know it exists (404)."""

    status_code = 404


class Gone(Problem):
    """The object existed but was withdrawn or erased; it will not come back (410)."""

    status_code = 410


class Conflict(Problem):
    """The write collides with stored data, e.g. a duplicate key (409)."""

    status_code = 409


class PreconditionFailed(Problem):
    """`If-Match` named a version that is no longer current (412)."""

    status_code = 412


class PreconditionRequired(Problem):
    """A conditional header is required for this write (428)."""

    status_code = 428


class NotAuthenticated(Problem):
    status_code = 401


class Throttled(Problem):
    """Too many failed attempts; the client may try again after `retry_after` seconds (429)."""

    status_code = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Forbidden(Problem):
    status_code = 403


class Unavailable(Problem):
    """The database cannot be reached or is locked beyond the busy timeout (503)."""

    status_code = 503
