"""govcheck.extract.letters: letter lists in their common shapes, detail pages, empty and explained columns."""

from __future__ import annotations

from govcheck.extract.letters import extract_letters, is_letters_column, letter_detail, status_of

URL = "http://www.example.gov.cn/hdjl/szxx/"


def page(body: str) -> str:
    return (
        '<html><head><meta charset="utf-8"><title>市长信箱</title></head><body>'
        '<div class="nav"><a href="/">首页</a><a href="/hdjl/">互动交流</a></div>'
        f'<div class="main">{body}</div><div class="footer">网站标识码：4200000001</div></body></html>'
    )


TABLE = page(
    "<table class='letters'><tr><th>序号</th><th>标题</th><th>留言时间</th><th>办理状态</th><th>回复时间</th></tr>"
    "<tr><td>1</td><td><a href='2024/0101.html'>关于道路维修的咨询</a></td><td>2024-01-05</td>"
    "<td>已回复</td><td>2024-01-20</td></tr>"
    "<tr><td>2</td><td><a href='2023/1101.html'>关于路灯不亮的反映</a></td><td>2023-11-01</td>"
    "<td>处理中</td><td></td></tr>"
    "<tr><td>3</td><td><a href='2023/1001.html'>关于学区划分的咨询</a></td><td>2023-10-01</td>"
    "<td>已办结</td><td></td></tr></table>"
)


def test_a_table_under_header_cells_gives_each_letter_its_fields() -> None:
    result = extract_letters(TABLE, URL)
    assert (result.kind, result.shape) == ("letters", "header")
    first, second, third = result.letters
    assert first.url == "http://www.example.gov.cn/hdjl/szxx/2024/0101.html"
    assert (first.title, first.posted_text, first.status, first.replied_text) == (
        "关于道路维修的咨询",
        "2024-01-05",
        "replied",
        "2024-01-20",
    )
    assert (second.status, second.status_text, second.replied_text) == ("processing", "处理中", None)
    assert (third.status, third.replied_text) == ("done", None)
    assert "关于学区划分的咨询" in third.evidence


def test_div_rows_under_a_div_header_are_read_like_a_table() -> None:
    html = page(
        '<div class="list-head"><span>信件标题</span><span>来信时间</span><span>状态</span></div>'
        '<ul class="list-body">'
        '<li><span><a href="/x/1.html">噪音扰民问题</a></span><span>2024-02-01</span><span>已答复</span></li>'
        '<li><span><a href="/x/2.html">停车难问题</a></span><span>2024-02-03</span><span>待回复</span></li></ul>'
    )
    result = extract_letters(html, URL)
    assert result.shape == "header"
    assert [(x.title, x.posted_text, x.status) for x in result.letters] == [
        ("噪音扰民问题", "2024-02-01", "replied"),
        ("停车难问题", "2024-02-03", "processing"),
    ]


def test_a_list_with_labelled_dates_gives_posting_and_reply_dates() -> None:
    html = page(
        '<ul class="xjlist">'
        '<li><a href="/l/1.html">关于公交线路调整的建议</a><span>留言时间：2024-01-02</span>'
        "<span>回复时间：2024-01-10</span><span>回复单位：市交通运输局</span></li>"
        '<li><a href="/l/2.html">关于农村饮水的咨询</a><span>留言时间：2023-09-01</span>'
        "<span>回复时间：2024-01-15</span><span>回复单位：市水利局</span></li></ul>"
    )
    result = extract_letters(html, URL)
    assert result.shape == "labels"
    first, second = result.letters
    assert (first.posted_text, first.replied_text, first.unit, first.status) == (
        "2024-01-02",
        "2024-01-10",
        "市交通运输局",
        "replied",
    )
    assert (second.posted_text, second.replied_text) == ("2023-09-01", "2024-01-15")


def test_status_words_beside_a_link_make_a_letter_row() -> None:
    html = page(
        '<div class="items"><div class="item"><a href="/m/1.html">办证咨询</a> [已办结] 2024-02-01</div>'
        '<div class="item"><a href="/m/2.html">社保咨询</a> [办理中] 2024-02-05</div></div>'
    )
    result = extract_letters(html, URL)
    assert [(x.status, x.posted_text) for x in result.letters] == [
        ("done", "2024-02-01"),
        ("processing", "2024-02-05"),
    ]


def test_pager_and_search_form_are_seen() -> None:
    html = page(
        '<form action="search.html"><input name="keyword" placeholder="请输入信件编号或标题">'
        '<input type="submit" value="查询"></form>'
        + TABLE.split('<div class="main">')[1].split("</div>")[0]
        + '<div class="page">共3页 <a href="index_1.html">下一页</a></div>'
    )
    result = extract_letters(html, URL)
    assert result.kind == "letters" and result.search is not None
    assert (result.search.url, result.search.method) == (
        "http://www.example.gov.cn/hdjl/szxx/search.html",
        "GET",
    )
    assert result.search.fields == [("keyword", "")]
    assert result.next_page_urls == ["http://www.example.gov.cn/hdjl/szxx/index_1.html"]


def test_empty_table_is_empty_and_an_explanation_is_kept() -> None:
    empty = page("<table><tr><th>标题</th><th>留言时间</th><th>状态</th></tr></table>")
    assert extract_letters(empty, URL).kind == "empty"
    assert extract_letters(page("<p>暂无信件</p>"), URL).kind == "empty"
    explained = page("<p>根据来信人意愿，本栏目信件内容不予公开。如需查询请拨打12345。</p>")
    result = extract_letters(explained, URL)
    assert result.kind == "explained"
    assert "不予公开" in (result.explanation or "")
    assert extract_letters(page("<p>本月暂无网民来信。</p>"), URL).kind == "explained"


def test_a_news_list_is_not_a_letters_page() -> None:
    html = page(
        '<ul class="list"><li><a href="/a/1.html">我市召开工作会议</a><span>2024-02-01</span></li>'
        '<li><a href="/a/2.html">副市长调研春耕</a><span>2024-02-02</span></li></ul>'
    )
    assert extract_letters(html, URL).kind == "none"


def test_detail_page_labels_in_every_usual_holder() -> None:
    html = page(
        "<h1>关于小区停水的咨询</h1>"
        "<table><tr><th>来信时间</th><td>2024-01-03 09:12</td><th>办理状态</th><td>已办结</td></tr>"
        "<tr><th>来信内容</th><td colspan='3'>小区停水三天，何时恢复？</td></tr></table>"
        '<div class="reply"><div class="hd"><span>回复内容</span></div>'
        '<div class="bd">经核实，管网抢修已于1月5日完成，已恢复供水。</div>'
        "<p><span>回复单位：</span>市水务集团</p><dl><dt>回复时间：</dt><dd>2024-01-06</dd></dl></div>"
    )
    detail = letter_detail(html, URL + "1.html")
    assert detail.is_letter
    assert (detail.title, detail.posted_text, detail.status) == (
        "关于小区停水的咨询",
        "2024-01-03 09:12",
        "done",
    )
    assert detail.content == "小区停水三天，何时恢复？"
    assert detail.reply == "经核实，管网抢修已于1月5日完成，已恢复供水。"
    assert (detail.unit, detail.replied_text) == ("市水务集团", "2024-01-06")


def test_detail_page_done_without_a_reply() -> None:
    html = page(
        "<h1>咨询落户政策</h1><p>留言时间：2023-12-01</p><p>处理状态：已办结</p><p>留言内容：如何办理落户？</p>"
    )
    detail = letter_detail(html, URL + "2.html")
    assert (detail.status, detail.reply, detail.replied_text) == ("done", None, None)
    assert detail.is_letter


def test_inline_labels_in_one_paragraph_stop_at_the_next_label() -> None:
    html = page("<h1>问题</h1><p>回复单位：县教育局 回复时间：2024-02-02</p><p>来信时间：2024-01-01</p>")
    detail = letter_detail(html, URL)
    assert (detail.unit, detail.replied_text) == ("县教育局", "2024-02-02")


def test_vocabulary() -> None:
    assert status_of("未回复") == ("processing", "未回复")
    assert status_of("[已回复]") == ("replied", "已回复")
    assert status_of("办结") == ("done", "办结")
    assert status_of(None) == ("unknown", None)
    assert is_letters_column("县长信箱") and is_letters_column("12345热线留言")
    assert not is_letters_column("工作动态")


def test_a_list_behind_a_search_form_gives_the_form_to_send() -> None:
    html = page(
        '<form method="post" action="/hdjl/query.jsp"><input type="hidden" name="col" value="12">'
        '<input name="title" placeholder="标题"><select name="state"><option value="">全部</option>'
        '<option value="1">已回复</option></select><input type="checkbox" name="mine" value="1">'
        '<input type="submit" value="查询"></form><p>请输入查询条件</p>'
    )
    result = extract_letters(html, URL)
    assert result.kind == "none" and result.search is not None
    assert (result.search.url, result.search.method) == ("http://www.example.gov.cn/hdjl/query.jsp", "POST")
    assert result.search.fields == [("col", "12"), ("title", ""), ("state", "")]


def test_status_words_in_news_titles_make_no_letters() -> None:
    html = page(
        '<ul class="list"><li><a href="/a/1.html">我市已完成春季造林任务</a><span>2024-02-01</span></li>'
        '<li><a href="/a/2.html">城区供水管网改造已办结验收</a><span>2024-02-02</span></li></ul>'
    )
    assert extract_letters(html, URL).kind == "none"
    mixed = page(
        '<ul class="list">'
        + "".join(
            f'<li><a href="/a/{i}.html">第{i}次会议召开</a><span>2024-02-0{i}</span></li>'
            for i in range(1, 6)
        )
        + '<li><a href="/a/9.html">征求意见</a><span>[已办结]</span></li></ul>'
    )
    assert extract_letters(mixed, URL).kind == "none"
