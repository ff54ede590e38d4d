"""govcheck/ipv6.py: the IPv6 fact of a site through a declared network (no internet), and the
runner's own network refusing to judge when the crawl goes through a proxy."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from govcheck import config
from govcheck.ipv6 import SUPPORTED, UNKNOWN, UNSUPPORTED, DnsUnavailable, SystemNetwork, check_ipv6

URL = "https://www.example.gov.cn/"


@dataclass
class DeclaredNetwork:
    """A network whose answers are declared: addresses per host, a status (or None: no answer) per address."""

    addresses: list[str] | None = field(default_factory=lambda: ["2001:db8::1"])  # None: resolver down
    statuses: dict[str, int | None] = field(default_factory=lambda: {"2001:db8::1": 200})
    unusable: str | None = None
    fetched: list[str] = field(default_factory=list)

    def usable(self) -> str | None:
        return self.unusable

    def resolve(self, host: str) -> list[str]:
        if self.addresses is None:
            raise DnsUnavailable("temporary failure in name resolution")
        return self.addresses

    def fetch(self, address: str, url: str, timeout: float) -> int:
        self.fetched.append(address)
        status = self.statuses.get(address)
        if status is None:
            raise TimeoutError(f"{address}: timed out")
        return status


def test_supported_on_an_answer_or_a_redirect() -> None:
    assert check_ipv6(DeclaredNetwork(), URL, 5.0)["result"] == SUPPORTED
    moved = DeclaredNetwork(statuses={"2001:db8::1": 301})
    assert check_ipv6(moved, URL, 5.0)["result"] == SUPPORTED


def test_the_second_address_may_answer() -> None:
    network = DeclaredNetwork(addresses=["2001:db8::1", "2001:db8::2"], statuses={"2001:db8::2": 200})
    fact = check_ipv6(network, URL, 5.0)
    assert fact["result"] == SUPPORTED and network.fetched == ["2001:db8::1", "2001:db8::2"]
    assert fact["attempts"][0] == {"address": "2001:db8::1", "status": None, "error": "TimeoutError"}


@pytest.mark.parametrize(
    ("network", "reason"),
    [
        (DeclaredNetwork(addresses=[]), "no_aaaa"),
        (DeclaredNetwork(statuses={}), "fetch_failed"),
        (DeclaredNetwork(statuses={"2001:db8::1": 404}), "fetch_failed"),
    ],
)
def test_unsupported_is_the_sites(network: DeclaredNetwork, reason: str) -> None:
    fact = check_ipv6(network, URL, 5.0)
    assert (fact["result"], fact["reason"], fact["host"]) == (UNSUPPORTED, reason, "www.example.gov.cn")


@pytest.mark.parametrize(
    ("network", "reason"),
    [
        (DeclaredNetwork(unusable="runner_without_ipv6"), "runner_without_ipv6"),
        (DeclaredNetwork(addresses=None), "dns_unavailable"),
    ],
)
def test_unknown_is_never_the_sites(network: DeclaredNetwork, reason: str) -> None:
    fact = check_ipv6(network, URL, 5.0)
    assert (fact["result"], fact["reason"]) == (UNKNOWN, reason)
    assert network.fetched == []


def test_a_proxied_runner_does_not_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    network = SystemNetwork(config.defaults(), "govcheck-test")
    assert check_ipv6(network, URL, 1.0) == {"result": UNKNOWN, "reason": "proxied"}


def test_the_network_setting_is_checked_at_start_up() -> None:
    assert config.validate({"GOVCHECK_IPV6_NETWORK": "govcheck.ipv6.SystemNetwork"})
    with pytest.raises(config.ConfigError, match="GOVCHECK_IPV6_NETWORK: expected a dotted import path"):
        config.validate({"GOVCHECK_IPV6_NETWORK": "SystemNetwork()"})
