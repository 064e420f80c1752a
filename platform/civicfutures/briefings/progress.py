"""How far a briefing's build has gone: its steps, in order, and their names for people.

The build announces each step as it begins (`Reporter`); the service keeps the step in the
briefing's status record, so the page's progress bar and the API read it from any worker
process, and the command line draws its own bar from the same announcements.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from civicfutures.briefings.renderers import RENDERERS
from civicfutures.i18n import gettext as _

Reporter = Callable[[str], None]
"""Called with a step's key as the step begins."""

_FORMAT_NAMES = {"markdown": "Markdown", "parquet": "Parquet", "svg": "SVG"}


def steps() -> list[str]:
    """Every step of a build, in the order they run."""
    return ["analyses", "sections", "charts", *(f"write:{name}" for name in RENDERERS), "manifest"]


def step_label(step: str | None) -> str:
    """A step's name in the current language."""
    if step is None:
        return _("Waiting to start")
    if step.startswith("write:"):
        name = step.removeprefix("write:")
        return _("Writing the %(format)s files") % {"format": _FORMAT_NAMES.get(name, name.upper())}
    return {
        "analyses": _("Computing the analyses"),
        "sections": _("Laying out the sections"),
        "charts": _("Drawing the charts"),
        "manifest": _("Writing the manifest"),
        "done": _("Done"),
    }.get(step, step)


class StepOut(msgspec.Struct, kw_only=True):
    key: str
    label: str
    state: str
    """`done`, `current` or `waiting`."""


class ProgressOut(msgspec.Struct, kw_only=True):
    """A build's progress: steps done of the total, the current step, every step's state."""

    status: str
    done: int
    total: int
    percent: int
    step: str | None
    label: str
    steps: list[StepOut]


def progress_of(status: str, step: str | None) -> ProgressOut:
    """The progress of a build whose status is `status` and current step `step`."""
    keys = steps()
    if status == "ready":
        done = len(keys)
    elif step in keys:
        done = keys.index(step)
    else:
        done = 0
    states = [
        "done" if i < done else ("current" if i == done and status == "building" else "waiting")
        for i in range(len(keys))
    ]
    return ProgressOut(
        status=status,
        done=done,
        total=len(keys),
        percent=round(100 * done / len(keys)),
        step=step,
        label=step_label("done" if status == "ready" else step),
        steps=[
            StepOut(key=key, label=step_label(key), state=state)
            for key, state in zip(keys, states, strict=True)
        ],
    )
