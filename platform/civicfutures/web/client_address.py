"""The client's address: the socket peer, or what trusted proxies say it is.

`X-Forwarded-For` is anyone's to write, so it counts only when the peer is one of the proxies
named in CIVICFUTURES_TRUSTED_PROXIES. Each proxy appends the address it saw, so the header is
read from the right, skipping trusted hops; the first untrusted one is the client. Entries
further left were written by the client itself and never count.
"""

from __future__ import annotations

import ipaddress

from litestar.connection import ASGIConnection

from civicfutures.settings import get_settings


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in get_settings().trusted_proxies)


def client_address(connection: ASGIConnection) -> str:
    """The address rate limits and throttling are keyed on."""
    peer = connection.client.host if connection.client else ""
    if not _trusted(peer):
        return peer
    hops = [
        hop.strip()
        for header in connection.headers.getall("x-forwarded-for", [])
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    # Every hop is a proxy of ours: the leftmost is as close to the client as we know.
    return hops[0] if hops else peer
