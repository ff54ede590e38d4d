"""govcheck/names.py: host and round names that can never become a path, a key or a command."""

from __future__ import annotations

import pytest

from govcheck.names import BadName, check_host, check_round


@pytest.mark.parametrize(
    "value", ["sjj.suizhou.gov.cn", "SJJ.Suizhou.gov.cn.", "随州.政务", "xn--fiqs8s.gov.cn"]
)
def test_hosts_the_registry_accepts(value: str) -> None:
    assert check_host(value) == value.lower().rstrip(".")


@pytest.mark.parametrize(
    "value",
    ["../../../../x", "..", "x.gov.cn';DROP TABLE sites;--", "127.0.0.1", "x.gov.cn/../y", "a b.gov.cn", ""],
)
def test_hosts_that_cannot_be_a_path_or_a_key(value: str) -> None:
    with pytest.raises(BadName, match="expected a domain name"):
        check_host(value)


@pytest.mark.parametrize("value", ["2024-Q1", "2024年Q1", "R1", "2024-02-28", "q1.v2+fix"])
def test_round_names(value: str) -> None:
    assert check_round(value) == value


@pytest.mark.parametrize(
    "value", ["../../../../tmp/x", "..", ".hidden", "-x", "a/b", "a\\b", "bad name", "x:y", "R1\n", "r" * 101]
)
def test_round_names_refused(value: str) -> None:
    with pytest.raises(BadName, match="round: expected a name without spaces"):
        check_round(value)
