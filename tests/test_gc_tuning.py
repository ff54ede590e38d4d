from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from govcheck import config, settings
from govcheck.gc_tuning import GarbageCollectorTuning

QUIET = {"MEMUSAGE_ENABLED": False}  # its engine_started handler needs a running reactor


@pytest.fixture
def gc_state() -> Iterator[None]:
    """The interpreter's collector as it was before the test, restored after it."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_engine_start_freezes_start_up_objects_and_sets_the_thresholds(gc_state: None) -> None:
    crawler = get_crawler(
        settings_dict={**QUIET, "GOVCHECK_GC_TUNING": True, "GOVCHECK_GC_THRESHOLDS": "12345,7,9"}
    )
    extension = GarbageCollectorTuning.from_crawler(
        crawler
    )  # held as Scrapy holds it: signals keep weak refs
    assert extension.thresholds == (12345, 7, 9)
    assert gc.get_freeze_count() == 0

    crawler.signals.send_catch_log(signals.engine_started)

    assert gc.get_threshold() == (12345, 7, 9)
    assert gc.get_freeze_count() > 0


def test_switched_off_it_is_not_configured_and_leaves_the_collector_alone(gc_state: None) -> None:
    before = gc.get_threshold()
    crawler = get_crawler(
        settings_dict={**QUIET, "GOVCHECK_GC_TUNING": "false", "GOVCHECK_GC_THRESHOLDS": "12345,7,9"}
    )

    with pytest.raises(NotConfigured):
        GarbageCollectorTuning.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.engine_started)

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_crawls_run_it_by_default_with_the_declared_thresholds() -> None:
    assert "govcheck.gc_tuning.GarbageCollectorTuning" in settings.EXTENSIONS
    assert config.defaults()["GOVCHECK_GC_TUNING"] is True
    assert config.parse_gc_thresholds(config.defaults()["GOVCHECK_GC_THRESHOLDS"]) == (50000, 20, 20)


@pytest.mark.parametrize("value", ["50000,20", "50000,20,0", "a,b,c", "", "1,2,3,4"])
def test_bad_thresholds_are_refused_at_start_up_naming_the_key(value: str) -> None:
    with pytest.raises(config.ConfigError, match="GOVCHECK_GC_THRESHOLDS: expected three positive integers"):
        config.validate({"GOVCHECK_GC_THRESHOLDS": value})
