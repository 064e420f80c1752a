"""The serving process freezes what start-up built and collects young objects less often."""

from __future__ import annotations

import gc

from civicfutures.web.runtime import YOUNG_THRESHOLD, settle_after_startup


def test_settling_freezes_startup_objects_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        settle_after_startup()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_app_settles_once_its_database_is_open_kept_imports_swept_and_jobs_started(
    app,
) -> None:
    names = [hook.__name__ for hook in app.on_startup]
    assert names == ["open_database", "sweep_at_startup", "start_jobs", "settle_after_startup"]
