"""The page cache's store on SQLite and PostgreSQL: a page's newest full answer per URL, its body kept
compressed and handed back as it was stored."""

from __future__ import annotations

from govcheck.pagecache_store import FetchedPage, PageStore, StoredPage

URL = "http://www.example.gov.cn/gzdt/index.html"
HTML = "text/html; charset=utf-8"


def _page(body: bytes, etag: str | None, round_name: str = "2024-Q1") -> FetchedPage:
    headers = {"Content-Type": HTML, "Last-Modified": "Tue, 27 Feb 2024 08:00:00 GMT"}
    if etag:
        headers["ETag"] = etag
    return FetchedPage(URL, "www.example.gov.cn", round_name, 200, headers, body)


def test_a_pages_newest_answer_is_kept_compressed_and_read_back(database_url: str) -> None:
    store = PageStore(database_url, migrate=True)
    body = b"<html><body>" + "<li>工作动态</li>".encode() * 500 + b"</body></html>"
    try:
        assert store.load(URL) is None
        store.save(_page(b"<html>old</html>", '"v1"'))
        store.save(_page(body, '"v2"', "2024-Q2"))  # the next round's full answer replaces it
        stored = store.load(URL)
    finally:
        store.close()
    assert isinstance(stored, StoredPage)
    assert (stored.etag, stored.last_modified, stored.status) == (
        '"v2"',
        "Tue, 27 Feb 2024 08:00:00 GMT",
        200,
    )
    assert stored.headers["Content-Type"] == HTML
    assert stored.uncompressed() == body and stored.size == len(body)
    assert len(stored.body) < len(body) // 10  # kept compressed


def test_a_page_with_a_date_only_is_kept_without_an_etag(database_url: str) -> None:
    store = PageStore(database_url, migrate=True)
    try:
        store.save(_page(b"<html>x</html>", None))
        stored = store.load(URL)
    finally:
        store.close()
    assert stored is not None and stored.etag is None and stored.last_modified


def test_prune_deletes_only_the_sites_rows_its_crawl_did_not_fetch(database_url: str) -> None:
    def page(url: str, host: str) -> FetchedPage:
        return FetchedPage(url, host, "r1", 200, {"ETag": '"v1"'}, b"<html></html>")

    site, other = "www.example.gov.cn", "other.example.gov.cn"
    linked = [f"http://{site}/gzdt/index_{i}.html" for i in range(1200)]  # more than one DELETE's worth
    gone = [f"http://{site}/old/{i}.html" for i in range(1100)]
    store = PageStore(database_url, migrate=True)
    try:
        for url in [*linked, *gone]:
            store.save(page(url, site))
        store.save(page(f"http://{other}/old/1.html", other))  # another site's row: never this one's
        pruned = store.prune(site, frozenset(linked))
        left = {url: store.load(url) for url in [*linked[:3], *gone[:3], f"http://{other}/old/1.html"]}
        again = store.prune(site, frozenset(linked))
    finally:
        store.close()
    assert (pruned, again) == (len(gone), 0)
    assert [url for url, stored in left.items() if stored is None] == gone[:3]
