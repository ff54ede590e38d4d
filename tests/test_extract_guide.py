"""govcheck.extract.guide on handwritten service pages and on the real-page corpus: which 办事指南 key
elements a guide shows (in tables, definition lists, headings and ``label：value`` lines, by their
synonyms), and which links of a service page are attachments or online systems."""

from __future__ import annotations

from typing import Any

import pytest

from govcheck.extract.guide import guide_facts, service_links
from tests.corpus import manifest, original_url, read, requires_corpus
from tests.farm.sites_service import SERVICE, build_service

URL = "http://bsfw.example.gov.cn/bszn/202401/t20240110_101.html"


def _page(main: str, title: str = "办事指南_某县人民政府") -> str:
    return f"""<html><head><title>{title}</title></head><body>
    <div class="nav"><a href="/">首页</a><a href="/bszn/">办事指南</a></div>
    <div class="content">{main}</div>
    <div class="footer">联系方式：0722-1234567 主办：某县人民政府</div></body></html>"""


def test_a_table_guide_with_synonyms_shows_every_element() -> None:
    html = _page(
        "<h1>户籍迁移办事指南</h1><table>"
        "<tr><th>事项名称</th><td>户籍迁移</td></tr><tr><th>法律依据</th><td>《户口登记条例》</td></tr>"
        "<tr><th>受理条件</th><td>本县户籍</td></tr><tr><th>申请材料目录</th><td>申请表</td></tr>"
        "<tr><th>受理地址</th><td>政务服务中心</td></tr><tr><th>工作时间</th><td>工作日</td></tr>"
        "<tr><th>咨询电话</th><td>0722-7654321</td></tr><tr><th>审批流程</th><td><img src='lct.png'></td></tr>"
        "</table>"
    )
    facts = guide_facts(html, URL)
    assert facts is not None and facts.missing == {}
    assert facts.title == "户籍迁移办事指南"
    assert facts.found["设定依据"] == "法律依据" and facts.found["办理材料"] == "申请材料目录"
    assert facts.found["联系电话"] == "咨询电话" and facts.found["办理流程"] == "审批流程"


def test_definition_lists_headings_and_colon_lines_are_read_alike() -> None:
    pairs = [
        ("事项名称", "社团登记"),
        ("办理依据", "《社会团体登记管理条例》"),
        ("申请条件", "有规范的名称"),
        ("所需材料", "章程草案"),
        ("办理地点", "民政局"),
        ("办理时间", "工作日"),
        ("联系方式", "0722-1"),
        ("办事流程", "受理、审查"),
    ]
    shapes = {
        "dl": "<dl>" + "".join(f"<dt>{k}：</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>",
        "headings": "".join(f"<h3>{i + 1}. {k}</h3><p>{v}</p>" for i, (k, v) in enumerate(pairs)),
        "lines": "".join(f"<p>{k}：{v}</p>" for k, v in pairs),
        "bold": "".join(f"<p><strong>【{k}】</strong>{v}</p>" for k, v in pairs),
        "bold block": "".join(f"<div><b>{k}：</b></div><div>{v}</div>" for k, v in pairs),
    }
    for shape, main in shapes.items():
        facts = guide_facts(_page(f"<h1>社团登记服务指南</h1>{main}"), URL)
        assert facts is not None and facts.missing == {}, shape


def test_absent_and_empty_elements_are_told_apart() -> None:
    html = _page(
        "<h1>临时救助办事指南</h1><table><tr><th>事项名称</th><td>临时救助</td></tr>"
        "<tr><th>设定依据</th><td>《社会救助暂行办法》</td></tr><tr><th>办理材料</th><td>申请书</td></tr>"
        "<tr><th>办理时间</th><td> — </td></tr><tr><th>联系电话</th><td></td></tr></table>"
        "<p>办理地点：</p>"
    )
    facts = guide_facts(html, URL)
    assert facts is not None
    assert facts.missing == {
        "申请条件": "absent",
        "办理地点": "empty",
        "办理时间": "empty",
        "联系电话": "empty",
        "办理流程": "absent",
    }


def test_the_heading_names_the_matter_and_the_footer_is_no_element() -> None:
    # No 事项名称 label: the heading 个体工商户登记办事指南 names it. The footer's 联系方式 is page chrome.
    html = _page("<h1>个体工商户登记办事指南</h1><p>设定依据：《个体工商户条例》</p><p>申请材料：申请书</p>")
    facts = guide_facts(html, URL)
    assert facts is not None
    assert facts.found["事项名称"] == "标题"
    assert "联系电话" in facts.missing


def test_pages_that_are_no_guide() -> None:
    # A list of guides is named 办事指南 too; an article that mentions 申请材料 once is no guide.
    listing = _page(
        '<ul class="list"><li><a href="1.html">户籍迁移办事指南</a><span>2024-01-10</span></li></ul>'
    )
    article = _page("<h1>我县优化营商环境</h1><p>申请材料：进一步精简。</p>", title="工作动态")
    assert guide_facts(listing, URL) is None
    assert guide_facts(article, URL) is None
    # Three labelled classes make a guide whatever the title says.
    unnamed = _page(
        "<h1>户籍迁移</h1><p>设定依据：条例</p><p>申请条件：户籍</p><p>办理地点：中心</p>", title="户籍"
    )
    assert guide_facts(unnamed, URL) is not None


def test_service_links_are_attachments_and_online_systems_outside_the_chrome() -> None:
    html = _page(
        '<a href="/files/%E7%94%B3%E8%AF%B7%E8%A1%A8.docx"></a>'
        '<a href="/files/sqb.pdf">申请表</a><a href="/download.jsp?id=9">表格下载</a>'
        '<a href="http://zwfw.hubei.gov.cn/x">在线办理</a><a href="http://xy.example.gov.cn/">企业信用查询库</a>'
        '<a href="/gzdt/1.html">工作动态</a><a href="/files/sqb.pdf">申请表（重复）</a>'
    ).replace('<div class="footer">', '<div class="footer"><a href="/files/footer.pdf">网站说明</a>')
    found = [(link.url.rsplit("/", 1)[-1], link.text, link.kind) for link in service_links(html, URL)]
    assert found == [
        ("%E7%94%B3%E8%AF%B7%E8%A1%A8.docx", "申请表.docx", "attachment"),  # no text: its file name
        ("sqb.pdf", "申请表", "attachment"),
        ("download.jsp?id=9", "表格下载", "attachment"),
        ("x", "在线办理", "online"),
        ("", "企业信用查询库", "online"),
    ]


def test_the_farm_guides_declare_what_the_extractor_reads() -> None:
    sites, truth = build_service()
    site = sites[SERVICE]
    for url, missing in truth[SERVICE].incomplete_guides.items():
        facts = guide_facts(site.pages[url.split(SERVICE, 1)[1]].body.decode(), url)
        assert facts is not None and set(facts.missing) == missing, url
    for url in truth[SERVICE].complete_guides:
        facts = guide_facts(site.pages[url.split(SERVICE, 1)[1]].body.decode(), url)
        assert facts is not None and facts.missing == {}, url


@requires_corpus
@pytest.mark.parametrize("item", manifest(), ids=lambda item: item["file"])
def test_no_real_page_of_the_corpus_is_a_guide(item: dict[str, Any]) -> None:
    # Articles, lists and a homepage: none is a 办事指南, whatever words they contain.
    assert guide_facts(read(item["file"]), original_url(item)) is None
    for link in service_links(read(item["file"]), original_url(item)):
        assert link.text and link.url.startswith(("http://", "https://")), link
