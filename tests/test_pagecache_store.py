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
