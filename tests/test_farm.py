"""The test site farm: proxy protocol, dead/blocked hosts, and replica sites that match their ground truth.

Everything goes through the farm (urllib with a ProxyHandler, or raw sockets to the farm's port); no
request can reach the internet: https is rewritten to http (what govcheck falls back to) and no_proxy is
cleared for the module.
"""

from __future__ import annotations

import math
import re
import socket
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest

from tests.farm.builder import STUB_HOSTS
from tests.farm.process import FarmProcess
from tests.farm.sites_depth import depth_sites
from tests.farm.truth import AS_OF, BACKENDS, BLOCKED_HOSTS, DEAD_HOSTS, SITES, ColumnTruth, SiteTruth
from tests.helpers import farm_json

# shared/data/sites-suizhou.csv: the 12 sites of the bulletin (附件1 then 附件2).
CSV = {
    "sjj.suizhou.gov.cn": ("4213000045", "随州市审计局"),
    "jtj.suizhou.gov.cn": ("4213000012", "随州市交通运输局"),
    "yjglj.suizhou.gov.cn": ("4213000040", "随州市应急管理局"),
    "sfj.suizhou.gov.cn": ("4213000039", "随州市司法局"),
    "scjdglj.suizhou.gov.cn": ("4213000013", "随州市市场监督管理局"),
    "www.zgsuixian.gov.cn": ("4213210015", "随县人民政府"),
    "www.dhs.gov.cn": ("4213910001", "大洪山风景名胜区"),
    "zjj.suizhou.gov.cn": ("4213000041", "随州市住房和城乡建设局"),
    "gaj.suizhou.gov.cn": ("4213000017", "随州市公安局"),
    "tjj.suizhou.gov.cn": ("4213000043", "随州市统计局"),
    "cgw.suizhou.gov.cn": ("4213000014", "随州市城市管理执法委员会"),
    "swj.suizhou.gov.cn": ("4213000032", "随州市商务局"),
}
BULLETIN_HOSTS = list(CSV)[:5]
# Small clean department sites on 随县's 集约化 platform (not in the bulletin's CSV).
COUNTY = {f"{name}.zgsuixian.gov.cn" for name in ("jyj", "wjj", "nyj", "mzj", "rsj", "hbj")}
DATE = re.compile(r"(?<!\d)(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})(?!\d)")
CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
TRS_PAGER = re.compile(r'createPageHTML\(\s*(\w+)\s*,\s*(\w+)\s*,\s*"(\w+)"\s*,\s*"(\w+)"\s*\)')
TRS_COUNT = re.compile(r"var countPage\s*=\s*(\d+)")
JPAGE = re.compile(r"perPage\s*:\s*(\d+).*?totalRecord\s*:\s*(\d+)", re.S)


# ----------------------------------------------------------------------------------------------- plumbing


@dataclass
class Fetched:
    status: int
    headers: Message
    body: bytes

    @property
    def charset(self) -> str:
        return self.headers.get_content_charset() or "utf-8"

    @property
    def text(self) -> str:
        return self.body.decode(self.charset)


@pytest.fixture(scope="module")
def farm() -> Iterator[FarmProcess]:
    """A farm of this module's own (shadowing the session one): the stats test resets its counters."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("no_proxy", "NO_PROXY"):  # a bypass would send requests to the real hosts
            mp.delenv(name, raising=False)
        with FarmProcess(timeout_delay=1) as running:
            yield running


@pytest.fixture(scope="module")
def opener(farm: FarmProcess) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": farm.url, "https": farm.url}))


def fetch(
    opener: urllib.request.OpenerDirector, url: str, method: str = "GET", data: bytes | None = None
) -> Fetched:
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with opener.open(req, timeout=10) as resp:
            return Fetched(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return Fetched(err.code, err.headers, err.read())


def raw_exchange(farm: FarmProcess, request: bytes) -> bytes:
    """Send raw bytes to the farm and read until it closes the connection."""
    with socket.create_connection(farm.address, timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


class PageParser(HTMLParser):
    """Links (a/link href, img/script/iframe src), visible text, script bodies and meta tags of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.meta: dict[str, str] = {}
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "script", "iframe") and a.get("src"):
            self.links.append(a["src"])
        if tag == "meta" and "name" in a:
            self.meta[a["name"].lower()] = a.get("content", "")
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(html: str) -> PageParser:
    """Parse a page, including Hanweb records hidden as CDATA inside ``<script type="text/xml">``."""
    page = PageParser()
    page.feed(html)
    page.close()
    for fragment in CDATA.findall(html):
        inner = parse(fragment)
        page.links += inner.links
        page.text += inner.text
    return page


def dates_in(page: PageParser) -> list[date]:
    return [date(int(y), int(m), int(d)) for y, m, d in DATE.findall(" ".join(page.text))]


def script_pages(url: str, page: PageParser) -> list[str]:
    """List pages a browser would reach only through script: TRS createPageHTML and Hanweb jpage."""
    code = "\n".join(page.scripts)
    found = []
    if (call := TRS_PAGER.search(code)) and (count := TRS_COUNT.search(code)):
        name, ext = call.group(3), call.group(4)
        found += [urljoin(url, f"{name}_{k}.{ext}") for k in range(1, int(count.group(1)))]
    if match := JPAGE.search(code):
        per, total = int(match.group(1)), int(match.group(2))
        group = next(link for link in page.links if "dataproxy.jsp" in link)
        parts = urlsplit(urljoin(url, group))
        for n in range(1, math.ceil(total / per) + 1):
            query = urlencode(
                [(k, str(n) if k == "page" else v) for k, v in parse_qsl(parts.query)], safe="/"
            )
            found.append(urlunsplit(parts._replace(query=query)))
    return found


def normalize(base: str, link: str) -> str | None:
    if link.startswith(("javascript:", "mailto:", "#")):
        return None
    url = urljoin(base, link).split("#", 1)[0]
    return "http://" + url.removeprefix("https://") if url.startswith("https://") else url


@dataclass
class CrawlResult:
    broken: dict[str, int] = field(default_factory=dict)  # target -> status
    pages: int = 0


def crawl(opener: urllib.request.OpenerDirector, site: SiteTruth) -> CrawlResult:
    """BFS over one site: internal targets are fetched and parsed, external ones only fetched."""
    result = CrawlResult()
    seen = {site.homepage}
    queue = deque([site.homepage])
    external: list[str] = []
    while queue:
        url = queue.popleft()
        res = fetch(opener, url)
        result.pages += 1
        if res.status != 200:
            result.broken[url] = res.status
            continue
        ctype = res.headers.get_content_type()
        if ctype not in ("text/html", "text/xml"):
            continue
        page = parse(res.text)
        for link in [*page.links, *script_pages(url, page)]:
            target = normalize(url, link)
            if target is None or target in seen:
                continue
            seen.add(target)
            (queue if urlsplit(target).hostname == site.host else external).append(target)
    for url in external:
        status = fetch(opener, url, method="HEAD").status
        if status != 200:
            result.broken[url] = status
    return result


# ----------------------------------------------------------------------------------------------- protocol


def test_homepages_declare_their_charset(opener: urllib.request.OpenerDirector) -> None:
    utf8 = fetch(opener, "http://sjj.suizhou.gov.cn/")
    assert utf8.status == 200
    assert utf8.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "随州市审计局" in utf8.text
    gbk = fetch(opener, "http://tjj.suizhou.gov.cn/")
    assert gbk.headers["Content-Type"] == "text/html; charset=gbk"
    assert '<meta http-equiv="Content-Type" content="text/html; charset=gbk">' in gbk.text
    assert "随州市统计局" in gbk.text
    with pytest.raises(UnicodeDecodeError):
        gbk.body.decode("utf-8")


def test_head_answers_like_get_without_body(opener: urllib.request.OpenerDirector) -> None:
    get = fetch(opener, "http://gaj.suizhou.gov.cn/")
    head = fetch(opener, "http://gaj.suizhou.gov.cn/", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len(get.body))
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_connect_is_refused(farm: FarmProcess) -> None:
    answer = raw_exchange(
        farm, b"CONNECT sjj.suizhou.gov.cn:443 HTTP/1.1\r\nHost: sjj.suizhou.gov.cn:443\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 405 ")


def test_unknown_host_is_a_dns_error(opener: urllib.request.OpenerDirector) -> None:
    res = fetch(opener, "http://www.no-such-site.gov.cn/")
    assert res.status == 502
    assert res.headers["Proxy-Status"] == "govcheck-farm; error=dns_error"


def test_refused_host(opener: urllib.request.OpenerDirector) -> None:
    host = next(h for h, kind in DEAD_HOSTS.items() if kind == "connection_refused")
    res = fetch(opener, f"http://{host}/")
    assert res.status == 502
    assert res.headers["Proxy-Status"] == "govcheck-farm; error=connection_refused"


def test_timing_out_host(opener: urllib.request.OpenerDirector) -> None:
    host = next(h for h, kind in DEAD_HOSTS.items() if kind == "connection_timeout")
    res = fetch(opener, f"http://{host}/")
    assert res.status == 504
    assert res.headers["Proxy-Status"] == "govcheck-farm; error=connection_timeout"


def test_dropped_host_closes_without_answer(farm: FarmProcess) -> None:
    host = next(h for h, kind in DEAD_HOSTS.items() if kind == "dropped")
    answer = raw_exchange(farm, f"GET http://{host}/ HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert answer == b""


@pytest.mark.parametrize(("host", "status"), BLOCKED_HOSTS.items())
def test_blocked_hosts(opener: urllib.request.OpenerDirector, host: str, status: int) -> None:
    res = fetch(opener, f"http://{host}/any/path.html")
    assert res.status == status
    if status == 429:
        assert res.headers["Retry-After"] == "1"


def test_unknown_path_gets_the_sites_404_page(opener: urllib.request.OpenerDirector) -> None:
    res = fetch(opener, "http://jtj.suizhou.gov.cn/no/such/page.shtml")
    assert res.status == 404
    assert "随州市交通运输局" in res.text


def test_directory_without_slash_redirects(opener: urllib.request.OpenerDirector) -> None:
    redirected = fetch(opener, "http://sjj.suizhou.gov.cn/xwzx/sjdt")
    assert redirected.status == 200
    assert redirected.body == fetch(opener, "http://sjj.suizhou.gov.cn/xwzx/sjdt/").body


def test_hanweb_proxy_pages_by_page_and_by_record_range(opener: urllib.request.OpenerDirector) -> None:
    column = next(c for c in SITES["zjj.suizhou.gov.cn"].columns if c.name == "住建动态")
    page = parse(fetch(opener, column.url).text)
    first, *more = script_pages(column.url, page)
    assert len(more) >= 2  # 32 records, 15 per page
    second = fetch(opener, more[0])
    assert second.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "<totalrecord>32</totalrecord>" in second.text
    # Older Hanweb sites POST the column and ask for a record range.
    columnid = dict(parse_qsl(urlsplit(first).query))["columnid"]
    ranged = fetch(
        opener,
        "http://zjj.suizhou.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15",
        method="POST",
        data=urlencode({"col": "1", "appid": "1", "columnid": columnid}).encode(),
    )
    assert dates_in(parse(ranged.text)) == dates_in(parse(second.text))


def test_stats_count_requests_and_concurrency(
    farm: FarmProcess, opener: urllib.request.OpenerDirector
) -> None:
    farm_json(farm, "/_farm/reset", method="POST")
    fetch(opener, "http://sfj.suizhou.gov.cn/")
    fetch(opener, "http://sfj.suizhou.gov.cn/missing.html")
    slow = next(h for h, kind in DEAD_HOSTS.items() if kind == "connection_timeout")
    threads = [threading.Thread(target=fetch, args=(opener, f"http://{slow}/{i}")) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = farm_json(farm, "/_farm/stats")
    assert stats["requests"] == {"sfj.suizhou.gov.cn": 2, slow: 3}
    assert stats["max_concurrent"] == {"sfj.suizhou.gov.cn": 1, slow: 3}
    assert stats["max_concurrent_backend"] == {BACKENDS["sfj.suizhou.gov.cn"]: 1, BACKENDS[slow]: 3}
    assert stats["log"][:2] == [
        ["GET", "http://sfj.suizhou.gov.cn/", 200],
        ["GET", "http://sfj.suizhou.gov.cn/missing.html", 404],
    ]


# ------------------------------------------------------------------------------------------ ground truth


def test_truth_covers_the_csv_and_the_portal() -> None:
    assert {h: (s.site_code, s.name) for h, s in SITES.items() if h in CSV} == CSV
    assert set(SITES) == {*CSV, "www.suizhou.gov.cn", *COUNTY}
    assert not set(SITES) & (set(DEAD_HOSTS) | set(BLOCKED_HOSTS))
    for site in SITES.values():
        assert len(site.columns) <= 40
        assert len({c.url for c in site.columns}) == len(site.columns)


def test_every_farm_host_has_a_backend_group() -> None:
    hosts = {*SITES, *depth_sites(), *DEAD_HOSTS, *BLOCKED_HOSTS, *STUB_HOSTS}
    assert set(BACKENDS) == hosts
    assert {BACKENDS[h] for h in COUNTY} == {BACKENDS["www.zgsuixian.gov.cn"]}  # one county platform


def is_stale(column: ColumnTruth) -> bool:
    return column.newest is not None and (AS_OF - column.newest).days > column.category_days


def summary(site: SiteTruth) -> str:
    """The bulletin cell a correct evaluator writes for the site's stale columns."""
    groups = {14: "超2周未更新", 180: "超6个月未更新", 365: "超1年未更新"}
    parts = []
    for days, label in groups.items():
        names = [c.name for c in site.columns if c.category_days == days and is_stale(c)]
        if names:
            parts.append("、".join(f"“{n}”" for n in names) + "栏目" + label)
    return "；".join(parts)


@pytest.mark.parametrize("host", CSV)
def test_stale_columns_reproduce_the_bulletin(host: str) -> None:
    site = SITES[host]
    assert summary(site) == site.expected_summary
    assert bool(site.expected_summary) == (host in BULLETIN_HOSTS)


@pytest.mark.parametrize("host", SITES)
def test_vetoes_match_the_verdict(host: str) -> None:
    site = SITES[host]
    stale = [c for c in site.columns if is_stale(c)]
    stale_key = [c for c in stale if c.category_days in (14, 180)]  # all 6m columns, not only 一级: stricter
    blank = [c for c in site.columns if c.blank]
    vetoed = len(stale_key) >= 5 or len(stale) + len(blank) >= 10 or len(blank) >= 5
    assert ("fail" if vetoed else "pass") == site.expected_verdict


@pytest.mark.parametrize("host", SITES)
def test_homepage_shows_recent_items(opener: urllib.request.OpenerDirector, host: str) -> None:
    res = fetch(opener, SITES[host].homepage)
    page = parse(res.text)
    assert max(dates_in(page)) >= AS_OF - timedelta(days=14)
    assert page.meta["sitename"] == SITES[host].name
    assert page.meta["siteidcode"] == SITES[host].site_code
    assert f"网站标识码：{SITES[host].site_code}" in res.text
    assert "ICP备" in res.text and "公网安备" in res.text
    assert len(page.links) <= 200


def test_portal_homepage_has_exactly_two_broken_links(opener: urllib.request.OpenerDirector) -> None:
    portal = SITES["www.suizhou.gov.cn"]
    links = {normalize(portal.homepage, link) for link in parse(fetch(opener, portal.homepage).text).links}
    assert links & set(portal.broken_links) == set(portal.broken_links[:2])
    assert len(portal.broken_links) == 4
    assert sum(c.blank for c in portal.columns) == 5


@pytest.mark.parametrize("host", SITES)
def test_column_pages_match_truth(opener: urllib.request.OpenerDirector, host: str) -> None:
    site = SITES[host]
    for column in site.columns:
        res = fetch(opener, column.url)
        assert res.status == 200, column.url
        page = parse(res.text)
        assert page.meta["columnname"] == column.name
        assert "当前位置" in res.text
        shown = dates_in(page)
        if column.blank:
            assert shown == [], column.name
            assert column.newest is None
        else:
            assert max(shown) == column.newest, column.name


@pytest.mark.parametrize("host", SITES)
def test_every_link_resolves_except_the_declared_broken_ones(
    opener: urllib.request.OpenerDirector, host: str
) -> None:
    site = SITES[host]
    result = crawl(opener, site)
    assert set(result.broken) == set(site.broken_links)
    assert result.pages > len(site.columns)
    for url in site.good_links:
        assert fetch(opener, url).status == 200, url
