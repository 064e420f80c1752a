"""Process settings for serving: how the garbage collector treats a long-running worker."""

from __future__ import annotations

import gc

# Young-generation threshold while serving. A request allocates thousands of short-lived
# objects (headers, dicts, msgspec structs); at the default of 700 allocations the collector
# runs several times per request, each time walking every object the young generation holds.
YOUNG_THRESHOLD = 20_000


def settle_after_startup() -> None:
    """Freeze what start-up built and collect the young generation less often.

    Modules, routes, schemas and catalogs live as long as the process: `gc.freeze` moves them
    out of every later collection, so a full collection walks only what requests left behind.
    Reference counting still frees almost everything at once; the collector only finds cycles.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
