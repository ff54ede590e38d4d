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


# -- blank lists in every shape, and lists a script loads ------------------------------------------

_NAV = "".join(f'<li><a href="/c{i}/">栏目{i}</a></li>' for i in range(12))


def _column(main: str, scripts: str = "") -> str:
    return f"""<html><head><title>通知公告_某某市人民政府</title></head><body>
    <div class="nav"><ul>{_NAV}</ul></div>
    <div class="main"><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="./">通知公告</a></div>
    {main}</div><div class="footer">主办：某某市人民政府办公室</div>{scripts}</body></html>"""


@pytest.mark.parametrize(
    ("main", "reason"),
    [
        ('<table class="tb">' + "<tr><td></td><td> </td></tr>" * 3 + "</table>", "empty_rows"),
        ("<table><tbody>" + "<tr><td>&nbsp;</td></tr>" * 4 + "</tbody></table>", "empty_rows"),
        ("<ul>" + "<li></li>" * 2 + "</ul>", "empty_rows"),
        ('<div class="box">' + '<div class="cell"><span></span></div>' * 4 + "</div>", "empty_rows"),
        (
            '<div class="newslist"><div class="page"><a href="#">首页</a> <a href="i.html">上一页</a> '
            '<a href="i.html">下一页</a> <a href="#">尾页</a> 共1页</div></div>',
            "pager_only",
        ),
        ('<div class="list"><img src="/images/jsz.png"></div>', "image_only"),
        ('<div class="list_con"><script>document.write("");</script></div>', "empty_list"),
        ('<div class="con"><p>栏目内容敬请期待</p></div>', "placeholder:敬请期待"),
        ('<div class="con"><div>没有找到相关信息！</div></div>', "placeholder:没有找到相关"),
        ('<div class="con"><span>共0条记录 当前第1/0页</span></div>', "placeholder:0条记录"),
        ('<div class="con"><p>暂未发布相关信息</p></div>', "placeholder:暂未发布相关信息"),
        ('<div class="con"><p>信息正在更新中</p></div>', "placeholder:信息正在更新中"),
    ],
)
def test_blank_lists_in_every_shape(main: str, reason: str) -> None:
    page = extract_listing(_column(main), "http://www.example.gov.cn/zwgk/tzgg/")
    assert (page.status, page.reason, page.entries) == ("blank", reason, [])


@pytest.mark.parametrize(
    ("main", "scripts"),
    [
        (
            '<ul id="dataList"></ul>',
            '<script>$.getJSON("/api/l.json", function (d) { $("#dataList").html(d); });</script>',
        ),
        ('<div class="list" data-url="/api/l.json"><ul><li></li><li></li></ul></div>', ""),
        (
            '<div class="list"></div>',
            '<script>fetch("/api/l.json").then(function (r) { return r.json(); }).then(show);</script>',
        ),
        ("<ul><li></li><li></li></ul>", '<script>$.ajax({url: "/api/l.json", success: render});</script>'),
        ('<div class="list"><p>暂无数据</p></div>', "<script>var x = new XMLHttpRequest();</script>"),
    ],
)
def test_lists_a_script_loads_stay_unknown_never_blank(main: str, scripts: str) -> None:
    page = extract_listing(_column(main, scripts), "http://www.example.gov.cn/zwgk/tzgg/")
    assert (page.status, page.reason) == ("unparseable", "js_list")


def test_what_is_not_a_hollow_list() -> None:
    # Two empty table rows are a layout spacer; a row with a link or with text is content.
    for main in (
        "<table><tr><td></td></tr><tr><td></td></tr></table>",
        '<ul class="list"><li><a href="/x/1.html"></a></li><li></li></ul>',
        '<div class="list"><p>本栏目发布我市重大项目的审批结果。</p></div>',
    ):
        page = extract_listing(_column(main), "http://www.example.gov.cn/zwgk/tzgg/")
        assert page.status != "blank", main


def test_the_farm_declares_each_shape_as_the_extractor_reads_it() -> None:
    from tests.farm.sites_service import BLANK, build_service

    sites, truth = build_service()
    for url in (*truth[BLANK].blank_columns, *truth[BLANK].script_columns):
        html = sites[BLANK].get(url.split(BLANK, 1)[1], {}).body.decode()
        page = extract_listing(html, url)
        expected = "blank" if url in truth[BLANK].blank_columns else "unparseable"
        assert page.status == expected, (url, page.reason)
