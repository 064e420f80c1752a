"""A build's steps on stderr: click's progress bar in a terminal, one line per step otherwise.

Stdout keeps only the results (a script reads the last line for the path); a log or a pipe
gets whole lines rather than a bar redrawn with carriage returns.
"""

from __future__ import annotations

import threading
from typing import Any

import click


class StepBar:
    """Follows a build's announced steps (`step`), which may arrive from a worker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bar: Any = None
        self._done = 0
        self._stream = click.get_text_stream("stderr")

    def __enter__(self) -> StepBar:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._bar is not None:
                if exc[0] is None:
                    self._bar.update(self._bar.length - self._done)
                self._bar.render_finish()
                self._bar = None

    def step(self, key: str) -> None:
        from civicfutures.briefings.progress import step_label, steps
        from civicfutures.i18n import use_locale

        keys = steps()
        # Steps are announced from inside the build, which runs in the briefing's language;
        # the command speaks English like the rest of its output.
        with use_locale("en"):
            label = step_label(key)
        with self._lock:
            position = keys.index(key) if key in keys else self._done
            if not self._stream.isatty():
                number, total = position + 1, len(keys)
                click.echo(f"[{number}/{total}] {label}", err=True)
                return
            if self._bar is None:
                self._bar = click.progressbar(
                    length=len(keys),
                    label="briefing",
                    file=self._stream,
                    show_pos=True,
                    item_show_func=lambda item: item,
                )
                self._bar.render_progress()
            self._bar.update(position - self._done, current_item=label)
            self._done = position
