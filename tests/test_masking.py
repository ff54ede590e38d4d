"""govcheck/masking.py: passwords in URLs are masked in every line govcheck prints or logs."""

from __future__ import annotations

import pytest

from govcheck.masking import masked


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "postgresql+psycopg2://gov:DB-PASS@10.0.0.10/govcheck",
            "postgresql+psycopg2://gov:***@10.0.0.10/govcheck",
        ),
        ("redis://:REDIS-PASS@10.0.0.10:6379/0", "redis://:***@10.0.0.10:6379/0"),
        ("redis://10.0.0.10:6379/0?password=REDIS-PASS&db=1", "redis://10.0.0.10:6379/0?password=***&db=1"),
        (
            "http://govcheck:p,1@10.0.0.11:6800/?slots=2,http://govcheck:p@2@10.0.0.12:6800/",
            "http://govcheck:***@10.0.0.11:6800/?slots=2,http://govcheck:***@10.0.0.12:6800/",
        ),
        (
            "cannot open 'postgresql+psycopg2://u:a:b@h:5432/db': refused",
            "cannot open 'postgresql+psycopg2://u:***@h:5432/db': refused",
        ),
        ("sqlite:///./var/govcheck.db", "sqlite:///./var/govcheck.db"),
        ("http://user@host/", "http://user@host/"),
    ],
)
def test_masked(text: str, shown: str) -> None:
    assert masked(text) == shown
