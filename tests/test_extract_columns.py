"""Column discovery and list reading on small handwritten pages imitating the CMS families.

The markup follows docs/cms-patterns.md: TRS classic (createPageHTML pager, t<YYYYMMDD>_<id> rows),
Hanweb JCMS (<datastore> XML island + jpage), the Fujian platform's static blocks, 开普云 newsList.
"""

from __future__ import annotations

from govcheck.extract import discover_columns, extract_listing, page_facts, page_links

SITE = "http://www.example.gov.cn/"

# -- column discovery ------------------------------------------------------------------------------

TRS_HOMEPAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="SiteName" content="某某市人民政府"><title>某某市人民政府</title></head>
<body>
<div class="header">
  <a href="/"><img src="/images/logo.png" alt="某某市人民政府"></a>
  <div class="nav">
    <ul>
      <li><a href="./">首页</a></li>
      <li><a href="./zwgk/">政务公开</a>
        <ul class="sub">
          <li><a href="./zwgk/tzgg/">通知公告</a></li>
          <li><a href="./zwgk/zcwj/"> 政策文件 </a></li>
          <li><a href="http://www.other.gov.cn/">外站链接</a></li>
        </ul>
      </li>
      <li><a href="./zwdt/">政务动态</a>
        <ul class="sub">
          <li><a href="./zwdt/bmdt/#list">部门动态</a></li>
          <li><a href="javascript:void(0)">加载中</a></li>
        </ul>
      </li>
      <li><a href="./hdjl/index.html">互动交流</a></li>
      <li><a href="#top">回到顶部</a></li>
    </ul>
  </div>
</div>
<div class="main">
  <div class="box">
    <div class="box-title"><span class="name">通知公告</span><a class="more" href="./zwgk/tzgg/">更多&gt;&gt;</a></div>
    <ul>
      <li><a href="./zwgk/tzgg/202402/t20240228_123.html" title="关于春节假期安排的通知">关于春节假期安排的通知</a><span>2024-02-28</span></li>
      <li><a href="./zwgk/tzgg/202402/t20240220_122.html">关于开展安全检查的通知</a><span>2024-02-20</span></li>
    </ul>
  </div>
  <div class="box">
    <div class="box-title"><h3><a href="./ztzl/">专题专栏</a></h3></div>
    <ul><li><a href="./ztzl/202401/t20240105_1.html">某专题</a></li></ul>
  </div>
  <div class="box">
    <h2>人事信息</h2>
    <ul><li><a href="./zwgk/rsxx/202401/t20240110_9.html">某某同志任职通知</a><span>2024-01-10</span></li></ul>
    <a href="./zwgk/rsxx/">更多</a>
  </div>
  <div class="box"><div class="tit">规划计划</div><span class="more"><a href="./zwgk/ghjh/">+</a></span></div>
  <div class="box"><div class="tit">办事指南下载</div><a href="./files/guide.pdf">更多</a></div>
  <div class="box"><div class="tit">国务院信息</div><a href="http://www.gov.cn/pushinfo/">更多</a></div>
</div>
<div class="footer">
  <a href="./wzdt/">网站地图</a> <a href="./lxwm/">联系我们</a>
  <p>网站标识码：1234000001 <a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=1234000001&amp;url=x">找错</a></p>
</div>
</body></html>"""


def test_columns_from_nav_submenus_and_blocks() -> None:
    columns = discover_columns(TRS_HOMEPAGE, SITE)
    got = [(c.source, c.name, c.url, c.parent_url) for c in columns]
    zwgk, zwdt = SITE + "zwgk/", SITE + "zwdt/"
    assert got == [
        ("nav", "政务公开", zwgk, None),
        ("nav", "通知公告", SITE + "zwgk/tzgg/", zwgk),
        ("nav", "政策文件", SITE + "zwgk/zcwj/", zwgk),
        ("nav", "政务动态", zwdt, None),
        ("nav", "部门动态", SITE + "zwdt/bmdt/", zwdt),  # fragment removed
        ("nav", "互动交流", SITE + "hdjl/index.html", None),
        ("block", "专题专栏", SITE + "ztzl/", None),
        ("more", "人事信息", SITE + "zwgk/rsxx/", None),  # named after the block's heading, not 更多
        ("more", "规划计划", SITE + "zwgk/ghjh/", None),
    ]


def test_columns_skip_home_articles_files_other_hosts_and_footer() -> None:
    urls = {c.url for c in discover_columns(TRS_HOMEPAGE, SITE)}
    assert SITE not in urls
    assert not any("t2024" in u or u.endswith(".pdf") for u in urls)
    assert not any("other.gov.cn" in u or "www.gov.cn" in u for u in urls)
    assert SITE + "wzdt/" not in urls and SITE + "lxwm/" not in urls


def test_more_link_of_a_block_with_a_linked_heading_keeps_the_heading_name() -> None:
    html = """<html><body><div class="main"><div class="hd"><ul><li><a href="/zwyw/list.shtml">政务要闻</a></li></ul>
      <span class="more"><a href="/zwyw/list.shtml">更多</a></span></div>
      <div class="bd"><div class="tit">最新发布</div><ul><li><a href="/zfwj/202309/0a65.shtml">某文件</a></li></ul>
      <span class="common-more"><a href="/zfwj/xxgk_lists.shtml">查看更多</a></span></div>
      <div class="box2"><div class="hd"><a href="/zcjd/list.shtml">政策解读</a></div><span class="more"><a href="/zcjd/list.shtml"></a></span></div>
    </div></body></html>"""
    columns = discover_columns(html, SITE)
    assert [(c.source, c.name, c.url) for c in columns] == [
        ("block", "政务要闻", SITE + "zwyw/list.shtml"),
        ("more", "最新发布", SITE + "zfwj/xxgk_lists.shtml"),
        ("block", "政策解读", SITE + "zcjd/list.shtml"),
    ]


def test_submenus_drawn_apart_from_the_menu_find_their_parent_by_path() -> None:
    html = """<html><body><div class="header">
      <div class="menu_base"><ul role="navigation"><li><a href="/">首页</a></li>
        <li><a href="https://www.example.gov.cn/zwgk/">政务公开</a></li>
        <li><a href="https://www.example.gov.cn/jdhy/">解读回应</a></li>
        <li><a href="https://www.example.gov.cn/hdjl/">互动交流</a></li></ul></div>
      <div class="submenu menu_bd"><div class="row"><div></div></div>
        <div class="row"><div><a href="https://www.example.gov.cn/zwgk/zfxxgk/">政府信息公开</a>
          <a href="https://www.example.gov.cn/zwgk/ldzc/">领导之窗</a><a href="https://data.example.cn/">数据开放</a></div></div>
        <div class="row"><div><a href="https://www.example.gov.cn/jdhy/zcjd/">政策解读</a></div></div>
      </div></div></body></html>"""
    columns = discover_columns(html, "https://www.example.gov.cn/")
    parents = {c.name: c.parent_url for c in columns}
    assert [c.name for c in columns] == [
        "政务公开",
        "解读回应",
        "互动交流",
        "政府信息公开",
        "领导之窗",
        "政策解读",
    ]
    assert parents["领导之窗"] == "https://www.example.gov.cn/zwgk/"
    assert parents["政策解读"] == "https://www.example.gov.cn/jdhy/"
    assert parents["政务公开"] is None


# -- TRS classic list --------------------------------------------------------------------------------

TRS_LIST = """<html><head><meta name="ColumnName" content="通知公告"><title>通知公告_某某市人民政府</title>
<script src="/images/trs_common.js"></script></head><body>
<div class="header"><div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
  <li><a href="/zwdt/">政务动态</a></li></ul></div></div>
<div class="main">
  <div class="position">您当前的位置：<a href="../../">首页</a><span class="gt">&gt;</span><a href="../">政务公开</a>
    <span class="gt">&gt;</span><span class="dq">通知公告</span></div>
  <div class="list">
    <table>
      <tr><td><a href="./202402/t20240228_123.html" title="关于2024年春节假期安排的通知">关于2024年春节…</a></td><td height="35">2024-02-28</td></tr>
      <tr><td><a href="./202402/t20240220_122.html">关于开展安全生产大检查的通知</a></td><td height="35">2024-02-20</td></tr>
      <tr><td><a href="../zcwj/202401/t20240105_100.html">某某市人民政府关于印发实施方案的通知</a></td><td height="35">2024-01-05</td></tr>
      <tr><td><a href="./202402/t20240228_123.html">关于2024年春节假期安排的通知</a></td><td height="35">2024-02-28</td></tr>
    </table>
    <div class="page"><script>
      var currentPage = 0;//所在页从0开始
      var countPage = 56//共多少页
      createPageHTML(56, 0, "index", "html");
    </script></div>
  </div>
</div>
<div class="footer">版权所有：某某市人民政府办公室 网站标识码：1234000001</div>
</body></html>"""


def test_trs_classic_list_with_script_pager() -> None:
    url = SITE + "zwgk/tzgg/"
    page = extract_listing(TRS_LIST, url)
    assert (page.status, page.extractor, page.reason) == ("ok", "trs", None)
    assert [(e.title, e.url, e.date_text) for e in page.entries] == [
        ("关于2024年春节假期安排的通知", url + "202402/t20240228_123.html", "2024-02-28"),  # title attribute
        ("关于开展安全生产大检查的通知", url + "202402/t20240220_122.html", "2024-02-20"),
        ("某某市人民政府关于印发实施方案的通知", SITE + "zwgk/zcwj/202401/t20240105_100.html", "2024-01-05"),
    ]
    assert page.page_count == 56
    assert len(page.next_page_urls) == 55
    assert page.next_page_urls[0] == url + "index_1.html"
    assert page.next_page_urls[-1] == url + "index_55.html"
    facts = page_facts(TRS_LIST, url)
    assert facts.breadcrumb == ["首页", "政务公开", "通知公告"]
    assert (facts.column_name, facts.site_code) == ("通知公告", "1234000001")


def test_trs_classic_pager_from_a_later_page_and_yearless_cells() -> None:
    html = """<html><body><div class="list"><table>
      <tr><td><a href="./201705/t20170517_376590.html">樟树市关于做好防汛工作的通知</a></td><td class="date">05-17</td></tr>
      <tr><td><a href="./201705/t20170510_376001.html">樟树市关于开展安全检查的通知</a></td><td class="date">05-10</td></tr>
    </table></div>
    <script>createPageHTML(5, 2, "index", "shtml");</script></body></html>"""
    url = SITE + "zwgk/tzgg/index_2.shtml"
    page = extract_listing(html, url)
    assert (page.status, page.extractor) == ("ok", "trs")
    assert [e.date_text for e in page.entries] == ["05-17", "05-10"]
    assert page.next_page_urls == [SITE + "zwgk/tzgg/index_3.shtml", SITE + "zwgk/tzgg/index_4.shtml"]


# -- Hanweb JCMS -----------------------------------------------------------------------------------

HANWEB_LIST = """<html><head><title>工作动态</title></head><body>
<div class="main"><div id="212860"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;webid=3&amp;path=/&amp;columnid=33718&amp;unitid=212860&amp;webname=%E6%B5%99%E6%B1%9F&amp;permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href='/art/2026/9/11/art_33718_11828204.html' target='_blank' title='省教育厅召开专题会议'>省教育厅召开专题…</a><span>2026-09-11</span></li>]]></record>
<record><![CDATA[<li><b>·</b><a href='/art/2026/9/10/art_33718_11828100.html' target='_blank'>全省教育系统培训班举办</a><i>2026-09-10</i></li>]]></record>
<record><![CDATA[<li><a href='/art/2026/9/9/art_33718_11827999.html' target='_blank'>教育厅发布通知</a><span>2026-09-09</span></li>]]></record>
</recordset></datastore></script></div></div>
<script>$('#212860').jpage({ dataStore: dataStore, totalRecord:45, perPage:3, showMode:'full' });</script>
</body></html>"""


def test_hanweb_datastore_records_and_dataproxy_pages() -> None:
    url = "http://jyt.example.gov.cn/col/col33718/index.html"
    page = extract_listing(HANWEB_LIST, url)
    assert (page.status, page.extractor) == ("ok", "hanweb")
    assert [(e.title, e.url, e.date_text) for e in page.entries] == [
        (
            "省教育厅召开专题会议",
            "http://jyt.example.gov.cn/art/2026/9/11/art_33718_11828204.html",
            "2026-09-11",
        ),
        (
            "全省教育系统培训班举办",
            "http://jyt.example.gov.cn/art/2026/9/10/art_33718_11828100.html",
            "2026-09-10",
        ),
        ("教育厅发布通知", "http://jyt.example.gov.cn/art/2026/9/9/art_33718_11827999.html", "2026-09-09"),
    ]
    assert (page.total_records, page.page_count) == (45, 15)
    proxy = "http://jyt.example.gov.cn/module/web/jpage/dataproxy.jsp?page={}&webid=3&path=/&columnid=33718"
    assert page.next_page_urls[0].startswith(proxy.format(2))
    assert page.next_page_urls[0].endswith("&unitid=212860&webname=%E6%B5%99%E6%B1%9F&permissiontype=0")
    assert page.next_page_urls[-1].startswith(proxy.format(15))
    assert len(page.next_page_urls) == 14  # never index_1.html


def test_hanweb_old_proxy_pages_by_record_range() -> None:
    html = HANWEB_LIST.replace(
        "/module/web/jpage/dataproxy.jsp?page=1&amp;webid=3",
        "/module/jslib/jquery/jpage/dataproxy.jsp?startrecord=1&amp;endrecord=3&amp;perpage=1&amp;webid=3",
    ).replace("totalRecord:45", "totalRecord:8")
    page = extract_listing(html, "http://jyt.example.gov.cn/col/col33718/index.html")
    assert [u.split("?")[1].split("&perpage")[0] for u in page.next_page_urls] == [
        "startrecord=4&endrecord=6",
        "startrecord=7&endrecord=9",
    ]


def test_hanweb_empty_datastore_is_blank() -> None:
    html = """<html><body><div class="main"><script type="text/xml"><datastore><recordset></recordset>
      </datastore></script></div><script>$('#1').jpage({ totalRecord:0, perPage:15 });</script></body></html>"""
    page = extract_listing(html, SITE + "col/col1/index.html")
    assert (page.status, page.extractor, page.reason, page.total_records) == (
        "blank",
        "hanweb",
        "empty_list",
        0,
    )


# -- Fujian platform, 开普云, generic shapes ------------------------------------------------------------

FUJIAN_EMPTY = """<html><head><meta name="ColumnName" content="人事信息"></head><body>
<div class="list_base" ms-controller="list" role="viewlist">
  <div ms-visible="showStatic"></div>
  <div ms-visible="!showStatic"><ul ms-if="list.length==0">
    <div ms-if="error" style="text-align: center; padding: 30px">暂无数据</div></ul>
    <ul ms-if="list.length>0"><li ms-repeat="list"><a ms-attr-href="el.chnldocurl" ms-text="el.doctitle"></a>
      <span ms-text="el.docreltime | date2('yyyy-MM-dd')" class="bf-pass"></span></li></ul></div>
</div>
<script>var pageChnlInfo={ quickMode:"动静结合", maxStaticIndex: 5, recordCount:'0', prepage:15, cache:true }</script>
</body></html>"""


def test_fujian_platform_with_no_static_items_is_blank() -> None:
    page = extract_listing(FUJIAN_EMPTY, "https://www.pingtan.gov.cn/zwgk/rsxx/")
    assert (page.status, page.extractor, page.reason) == ("blank", "trs_fujian", "empty_list")
    assert page.entries == []


def test_kaipuyun_yearless_newslist() -> None:
    html = """<html><head><link href="/ycsrmzf/xhtml/css/common.css" rel="stylesheet"></head><body><div class="main">
      <ul class="newsList MM-dd res">
        <li><h4><a href="/ycsrmzf/zwyw/202310/34e1d41233c34c52a652e278c5529a33.shtml" title='全市综合考核工作分析部署会召开'>全市综合考核…</a>
          <span class="time">
            10-11
          </span></h4></li>
        <li><h4><a href="/ycsrmzf/zwyw/202310/28beef9686e546e9a0459fa239799ca7.shtml" title='市政协召开常委会议'>市政协召开常委会议</a>
          <span class="time">10-09</span></h4></li>
      </ul></div></body></html>"""
    page = extract_listing(html, "http://www.yichun.gov.cn/ycsrmzf/zwyw/list.shtml")
    assert (page.status, page.extractor) == ("ok", "kaipuyun")
    assert [(e.title, e.date_text) for e in page.entries] == [
        ("全市综合考核工作分析部署会召开", "10-11"),
        ("市政协召开常委会议", "10-09"),
    ]


def test_picture_list_linking_twice_per_item_gives_one_entry_each() -> None:
    items = "".join(
        f"""<li class="trt-col-6"><div class="picture_item"><div class="picture">
          <a href="./2026{m:02d}/t2026{m:02d}16_10{m}.htm" title="图片新闻{m}号" class="picture_fixed"
             style="background-image: url('/images/W0{m}.jpg')"></a></div>
          <div class="picture_title_01"><h3><a href="./2026{m:02d}/t2026{m:02d}16_10{m}.htm" title="图片新闻{m}号">图片新闻{m}号</a></h3></div>
        </div></li>"""
        for m in (4, 3, 2)
    )
    html = f"<html><body><div class='main'><ul class='picture_list'>{items}</ul></div></body></html>"
    page = extract_listing(html, "https://www.example.gov.cn/zwgk/yw/tpxw/")
    assert page.status == "ok"
    assert [(e.title, e.url, e.date_text) for e in page.entries] == [
        (
            f"图片新闻{m}号",
            f"https://www.example.gov.cn/zwgk/yw/tpxw/2026{m:02d}/t2026{m:02d}16_10{m}.htm",
            None,
        )
        for m in (4, 3, 2)
    ]


def test_generic_rows_with_dates_before_after_and_in_parentheses() -> None:
    html = """<html><body><div class="nav"><ul><li><a href="/a/">栏目一</a><span>2020-01-01</span></li></ul></div>
    <div class="content"><ul class="list">
      <li><span class="date">2024-03-02</span><a href="../news/1003.html">第三条新闻的标题文字</a></li>
      <li><a href="../news/1002.html">第二条新闻的标题文字</a><em>[2024-03-01]</em></li>
      <li><a href="../news/1001.html">第一条新闻的标题文字</a>（2024-02-28）</li>
      <li><a href="../news/1000.html">没有日期的一条新闻</a></li>
    </ul>
    <div class="pagination">共 4 条 第1/3页 <a href="list_2.html">下一页</a> <a href="list_3.html">尾页</a></div></div>
    </body></html>"""
    page = extract_listing(html, SITE + "xwzx/tzgg/list.html")
    assert (page.status, page.extractor) == ("ok", "generic")
    assert [(e.url.rsplit("/", 1)[1], e.date_text) for e in page.entries] == [
        ("1003.html", "2024-03-02"),
        ("1002.html", "[2024-03-01]"),
        ("1001.html", "（2024-02-28）"),
        ("1000.html", None),  # same list, no date shown
    ]
    assert page.next_page_urls == [SITE + "xwzx/tzgg/list_2.html"]
    assert (page.page_count, page.total_records) == (3, 4)


def test_generic_flat_list_pairs_links_with_dates() -> None:
    html = """<html><body><div class="content"><div class="list">
      <a href="/xxgk/2001.html">关于公布第一批名单的公告</a><span>2024-05-03</span><br>
      <a href="/xxgk/2002.html">关于公布第二批名单的公告</a><span>2024-05-02</span><br>
      <a href="/xxgk/2003.html">关于公布第三批名单的公告</a><span>2024-05-01</span><br>
    </div></div></body></html>"""
    page = extract_listing(html, SITE + "xxgk/")
    assert [(e.title, e.date_text) for e in page.entries] == [
        ("关于公布第一批名单的公告", "2024-05-03"),
        ("关于公布第二批名单的公告", "2024-05-02"),
        ("关于公布第三批名单的公告", "2024-05-01"),
    ]


# -- blank, placeholder, JS shell, no list ---------------------------------------------------------


def _page(main: str, scripts: str = "") -> str:
    return f"""<html><head><title>通知公告_某某市人民政府</title></head><body>
    <div class="header"><div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
      <li><a href="/zwdt/">政务动态</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div></div>
    <div class="main"><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="./">通知公告</a></div>
    {main}</div>
    <div class="footer">主办：某某市人民政府办公室 联系电话：0000-00000000 网站标识码：1234000001</div>
    {scripts}</body></html>"""


def test_placeholder_page_is_blank() -> None:
    page = extract_listing(
        _page('<div class="list"><p class="empty">暂无信息</p></div>'), SITE + "zwgk/tzgg/"
    )
    assert (page.status, page.reason, page.entries) == ("blank", "placeholder:暂无信息", [])
    page = extract_listing(_page('<div class="list">本栏目正在建设中</div>'), SITE + "zwgk/tzgg/")
    assert page.status == "blank"


def test_placeholder_that_a_script_replaces_is_not_blank() -> None:
    html = _page(
        '<ul id="newsList"><li>暂无数据</li></ul>',
        '<script>$.get("/api/list", function (d) { $("#newsList").html(render(d)); });</script>',
    )
    page = extract_listing(html, SITE + "zwgk/tzgg/")
    assert (page.status, page.reason) == ("unparseable", "js_list")


def test_template_placeholder_is_ignored_when_no_list_is_found() -> None:
    html = _page('<div ms-controller="list"><div ms-if="error">暂无数据</div></div>')
    page = extract_listing(html, SITE + "zwgk/tzgg/")
    assert (page.status, page.reason) == ("unparseable", "no_list_area")


def test_js_shell_is_unparseable_not_blank() -> None:
    html = """<!DOCTYPE html><html><head><title>国家金融监督管理总局</title>
    <script src="/static/js/vendor.js"></script><script src="/static/js/app.js"></script></head>
    <body ng-app="app"><div ng-view></div><script>window.__CONFIG__ = {api: "/cn/static/data/list.json"};</script></body></html>"""
    page = extract_listing(html, "https://www.nfra.gov.cn/cn/view/pages/ItemList.html")
    assert (page.status, page.reason, page.entries) == ("unparseable", "js_shell", [])


def test_pure_page_is_a_page_not_a_column_to_judge() -> None:
    html = _page(
        '<div class="article"><h1>机构职能</h1><p>' + "负责全市政府信息公开工作。" * 20 + "</p></div>"
    )
    page = extract_listing(html, SITE + "zwgk/jgzn/")
    assert (page.status, page.reason) == ("page", "article_body")


def test_empty_and_broken_html_do_not_crash() -> None:
    for html in (
        "",
        "   ",
        "<html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body>x</body></html>",
        "\x00<p>",
    ):
        page = extract_listing(html, SITE)
        assert page.status == "unparseable"
        assert page_facts(html, SITE).breadcrumb == []
        assert page_links(html, SITE) == []


# -- page facts and links on handwritten markup -----------------------------------------------------


def test_page_facts_meta_variants_and_arrow_breadcrumb() -> None:
    html = """<html><head><title> 近期信息公开_某某市人民政府 </title>
      <meta content="2022-12-06 08:56" name="PubDate" /><META NAME="SiteIDCode" CONTENT="">
      <meta name="columnname" content="近期信息公开"></head><body>
      <div class="crumb">当前位置：<a href="/">首页</a>-&gt;<a href="/zfwj/">政府文件</a>-&gt;近期信息公开</div>
      <div class="footer"><script id="_jiucuo_" sitecode="1301000003" src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script></div>
      </body></html>"""
    facts = page_facts(html, SITE)
    assert facts.title == "近期信息公开_某某市人民政府"
    assert (facts.pub_date_text, facts.column_name) == ("2022-12-06 08:56", "近期信息公开")
    assert facts.breadcrumb == ["首页", "政府文件", "近期信息公开"]
    assert facts.site_code == "1301000003"  # no meta value, no footer text: the 纠错 widget


def test_page_facts_label_date_when_there_is_no_meta() -> None:
    html = """<html><body><div class="info"><span>来源：市政府办公室</span><span>发布日期：2023年6月11日 16:20</span>
      <span>浏览次数：12</span></div><p>正文……</p></body></html>"""
    assert page_facts(html, SITE).pub_date_text == "2023年6月11日 16:20"


def test_page_links_resolve_strip_and_dedupe() -> None:
    html = """<html><head><link rel="stylesheet" href="/css/a.css"><link rel="dns-prefetch" href="//cdn.example.cn">
      <script src="js/app.js"></script></head><body>
      <a href="./zwgk/#top">政务公开</a><a href="./zwgk/">政务公开</a><a href="#main">跳转</a>
      <a href="javascript:void(0)">x</a><a href="mailto:a@b.cn">信箱</a><a href="tel:12345">电话</a>
      <img src="
        /images/a.png
      "><img src="data:image/png;base64,AAAA"><iframe src="https://map.example.com/embed?x=1#z"></iframe>
      <a href="../up/">上级</a></body></html>"""
    assert page_links(html, SITE + "sub/index.html") == [
        (SITE + "css/a.css", "link"),
        (SITE + "sub/js/app.js", "script"),
        (SITE + "sub/zwgk/", "a"),
        (SITE + "images/a.png", "img"),
        ("https://map.example.com/embed?x=1", "iframe"),
        (SITE + "up/", "a"),
    ]


def test_main_list_beats_a_sidebar_list_and_pager_items_are_not_entries() -> None:
    sidebar = "".join(
        f'<li><a href="/other/2024{d:02d}/t2024{d:02d}01_{d}.html">其他栏目的热点文章标题{d}</a><span>2024-{d:02d}-01</span></li>'
        for d in range(1, 5)
    )
    main = "".join(
        f'<li><a href="./2024{d:02d}/t2024{d:02d}02_{d}.html">本栏目的工作动态{d}</a><span>2024-{d:02d}-02</span></li>'
        for d in range(1, 5)
    )
    html = f"""<html><body><div class="side"><h3>热点排行</h3><ul>{sidebar}</ul></div>
      <div class="content"><ul>{main}<li><a href="index_1.html">下一页</a></li><li><a href="index_3.html">3</a></li></ul></div>
      </body></html>"""
    url = SITE + "zwgk/gzdt/index.html"
    page = extract_listing(html, url)
    assert page.status == "ok"
    assert [e.title for e in page.entries] == [f"本栏目的工作动态{d}" for d in range(1, 5)]
    assert page.next_page_urls == [SITE + "zwgk/gzdt/index_1.html"]


def test_a_column_with_a_single_document_is_a_list() -> None:
    html = _page(
        '<ul class="list"><li><a href="./202501/t20250120_1.html">2025年政府工作报告</a><span>2025-01-20</span></li></ul>'
    )
    page = extract_listing(html, SITE + "zwgk/zfgzbg/")
    assert (page.status, len(page.entries), page.entries[0].date_text) == ("ok", 1, "2025-01-20")


def test_declared_records_without_static_items_are_not_blank() -> None:
    html = FUJIAN_EMPTY.replace("recordCount:'0'", "recordCount:'37'")
    page = extract_listing(html, "https://www.pingtan.gov.cn/zwgk/rsxx/")
    assert (page.status, page.reason, page.total_records, page.page_count) == (
        "unparseable",
        "js_list",
        37,
        3,
    )
    html = HANWEB_LIST.split("<recordset>")[0] + "<recordset></recordset></datastore></script></div></div>"
    html += "<script>$('#212860').jpage({ totalRecord:45, perPage:15 });</script></body></html>"
    page = extract_listing(html, "http://jyt.example.gov.cn/col/col33718/index.html")
    assert (page.status, page.reason, page.total_records) == ("unparseable", "js_list", 45)


def test_section_labels_linking_to_a_column_yield_to_the_column_name() -> None:
    html = """<html><body><div class="nav"><ul class="nav-list"><li><a href="./">首页</a></li>
      <li><a href="./xwzx/tpxw/">新闻中心</a><ul class="subnav"><li><a href="./xwzx/tpxw/">图片新闻</a></li>
        <li><a href="./xwzx/dtyw/">动态要闻</a></li></ul></li>
      <li><a href="javascript:;">专题专栏</a><ul class="subnav"><li><a href="/ztzl/a/">专题一</a></li></ul></li>
      <li><a href="./zwgk/zfwj/">政务公开</a></li></ul></div>
      <div class="main"><div class="box"><div class="box-hd"><h3><a href="./zwgk/zfwj/">政府文件</a></h3>
      <span class="more"><a href="./zwgk/zfwj/">更多&gt;&gt;</a></span></div></div></div></body></html>"""
    got = [(c.name, c.url, c.parent_url) for c in discover_columns(html, SITE)]
    assert got == [
        ("图片新闻", SITE + "xwzx/tpxw/", None),  # the label 新闻中心 is no column and no parent
        ("动态要闻", SITE + "xwzx/dtyw/", None),
        ("专题一", SITE + "ztzl/a/", None),  # javascript: label, its sub-menu still counts
        ("政府文件", SITE + "zwgk/zfwj/", None),  # menu order kept, named by the homepage block
    ]
