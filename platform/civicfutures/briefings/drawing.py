"""The build's drawing process: charts (Vega, through vl-convert) and the PDF's pages
(WeasyPrint), drawn in a child process so that this one keeps its interpreter.

Both engines hold the interpreter while they work: vl-convert for the whole of a chart (a
200-site heatmap takes 0.6 s, and the first chart of a process 0.4 s more to start the
engine), WeasyPrint's layout is pure Python and the longest step of a large briefing. A new
child imports WeasyPrint, starts the chart engine and lays out a small page (the fonts found
and loaded), about a CPU-second, while the analyses run; a child a build has released is kept
for the process's next build (`drawing_process`), so a server pays that once rather than per
briefing. The child draws each chart as soon as a section has made its specification, while
the next sections are made; then it lays out the printable HTML while this process writes
every other format.

This file is run by its path, in isolated mode: the child imports nothing of the platform but
`chart_svg`. Requests are framed (a kind, a length, the bytes) and answered in the order they
were sent. Both processes draw through `chart_svg.chart_svg` and `pdf_bytes`, so a briefing's
bytes do not depend on where it was drawn.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

import msgspec

CHILD_LIMIT_S = 600
"""A drawing taking longer than this is stuck; the build fails rather than wait forever."""
KEPT_IDLE = 1
"""Children kept between builds in one process (`drawing_process`): starting one costs about
a CPU-second (WeasyPrint and the chart engine imported, the fonts found and loaded)."""
BUILDS_PER_CHILD = 20
"""Builds a kept child serves before it is replaced: a layout leaves some of its memory
allocated in the child."""
CHART, PDF = b"c", b"p"
DONE, FAILED = b"+", b"!"
_LENGTH = 8


def pdf_bytes(html: str, identifier: str) -> bytes:
    """The PDF of `html`, fetching nothing but `data:` URLs, with a fixed trailer /ID."""
    from weasyprint import HTML, URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",)))
    return document.write_pdf(pdf_identifier=identifier.encode(), uncompressed_pdf=False)


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(_LENGTH, "big") + payload


def _read_frame(stream: IO[bytes]) -> tuple[bytes, bytes] | None:
    head = stream.read(1 + _LENGTH)
    if len(head) < 1 + _LENGTH:
        return None
    size = int.from_bytes(head[1:], "big")
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return head[:1], payload


class DrawingFailed(RuntimeError):
    """The drawing process failed a request, or ended before answering it."""


class DrawingProcess:
    """The child process and the two threads that feed it and read its answers, so that
    asking never waits on a pipe: `chart` and `pdf` return at once, `wait` gives the answer.
    """

    def __init__(self, *, reusable: bool = False) -> None:
        self._reusable = reusable
        self._builds = 0
        # Its warnings and a failure's traceback, read if it ends before answering (a file,
        # not a pipe, which no one would read while it runs).
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `close`)
        self._child = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        self._requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._waiting: collections.deque[Future[bytes]] = collections.deque()
        self._lock = threading.Lock()
        self._closed = False
        self._asked = False
        self._writer = threading.Thread(target=self._feed, name="drawing-in", daemon=True)
        self._reader = threading.Thread(target=self._collect, name="drawing-out", daemon=True)
        self._writer.start()
        self._reader.start()

    def _ask(self, message: bytes) -> Future[bytes]:
        answer: Future[bytes] = Future()
        with self._lock:
            if self._closed:
                raise DrawingFailed("the drawing process was closed")
            # Appended and queued under one lock: the answers come back in this order.
            self._waiting.append(answer)
            self._requests.put(message)
            self._asked = True
        return answer

    def chart(self, spec: str, number_locale: dict[str, Any], name: str) -> Future[bytes]:
        """Draw a chart (`chart_svg.chart_svg`'s arguments); its SVG, encoded."""
        header = msgspec.json.encode({"number_locale": number_locale, "name": name})
        return self._ask(_frame(CHART, header + b"\n" + spec.encode("utf-8")))

    def pdf(self, html: str, identifier: str) -> Future[bytes]:
        """Lay out the printable HTML; the PDF's bytes."""
        payload = identifier.encode("ascii") + b"\n" + html.encode("utf-8")
        return self._ask(_frame(PDF, payload))

    def wait(self, answer: Future[bytes]) -> bytes:
        """The answer, or DrawingFailed; the child is stopped if it takes too long."""
        try:
            return answer.result(timeout=CHILD_LIMIT_S)
        except TimeoutError:
            self._child.kill()
            raise DrawingFailed(f"drawing took more than {CHILD_LIMIT_S} s") from None

    def release(self) -> None:
        """The build is done with the child: kept for this process's next build when it may
        be (made by `drawing_process`, every answer given, still running, not worn out),
        else closed."""
        with self._lock:
            keep = (
                self._reusable
                and not self._closed
                and not self._waiting
                and self._child.poll() is None
                and self._builds + 1 < BUILDS_PER_CHILD
            )
            if keep:
                self._builds += 1
                self._asked = False
        if keep:
            with _idle_lock:
                if len(_idle) < KEPT_IDLE:
                    _idle.append(self)
                    return
        self.close()

    def close(self) -> None:
        """No more requests: the child ends. It is stopped at once unless every request was
        answered (a build that failed before writing does not wait for the child)."""
        with self._lock:
            self._closed = True
            abandoned = bool(self._waiting) or not self._asked
            self._requests.put(None)
        if abandoned and self._child.poll() is None:
            self._child.kill()
        self._writer.join()
        try:
            self._child.wait(timeout=CHILD_LIMIT_S)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        self._reader.join()
        self._errors.close()

    def _feed(self) -> None:
        stream = self._child.stdin
        assert stream is not None
        while (message := self._requests.get()) is not None:
            try:
                stream.write(message)
                stream.flush()
            except OSError:
                break  # the child has ended: `_collect` fails what is waiting
        with contextlib.suppress(OSError):
            stream.close()

    def _collect(self) -> None:
        stream = self._child.stdout
        assert stream is not None
        while (frame := _read_frame(stream)) is not None:
            status, payload = frame
            with self._lock:
                answer = self._waiting.popleft()
            if status == DONE:
                answer.set_result(payload)
            else:
                answer.set_exception(DrawingFailed(payload.decode("utf-8", "replace")))
        code = self._child.wait()
        with self._lock:
            left = list(self._waiting)
            self._waiting.clear()
        if left:
            self._errors.seek(0)
            tail = self._errors.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            failure = DrawingFailed(f"the drawing process ended (exit {code}): " + " | ".join(tail))
            for answer in left:
                answer.set_exception(failure)


_idle: list[DrawingProcess] = []
_idle_lock = threading.Lock()


def drawing_process() -> DrawingProcess:
    """A child for a build: the one an earlier build of this process released, if it is
    still running, else a new one. Give it back with `release` (or `close` after a failure)."""
    with _idle_lock:
        kept = _idle.pop() if _idle else None
    if kept is not None:
        if kept._child.poll() is None:
            return kept
        kept.close()
    return DrawingProcess(reusable=True)


def _close_idle() -> None:
    with _idle_lock:
        idle = list(_idle)
        _idle.clear()
    for drawing in idle:
        drawing.close()


atexit.register(_close_idle)
# A forked process (a server's worker) starts with none: the pipes and threads are the parent's.
os.register_at_fork(after_in_child=_idle.clear)


# ---------------------------------------------------------------- the child

WARM_UP_PAGE = (
    "<p style=\"font-family: 'Noto Sans'\">Aa <b>Bb</b> <i>Cc</i></p>"
    "<table><tr><td>1</td></tr></table>"
)
"""A page whose layout finds and loads the fonts the briefing uses."""
WARM_UP_CHART = (
    '{"data": {"values": [{"x": 1}]}, "mark": "bar",'
    ' "encoding": {"x": {"field": "x", "type": "quantitative"}}}'
)


def _answer(kind: bytes, payload: bytes) -> bytes:
    from civicfutures.briefings.chart_svg import chart_svg

    head, _newline, body = payload.partition(b"\n")
    if kind == CHART:
        request = msgspec.json.decode(head)
        return chart_svg(body.decode("utf-8"), request["number_locale"], request["name"]).encode()
    if kind == PDF:
        return pdf_bytes(body.decode("utf-8"), head.decode("ascii"))
    raise ValueError(f"unknown request {kind!r}")


def _serve() -> None:
    """The child: answer each request on standard input, in order, until it closes."""
    import vl_convert
    from weasyprint import HTML

    # While the parent still computes: the imports, the chart engine, the fonts.
    vl_convert.vegalite_to_svg(WARM_UP_CHART)
    HTML(string=WARM_UP_PAGE).render()
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while (frame := _read_frame(requests)) is not None:
        try:
            message = _frame(DONE, _answer(*frame))
        except Exception:
            message = _frame(FAILED, traceback.format_exc().encode("utf-8"))
        answers.write(message)
        answers.flush()
    # Nothing is left to keep: skip the interpreter's teardown (0.4 s after a large layout).
    os._exit(0)


if __name__ == "__main__":
    _serve()
