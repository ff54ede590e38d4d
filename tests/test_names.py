"""govcheck.names: host and round names that can never become a path, a key or a command; and one
normaliser of a site's host and URL, used by the registry, the portal spider's ``-a site=`` and the
probe spider's list, so the three always agree on a site's host."""

from __future__ import annotations

import pytest

from govcheck.config import ConfigError
from govcheck.destinations import DestinationPolicy, parse_networks, parse_ports
from govcheck.names import BadName, SiteURL, check_host, check_round, is_host_name, netloc_of, split_site
from govcheck.registry import normalize_homepage
from govcheck.spiders.probe import read_targets
from govcheck.spiders.sitecrawl import SiteAddress

POLICY = DestinationPolicy(parse_ports("80,443,8080,8443"), parse_networks(""))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sjj.suizhou.gov.cn", SiteURL("sjj.suizhou.gov.cn", None, None, "/")),
        ("  SJJ.Suizhou.gov.cn.  ", SiteURL("sjj.suizhou.gov.cn", None, None, "/")),
        ("jtj.suizhou.gov.cn:8443", SiteURL("jtj.suizhou.gov.cn", 8443, None, "/")),
        ("HTTPS://a.gov.cn/x/index.html?id=1", SiteURL("a.gov.cn", None, "https", "/x/index.html?id=1")),
        ("a.gov.cn/portal/", SiteURL("a.gov.cn", None, None, "/portal/")),
        ("http://[::1]:8080/", SiteURL("::1", 8080, "http", "/")),
    ],
)
def test_split_site(value: str, expected: SiteURL) -> None:
    assert split_site(value) == expected


def test_urls_and_netlocs() -> None:
    bare = split_site("jtj.suizhou.gov.cn:8443")
    assert bare.bare and bare.netloc == "jtj.suizhou.gov.cn:8443"
    assert (bare.url(), bare.url("https")) == (
        "http://jtj.suizhou.gov.cn:8443/",
        "https://jtj.suizhou.gov.cn:8443/",
    )
    given = split_site("https://a.gov.cn/x")
    assert not given.bare and given.url() == "https://a.gov.cn/x"
    assert netloc_of("::1", 8080) == "[::1]:8080" and netloc_of("a.gov.cn", None) == "a.gov.cn"


def test_a_bad_port_is_named() -> None:
    with pytest.raises(BadName, match="no valid port"):
        split_site("http://a.gov.cn:99999/")


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("a.gov.cn", True),
        ("政府.政务", True),
        ("127.0.0.1", False),
        ("localhost", False),
        ("a_b.gov.cn", False),
    ],
)
def test_the_registry_host_rule(host: str, ok: bool) -> None:
    assert is_host_name(host) is ok


@pytest.mark.parametrize(
    "value",
    [
        "SJJ.suizhou.gov.cn.",
        "http://sjj.suizhou.gov.cn/",
        "https://SJJ.SUIZHOU.GOV.CN:443/index.html",
        " sjj.suizhou.gov.cn ",
    ],
)
def test_registry_spider_and_probe_agree_on_the_host(value: str) -> None:
    registry_host, _ = normalize_homepage(value)
    spider_host = SiteAddress.parse(value, POLICY).host
    (probe_url,) = read_targets(value, None)
    assert registry_host == spider_host == split_site(probe_url).host == "sjj.suizhou.gov.cn"


@pytest.mark.parametrize(
    "value", ["-", "a b.gov.cn", "x.gov.cn';DROP TABLE sites;--", "http://a.gov.cn:99999/"]
)
def test_registry_spider_and_probe_refuse_alike(value: str) -> None:
    with pytest.raises(ValueError):
        normalize_homepage(value)
    with pytest.raises(ConfigError):
        SiteAddress.parse(value, POLICY)
    with pytest.raises(ConfigError):
        read_targets(value, None)


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
