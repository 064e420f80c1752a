"""WeasyPrint's layout of the printable HTML into PDF bytes, in this process or in a child.

The layout is pure Python and takes most of a large briefing's writing time, so the build
hands it to a child process (`PdfLayout`) and writes the other formats meanwhile, on the
other core. The child imports only WeasyPrint: this file is run by its path, in isolated mode,
and starts while the sections and charts are being made, so its imports are paid then.
Both ways call `pdf_bytes`, so the bytes are the same.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

CHILD_LIMIT_S = 600
"""A layout taking longer than this is stuck; the build fails rather than wait forever."""


def pdf_bytes(html: str, identifier: str) -> bytes:
    """The PDF of `html`, fetching nothing but `data:` URLs, with a fixed trailer /ID."""
    from weasyprint import HTML, URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",)))
    return document.write_pdf(pdf_identifier=identifier.encode(), uncompressed_pdf=False)


class PdfLayout:
    """A child process waiting for one printable HTML; `start` sends it, `result` waits.

    Reading and writing the pipes happen on a thread of this process, so the caller is free
    to write the other formats while the child lays out the pages.
    """

    def __init__(self) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._thread: threading.Thread | None = None
        self._answer: tuple[bytes, bytes] = (b"", b"")

    def start(self, html: str, identifier: str) -> None:
        message = identifier.encode("ascii") + b"\n" + html.encode("utf-8")

        def exchange() -> None:
            try:
                self._answer = self._child.communicate(message, timeout=CHILD_LIMIT_S)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._answer = self._child.communicate()

        self._thread = threading.Thread(target=exchange, name="pdf-layout", daemon=True)
        self._thread.start()

    def result(self) -> bytes:
        if self._thread is None:
            raise RuntimeError("the PDF layout was never started")
        self._thread.join()
        pdf, errors = self._answer
        if self._child.returncode != 0 or not pdf.startswith(b"%PDF"):
            tail = errors.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise RuntimeError(
                f"PDF layout failed (exit {self._child.returncode}): " + " | ".join(tail)
            )
        return pdf

    def close(self) -> None:
        """Stop a child that was never given its page (a build that failed before writing)."""
        if self._child.poll() is None and self._thread is None:
            self._child.kill()
            self._child.wait()


def _serve() -> None:
    """The child: the identifier on the first line of standard input, the HTML after it."""
    import weasyprint  # noqa: F401  (imported while the parent still makes the HTML)

    data = sys.stdin.buffer.read()
    if not data:
        return
    identifier, _newline, html = data.partition(b"\n")
    pdf = pdf_bytes(html.decode("utf-8"), identifier.decode("ascii"))
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _serve()
