"""govcheck.extract.listing's decisions on a list page, called directly: whether page 1 answers how
fresh a column is (:func:`needs_more_pages`), and a Hanweb dataproxy answer's bare XML read as a list
(with :func:`govcheck.extract.hanweb_xml_page`)."""

from __future__ import annotations

import datetime as dt

import pytest

from govcheck.extract import extract_listing, hanweb_xml_page, needs_more_pages

D = dt.date


@pytest.mark.parametrize(
    ("dates", "undated_read_later", "expected"),
    [
        ([D(2024, 2, 20), D(2024, 2, 10), D(2024, 1, 1)], True, False),  # newest first: page 1 answers
        ([D(2024, 2, 20), D(2024, 2, 20), None, D(2024, 1, 1)], True, False),  # ties and gaps are sorted
        ([D(2023, 1, 1), D(2024, 2, 20), D(2024, 2, 10)], True, True),  # a pinned old row on top
        ([D(2024, 1, 1), D(2024, 2, 20)], False, True),
        ([None, None], True, False),  # the detail pages will date them
        ([None, None], False, True),  # nothing will: the next page may be dated
        ([], False, True),
    ],
)
def test_needs_more_pages(dates: list[dt.date | None], undated_read_later: bool, expected: bool) -> None:
    assert needs_more_pages(dates, undated_read_later=undated_read_later) is expected


DATAPROXY = (
    '<?xml version="1.0" encoding="utf-8"?><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>'
    '<record><![CDATA[<li><a href="/art/2024/2/20/art_1_9.html">标题一</a><span>2024-02-20</span></li>]]></record>'
    '<record><![CDATA[<li><a href="/art/2024/2/10/art_1_8.html">标题二</a><span>2024-02-10</span></li>]]></record>'
    "</recordset></datastore>"
)


def test_a_dataproxy_answer_is_read_as_hanweb_page_one_would_be() -> None:
    wrapped = hanweb_xml_page(DATAPROXY)
    assert wrapped.startswith('<html><body><script type="text/xml"><datastore>') and "<?xml" not in wrapped
    url = "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?page=2&columnid=1"
    page = extract_listing(DATAPROXY, url)
    assert (page.extractor, [e.date_text for e in page.entries]) == ("hanweb", ["2024-02-20", "2024-02-10"])
    assert page.entries[0].url == "http://www.example.gov.cn/art/2024/2/20/art_1_9.html"


def test_html_is_left_alone() -> None:
    island = f'<html><body><script type="text/xml">{DATAPROXY[38:]}</script></body></html>'
    assert hanweb_xml_page(island) == island  # page 1 already carries its island in a script
    plain = "<html><body><ul><li><a href='/a.html'>a</a></li></ul></body></html>"
    assert hanweb_xml_page(plain) == plain
