"""The destination policy (govcheck/destinations.py) and where the crawl applies it."""

from __future__ import annotations

import ipaddress

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from govcheck import config
from govcheck.destination_middleware import DestinationPolicyMiddleware, DestinationRefused
from govcheck.destinations import DestinationPolicy, parse_ip_literal, parse_networks, parse_ports
from govcheck.evaluator.engine import judge
from govcheck.evaluator.rules import RULES_BY_CODE, BrokenLink
from govcheck.evaluator.summary import summarize
from govcheck.extract.dom import join_url
from govcheck.resolver import proxy_hosts
from govcheck.spiders.outcomes import link_outcome
from govcheck.spiders.sitecrawl import SiteAddress
from tests.helpers import snapshot

DEFAULT = DestinationPolicy(parse_ports("80,443,8080,8443"))


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("10.1", "10.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
    ],
)
def test_literal_addresses_in_odd_spellings(spelling: str, address: str) -> None:
    assert parse_ip_literal(spelling) == ipaddress.ip_address(address)


@pytest.mark.parametrize("name", ["www.gov.cn", "127.0.0.1.nip.io", "xn--fiqs8s.xn--fiqz9s", "a1.b2"])
def test_names_are_not_literals(name: str) -> None:
    assert parse_ip_literal(name) is None


@pytest.mark.parametrize("bad", ["256.1.1.1", "1.2.3.4.5", "foo.123", "1.2.3.09"])
def test_numeric_hosts_that_are_no_address_are_errors(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_ip_literal(bad)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.1:8080/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[2002:7f00:1::]/", "loopback"),  # 6to4 of 127.0.0.1
        ("http://%31%32%37.0.0.1/", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://localhost./", "loopback"),
        ("http://admin.localhost/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://100.64.0.1/", "private"),  # CGNAT
        ("http://[fd00::1]/", "private"),  # unique-local
        ("http://169.254.169.254/latest/meta-data/", "link_local"),
        ("http://[fe80::1]/", "link_local"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link_local"),  # NAT64 of the metadata address
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://240.0.0.1/", "reserved"),
        ("http://192.0.2.1/", "reserved"),
        ("http://intranet/", "internal_name"),
        ("http://oa.lan/", "internal_name"),
        ("http://printer.local/", "internal_name"),
        ("http://metadata.google.internal/", "internal_name"),
        ("http://nas.home.arpa/", "internal_name"),
        ("file:///etc/passwd", "scheme"),
        ("ftp://ftp.gov.cn/", "scheme"),
        ("s3://bucket/key", "scheme"),
        ("gopher://x.gov.cn/", "scheme"),
        ("http://www.gov.cn:18099/admin", "port"),
        ("http://www.gov.cn:22/", "port"),
        ("http://x..gov.cn/", "malformed"),
        ("http://256.0.0.1/", "malformed"),
        ("http://www.gov.cn:99999/", "malformed"),
    ],
)
def test_refused_urls(url: str, kind: str) -> None:
    refusal = DEFAULT.check_url(url)
    assert refusal is not None and refusal.kind == kind, refusal


@pytest.mark.parametrize(
    "url",
    [
        "http://www.gov.cn/",
        "https://www.suizhou.gov.cn/zwgk/?id=1",
        "http://www.gov.cn:8080/",
        "https://zwfw.hubei.gov.cn:8443/",
        "http://8.8.8.8/",
        "http://[2400:cb00::1]/",
        "http://xn--fiqs8s.xn--fiqz9s/",
    ],
)
def test_public_urls_pass(url: str) -> None:
    assert DEFAULT.check_url(url) is None


def test_allowed_networks_open_only_what_they_name() -> None:
    policy = DestinationPolicy(parse_ports("80,443,18099"), parse_networks("127.0.0.0/8, 10.8.0.0/16"))
    assert policy.check_url("http://127.0.0.1:18099/admin") is None
    assert policy.check_url("http://127.1/") is None
    assert policy.check_url("http://localhost/") is None  # localhost is 127.0.0.1 by definition
    assert policy.check_url("http://[::ffff:127.0.0.1]/") is None
    assert policy.check_url("http://10.8.3.4/") is None
    assert policy.check_url("http://10.9.0.1/").kind == "private"  # type: ignore[union-attr]
    assert policy.check_url("http://169.254.169.254/").kind == "link_local"  # type: ignore[union-attr]
    assert policy.check_url("http://[::1]/").kind == "loopback"  # type: ignore[union-attr]
    assert policy.check_url("http://oa.lan/").kind == "internal_name"  # type: ignore[union-attr]
    assert policy.check_url("http://127.0.0.1:8080/").kind == "port"  # type: ignore[union-attr]


def test_connect_time_addresses() -> None:
    assert DEFAULT.check_address("127.0.0.1").kind == "loopback"  # type: ignore[union-attr]
    assert DEFAULT.check_address("10.0.0.5").kind == "private"  # type: ignore[union-attr]
    assert DEFAULT.check_address("59.173.1.1") is None


def test_settings_are_declared_and_validated() -> None:
    assert config.defaults()["GOVCHECK_ALLOWED_PORTS"] == "80,443,8080,8443"
    assert config.defaults()["GOVCHECK_ALLOWED_NETWORKS"] == ""
    assert config.validate({"GOVCHECK_ALLOWED_NETWORKS": "10.0.0.0/8,fd00::/8"})
    for key, bad in (("GOVCHECK_ALLOWED_PORTS", "http"), ("GOVCHECK_ALLOWED_PORTS", "0"),
                     ("GOVCHECK_ALLOWED_PORTS", ""), ("GOVCHECK_ALLOWED_NETWORKS", "10.0.0.0/33")):  # fmt: skip
        with pytest.raises(config.ConfigError, match=key):
            config.validate({key: bad})


@pytest.mark.parametrize(
    "site", ["127.0.0.1", "169.254.169.254", "127.1", "localhost.", "[::1]", "http://www.gov.cn:18099/admin"]
)
def test_site_argument_refused_by_policy(site: str) -> None:
    with pytest.raises(config.ConfigError, match="refused by the destination policy"):
        SiteAddress.parse(site, DEFAULT)


@pytest.mark.parametrize(
    "site", ["..", "x.gov.cn';DROP TABLE sites;--", "-", "a b.gov.cn", "http://x.gov.cn:99999/"]
)
def test_site_argument_follows_the_registry_host_rule(site: str) -> None:
    with pytest.raises(config.ConfigError, match="expected a host name or URL"):
        SiteAddress.parse(site, DEFAULT)


def test_site_argument_keeps_its_port() -> None:
    policy = DestinationPolicy(parse_ports("80,443,18099"), parse_networks("127.0.0.0/8"))
    address = SiteAddress.parse("http://sjj.suizhou.gov.cn:18099/admin?x=1", policy)
    assert (address.host, address.urls()) == (
        "sjj.suizhou.gov.cn",
        ["http://sjj.suizhou.gov.cn:18099/admin?x=1"],
    )
    local = SiteAddress.parse("127.0.0.1:18099", policy)
    assert local.urls() == ["https://127.0.0.1:18099/", "http://127.0.0.1:18099/"]
    assert SiteAddress.parse("sjj.suizhou.gov.cn.", DEFAULT).host == "sjj.suizhou.gov.cn"


def test_middleware_refuses_before_anything_else_and_counts() -> None:
    crawler = get_crawler(settings_dict={"GOVCHECK_ALLOWED_PORTS": "80,443", "GOVCHECK_ALLOWED_NETWORKS": ""})
    middleware = DestinationPolicyMiddleware.from_crawler(crawler)
    with pytest.raises(DestinationRefused) as refused:
        middleware.process_request(Request("http://169.254.169.254/latest/meta-data/"))
    assert refused.value.refusal.kind == "link_local"
    assert middleware.process_request(Request("http://www.gov.cn/")) is None


def test_refused_links_are_their_own_outcome() -> None:
    assert link_outcome(None, "policy:loopback") == "refused"
    assert link_outcome(None, "policy:port") == "refused"
    assert link_outcome(None, "dns_error") == "broken"


def test_non_web_schemes_are_not_links() -> None:
    for href in ("file:///etc/passwd", "FILE:///dev/zero", "ftp://127.0.0.1/", "s3://b/k", "smb://nas/x"):
        assert join_url("http://www.gov.cn/", href) is None
    assert join_url("http://www.gov.cn/", "file.html") == "http://www.gov.cn/file.html"


def test_proxies_are_not_destinations() -> None:
    assert proxy_hosts({"http": "http://127.0.0.1:3128", "https": "proxy.corp:8080", "no": "localhost"}) == {
        "127.0.0.1",
        "proxy.corp",
    }


def test_internal_links_are_review_evidence_without_veto() -> None:
    rule = RULES_BY_CODE["internal_link"]
    assert not rule.veto and rule.points == 0
    refused = [
        BrokenLink("http://10.0.0.1/", ["http://example.gov.cn/"], True, True, None, "policy:private"),
        BrokenLink(
            "http://169.254.169.254/", ["http://example.gov.cn/a"], False, True, None, "policy:link_local"
        ),
        BrokenLink("http://example.gov.cn:22/", ["http://example.gov.cn/"], True, False, None, "policy:port"),
    ]
    verdict, _, score, findings = judge(snapshot([], refused_links=refused))
    drafts = [draft for found, draft in findings if found.code == "internal_link"]
    assert (verdict, score) == ("pass", 100.0)
    assert [(d.scope, d.urls) for d in drafts] == [
        ("homepage", ["http://10.0.0.1/"]),
        ("page", ["http://169.254.169.254/"]),
    ]
    assert drafts[0].evidence["outcome"] == "refused (policy)"
    assert summarize([(found.code, draft) for found, draft in findings]) == ""  # left to the evidence


def test_registry_keeps_a_homepage_port() -> None:
    from govcheck.registry import normalize_homepage

    assert normalize_homepage("http://jtj.suizhou.gov.cn:8080/x") == (
        "jtj.suizhou.gov.cn",
        "http://jtj.suizhou.gov.cn:8080/x",
    )
    assert normalize_homepage("jtj.suizhou.gov.cn:8443") == ("jtj.suizhou.gov.cn", "jtj.suizhou.gov.cn:8443")
    with pytest.raises(ValueError, match="port"):
        normalize_homepage("http://jtj.suizhou.gov.cn:99999/")


def test_a_refused_probe_is_no_evidence_about_the_site() -> None:
    from twisted.python.failure import Failure

    from govcheck.destinations import Refusal
    from govcheck.spiders.probe import ProbeSpider

    crawler = get_crawler(ProbeSpider)
    spider = ProbeSpider.from_crawler(crawler, sites="oa.lan")
    request = Request("http://oa.lan/", meta={"probe_host": "oa.lan", "probe_url": "http://oa.lan/"})
    failure = Failure(DestinationRefused(request.url, Refusal("internal_name", "internal name 'oa.lan'")))
    failure.request = request  # type: ignore[attr-defined]
    assert list(spider.failed(failure)) == []
