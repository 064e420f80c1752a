"""A client whose connection drops after sending a POST retries it: exactly one story results."""

import socket
import struct
import time
from urllib.parse import urlsplit

import pytest

from faults.support import Seed, Served, environment, retry_until_created, serve

pytestmark = pytest.mark.faults

# When the connection drops, counted from the moment the request was sent: before the server
# read it, while the transaction runs, and after the answer was written but never read.
DROP_AFTER_S = (0.0, 0.001, 0.003, 0.006, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3)


def _send_then_drop(served: Served, key: str, after_s: float) -> None:
    """POST a story over a raw socket, then reset the connection without reading the answer."""
    body = served.story_bytes(key)
    address = urlsplit(served.url)
    head = (
        f"POST /api/v1/stories HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Authorization: {served.auth['Authorization']}\r\nIdempotency-Key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(head + body)
        time.sleep(after_s)
        # Linger 0: close with a reset, like a phone leaving the network, not a polite FIN.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_post_retried_after_a_dropped_connection_makes_one_story(fault_database: Seed, tmp_path):
    env = environment(fault_database.url, tmp_path)
    with serve(fault_database.url, tmp_path, fault_database.token, env) as served:
        keys = [f"dropped-{n}" for n in range(len(DROP_AFTER_S))]
        for key, after_s in zip(keys, DROP_AFTER_S, strict=True):
            _send_then_drop(served, key, after_s)
        # Each client retries with the same key as soon as it notices the drop.
        retry_until_created(served, keys)
        # A second retry of every key replays the answer and writes nothing.
        retry_until_created(served, keys)
        assert served.titles("dropped-%") == {key: 1 for key in keys}
