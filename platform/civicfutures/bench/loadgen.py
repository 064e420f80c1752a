"""A bounded load generator for machines without wrk: `python -m civicfutures.bench.loadgen SPEC OUT`.

It runs in its own process (so it never shares an event loop with the server), keeps
`connections` HTTP/1.1 connections busy for `seconds`, and writes the same JSON figures as
the wrk script. It is much slower than wrk, so its ceiling is lower: the benchmark says
which one it used.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import httpx

TITLE_MARK = '"title":"bench '


def percentile(sorted_values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    """Send requests on every connection until the time is up; collect the figures."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    acked: list[str] = []
    errors = {"socket": 0, "timeout": 0}
    deadline = time.monotonic() + float(spec["seconds"])
    template: str = spec["template"]
    url = spec["url"] + spec["path"]

    async def connection(client: httpx.AsyncClient, number: int) -> None:
        counter = 0
        while time.monotonic() < deadline:
            headers = dict(spec["headers"])
            content = None
            if template:
                counter += 1
                key = f"{spec['run']}-{number}-{counter}"
                headers["Idempotency-Key"] = key
                headers["Content-Type"] = "application/json"
                content = template.replace("@KEY@", key).encode()
            started = time.perf_counter()
            try:
                answer = await client.request(spec["method"], url, headers=headers, content=content)
            except httpx.TimeoutException:
                errors["timeout"] += 1
                continue
            except httpx.HTTPError:
                errors["socket"] += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[answer.status_code] += 1
            if answer.status_code == 201 and TITLE_MARK in answer.text:
                title = answer.json().get("title", "")
                acked.append(title.removeprefix("bench "))

    limits = httpx.Limits(max_connections=spec["connections"], max_keepalive_connections=None)
    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        await asyncio.gather(*(connection(client, n + 1) for n in range(spec["connections"])))
    duration = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "duration_s": duration,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] if latencies else 0.0,
        "socket_errors": errors["socket"],
        "timeouts": errors["timeout"],
        "statuses": {str(status): count for status, count in statuses.items()},
        "acked": acked,
    }


def main() -> None:
    spec_path, out_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as spec_file:
        spec = json.load(spec_file)
    result = asyncio.run(drive(spec))
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
