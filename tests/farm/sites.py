"""Replica sites, declared: one small spec per site (menus, columns, newest date, item count, spacing).

builder.py expands each spec into every page the farm serves (titles, doc ids, articles, pagers, assets),
with the URL scheme and list markup of the site's CMS family (generic, TRS WCM, Hanweb JCMS) as documented in
shared/docs/cms-patterns.md. truth.py derives the ground truth from the same specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

# -------------------------------------------------------------------------------------------- spec model


@dataclass(frozen=True)
class Col:
    """One column (栏目). ``newest`` None makes it a blank column (never had any content)."""

    name: str
    slug: str
    newest: date | None
    n: int = 8  # number of items
    every: int = 7  # mean days between items
    home: bool = False  # shown as a homepage block with a 更多 link
    pinned: bool = False  # an old item is pinned (置顶) above the newest one
    blank: str = "placeholder"  # how a blank column looks: "placeholder" (暂无信息) or "empty" (empty list)
    missing: bool = False  # linked, but its list page answers 404 (a broken link, not a column)
    in_nav: bool = True  # False: only in its section's sidebar and the sitemap, not in the top menu
    broken_row: bool = False  # one row links to a deleted article


def col(name: str, slug: str, newest: str | None, **kw: Any) -> Col:
    return Col(name, slug, date.fromisoformat(newest) if newest else None, **kw)


# A portal's nav links out to the province's 12345 hotline (its 政务咨询 channel, as real portals do), so the
# interaction rule, which judges portals only, finds a channel.
PORTAL_OUTLINKS = (
    ("政务服务", "http://zwfw.hubei.gov.cn/"),
    ("12345热线网上留言", "http://www.hubei.gov.cn/12345/"),
)


@dataclass(frozen=True)
class SiteSpec:
    host: str
    code: str
    name: str
    org: str  # how titles name the body (市审计局)
    cms: str  # "generic" | "trs" | "hanweb"
    menus: tuple[tuple[str, tuple[Col, ...]], ...]
    topics: tuple[str, ...]  # subjects for generated titles
    docid_base: int
    icp: str
    gongan: str
    phone: str
    address: str
    row_style: str = "li_span"
    charset: str = "utf-8"
    ext: str = "html"  # TRS page extension (html/shtml)
    per_page: int = 15
    article_fmt: str = "/{slug}/{day:%Y%m}/{docid}.html"  # generic CMS only
    nav_heads: str = "js"  # menu heads: "js" (javascript:;, opens the sub-menu) or "first" (first child)
    home_mmdd: bool = False  # every other homepage block prints year-less MM-dd dates
    url_lag: bool = False  # TRS: some URLs carry the creation date, a day before publication
    conac_script: bool = True
    meta_lower: bool = False  # lower-case meta names (columnname, pubdate), as on www.yn.gov.cn
    colid_base: int = 0  # Hanweb column ids
    links: tuple[tuple[str, str], ...] = ()  # extra 友情链接 on the homepage
    dead_links: tuple[tuple[str, str], ...] = ()  # homepage links whose targets are broken (text, URL)
    outlinks: tuple[tuple[str, str], ...] = (("政务服务", "http://zwfw.hubei.gov.cn/"),)  # nav link-outs


# ------------------------------------------------------------------------------------------------ specs
# Dates are as of 2024-02-28 (the 随州 2024 bulletin's check date). Stale columns of the 附件1 sites are
# exactly those the bulletin names, in its order; every other column is fresh for its category
# (2w columns within ~10 days, 6m within ~5 months, the rest within a year).

_NEWS = "新闻中心"
_OPEN = "政务公开"
_TOPIC = "专题专栏"


def _standard_open(*extra: Col, policy: str, personnel: str, budget: str, report: str) -> tuple[Col, ...]:
    return (
        col("政策文件", "zwgk/zcwj", policy, n=7, every=40),
        *extra,
        col("人事信息", "zwgk/rsxx", personnel, n=5, every=60),
        col("财政预决算", "zwgk/czyjs", budget, n=6, every=150),
        col("政府信息公开年报", "zwgk/ndbg", report, n=4, every=365),
    )


_SJJ = SiteSpec(
    host="sjj.suizhou.gov.cn",
    code="4213000045",
    name="随州市审计局",
    org="市审计局",
    cms="generic",
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-01-26", n=10, every=9, home=True),
                col("审计动态", "xwzx/sjdt", "2024-01-30", n=24, every=5, home=True),
                col("通知公告", "xwzx/tzgg", "2024-02-23", n=9, every=20, home=True, pinned=True),
                col("媒体聚焦", "xwzx/mtjj", "2024-02-21", n=6, every=12, home=True),
            ),
        ),
        (
            _OPEN,
            (
                col("政府信息公开指南", "zwgk/xxgkzn", "2023-09-12", n=2, every=200),
                col("政府信息公开年报", "zwgk/xxgknb", "2024-01-25", n=5, every=365),
                col("政策文件", "zwgk/zcwj", "2023-12-18", n=8, every=35, home=True),
                col("审计公告", "zwgk/sjgg", "2024-01-10", n=8, every=40),
                col("规划信息", "zwgk/ghxx", "2023-11-20", n=5, every=120),
                col("人事信息", "zwgk/rsxx", "2023-10-16", n=6, every=60),
                col("财政预决算", "zwgk/czyjs", "2024-02-05", n=6, every=150),
            ),
        ),
        (
            _TOPIC,
            (
                col("疫情防控", "ztzl/yqfk", "2022-12-08", n=12, every=20),
                col("复工复产服务", "ztzl/fgfcfw", "2020-06-18", n=6, every=15),
                col("三大攻坚战", "ztzl/sdgjz", "2021-03-25", n=8, every=30),
                col("党史学习教育", "ztzl/dsxxjy", "2021-12-20", n=10, every=25),
                col("主题教育", "ztzl/ztjy", "2023-12-26", n=8, every=20),
            ),
        ),
    ),
    topics=("审计整改", "经济责任审计", "预算执行审计", "政府投资审计", "审计质量提升", "审计信息化"),
    docid_base=1_280_000,
    icp="鄂ICP备05003311号-4",
    gongan="42130202000145",
    phone="0722-3251026",
    address="随州市曾都区沿河大道8号",
    per_page=20,
)

_JTJ = SiteSpec(
    host="jtj.suizhou.gov.cn",
    code="4213000012",
    name="随州市交通运输局",
    org="市交通运输局",
    cms="trs",
    ext="shtml",
    nav_heads="first",
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-01-22", n=12, every=8, home=True),
                col("动态要闻", "xwzx/dtyw", "2024-02-02", n=20, every=4, home=True),
                col("县市区动态", "xwzx/xsqdt", "2024-02-26", n=10, every=5, home=True),
                col("通知公告", "xwzx/tzgg", "2024-02-22", n=8, every=18, home=True),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                col("政策解读", "zwgk/zcjd", "2023-12-20", n=5, every=50),
                col("规划计划", "zwgk/ghjh", "2023-05-18", n=4, every=120),
                col("重大项目", "zwgk/zdxm", "2023-12-12", n=6, every=45),
                policy="2024-01-10",
                personnel="2023-11-08",
                budget="2024-02-06",
                report="2024-01-26",
            ),
        ),
        (
            "交通服务",
            (
                col("路况信息", "jtfw/lkxx", "2024-02-27", n=8, every=6),
                col("公路建设", "jtfw/gljs", "2024-01-18", n=6, every=30),
            ),
        ),
        (
            _TOPIC,
            (
                col("以交通发展促乡村振兴", "ztzl/jtcxczx", "2022-08-16", n=9, every=25),
                col("安全生产", "ztzl/aqsc", "2024-01-31", n=8, every=25),
                col("文明创建", "ztzl/wmcj", "2023-12-05", n=6, every=30),
            ),
        ),
    ),
    topics=("四好农村路", "公路养护", "道路运输安全", "治超治限", "交通项目建设", "城乡客运一体化"),
    docid_base=4_120_000,
    icp="鄂ICP备05003311号-7",
    gongan="42130202000152",
    phone="0722-3260317",
    address="随州市曾都区交通大道105号",
)

_YJGLJ = SiteSpec(
    host="yjglj.suizhou.gov.cn",
    code="4213000040",
    name="随州市应急管理局",
    org="市应急管理局",
    cms="generic",
    row_style="li_date_first",
    article_fmt="/{slug}/content_{docid}.html",
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-02-22", n=10, every=7, home=True),
                col("工作动态", "xwzx/gzdt", "2024-02-26", n=22, every=3, home=True),
                col("通知公告", "xwzx/tzgg", "2024-02-19", n=8, every=20, home=True),
            ),
        ),
        (
            _OPEN,
            (
                col("政策文件", "zwgk/zcwj", "2023-12-20", n=6, every=40, home=True),
                col("规划信息", "zwgk/ghxx", "2022-09-14", n=5, every=90),
                col("人事信息", "zwgk/rsxx", "2023-09-28", n=4, every=80),
                col("财政预决算", "zwgk/czyjs", "2024-02-02", n=6, every=150),
                col("政府信息公开指南", "zwgk/xxgkzn", "2023-08-15", n=2, every=300),
                col("政府信息公开年报", "zwgk/ndbg", "2024-01-24", n=4, every=365),
                col("行政执法公示", "zwgk/xzzfgs", "2024-01-31", n=8, every=20),
            ),
        ),
        (
            "应急科普",
            (
                col("视频", "yjkp/sp", "2022-10-26", n=6, every=40),
                col("科普知识", "yjkp/kpzs", "2024-01-16", n=8, every=20),
            ),
        ),
        (
            _TOPIC,
            (
                col("安全生产月", "ztzl/aqscy", "2023-06-30", n=6, every=8),
                col("防灾减灾", "ztzl/fzjz", "2024-01-12", n=7, every=30),
                col("森林防火", "ztzl/slfh", "2024-02-09", n=6, every=20),
            ),
        ),
    ),
    topics=("安全生产", "防汛抗旱", "森林防灭火", "应急演练", "危化品监管", "自然灾害防治"),
    docid_base=862_000,
    icp="鄂ICP备05003311号-12",
    gongan="42130202000177",
    phone="0722-3515012",
    address="随州市曾都区烈山大道86号",
)

_SFJ = SiteSpec(
    host="sfj.suizhou.gov.cn",
    code="4213000039",
    name="随州市司法局",
    org="市司法局",
    cms="generic",
    row_style="table",
    article_fmt="/content/{day:%Y-%m}/{day:%d}/content_{docid}.html",
    conac_script=False,
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-01-24", n=10, every=8, home=True),
                col("司法动态", "xwzx/sfdt", "2024-02-26", n=18, every=3, home=True),
                col("县市区动态", "xwzx/xsqdt", "2024-02-23", n=10, every=5, home=True),
                col("通知公告", "xwzx/tzgg", "2024-02-20", n=8, every=15, home=True),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                col("规划计划", "zwgk/ghjh", "2024-01-19", n=4, every=120),
                col("双随机一公开", "zwgk/ssjygk", "2023-12-14", n=5, every=45),
                policy="2023-11-30",
                personnel="2023-12-27",
                budget="2024-02-01",
                report="2024-01-29",
            ),
        ),
        (
            "法律服务",
            (
                col("公共法律服务", "flfw/ggflfw", "2024-02-06", n=6, every=30),
                col("人民调解", "flfw/rmtj", "2023-12-22", n=5, every=40),
                col("普法宣传", "flfw/pfxc", "2024-02-21", n=8, every=12),
            ),
        ),
        (
            _TOPIC,
            (
                col("八五普法", "ztzl/bwpf", "2024-01-08", n=8, every=35),
                col("主题教育", "ztzl/ztjy", "2023-12-18", n=6, every=25),
            ),
        ),
    ),
    topics=("法治宣传", "公共法律服务", "人民调解", "社区矫正", "行政复议", "法律援助"),
    docid_base=530_000,
    icp="鄂ICP备05003311号-11",
    gongan="42130202000168",
    phone="0722-3224185",
    address="随州市曾都区青年路30号",
)

_SCJDGLJ = SiteSpec(
    host="scjdglj.suizhou.gov.cn",
    code="4213000013",
    name="随州市市场监督管理局",
    org="市市场监管局",
    cms="trs",
    row_style="table",
    per_page=20,
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-02-26", n=10, every=6, home=True),
                col("工作动态", "xwzx/gzdt", "2024-02-27", n=26, every=2, home=True),
                col("县市区动态", "xwzx/xsqdt", "2024-02-21", n=8, every=6),
                col("通知公告", "xwzx/tzgg", "2024-02-23", n=10, every=12, home=True, pinned=True),
            ),
        ),
        (
            _OPEN,
            (
                col("政策文件", "zwgk/zcwj", "2024-01-05", n=7, every=40, home=True),
                col("规划信息", "zwgk/ghxx", "2022-06-20", n=5, every=100),
                col("人事信息", "zwgk/rsxx", "2023-10-25", n=5, every=70),
                col("财政预决算", "zwgk/czyjs", "2024-02-04", n=6, every=150),
                col("政府信息公开年报", "zwgk/ndbg", "2024-01-30", n=4, every=365),
                col("抽检信息", "zwgk/cjxx", "2024-02-08", n=8, every=20),
            ),
        ),
        ("文化建设", (col("市场监管文化", "whjs/scjgwh", "2022-11-10", n=6, every=40),)),
        (
            _TOPIC,
            (
                col("两学一做学习教育", "ztzl/lxyz", "2017-06-28", n=8, every=20),
                col("打击侵权假冒执法年", "ztzl/dqjm", "2019-11-15", n=6, every=25),
                col("食品安全", "ztzl/spaq", "2024-02-15", n=8, every=15),
                col("质量强市", "ztzl/zlqs", "2023-12-28", n=6, every=30),
            ),
        ),
    ),
    topics=("食品安全监管", "特种设备安全", "知识产权保护", "价格监督检查", "市场主体培育", "药品安全"),
    docid_base=3_310_000,
    icp="鄂ICP备05003311号-6",
    gongan="42130202000133",
    phone="0722-3309577",
    address="随州市曾都区白云大道9号",
)

_ZGSUIXIAN = SiteSpec(
    host="www.zgsuixian.gov.cn",
    outlinks=PORTAL_OUTLINKS,
    code="4213210015",
    name="随县人民政府",
    org="随县",
    cms="generic",
    row_style="li_bracket",
    per_page=20,
    home_mmdd=True,
    article_fmt="/{slug}/{day:%Y%m}/t{day:%Y%m%d}_{docid}.html",
    menus=(
        (
            _NEWS,
            (
                col("随县要闻", "xwzx/sxyw", "2024-02-27", n=24, every=2, home=True),
                col("图片新闻", "xwzx/tpxw", "2024-02-26", n=10, every=5, home=True),
                col("乡镇动态", "xwzx/xzdt", "2024-02-26", n=14, every=3, home=True),
                col("部门动态", "xwzx/bmdt", "2024-02-23", n=12, every=4),
                col("通知公告", "xwzx/tzgg", "2024-02-25", n=12, every=8, home=True),
            ),
        ),
        (
            _OPEN,
            (
                col("政府文件", "zwgk/zfwj", "2024-02-08", n=10, every=20, home=True),
                col("政策解读", "zwgk/zcjd", "2024-01-26", n=6, every=30),
                col("人事信息", "zwgk/rsxx", "2024-01-12", n=6, every=40),
                col("规划计划", "zwgk/ghjh", "2023-12-20", n=5, every=90),
                col("财政预决算", "zwgk/czyjs", "2024-02-02", n=6, every=120),
                col("统计信息", "zwgk/tjxx", "2024-02-18", n=8, every=30),
                col("重大项目", "zwgk/zdxm", "2024-01-30", n=6, every=40),
            ),
        ),
        ("走进随县", (col("旅游资源", "zjsx/lyzy", "2024-01-20", n=6, every=40),)),
        (
            _TOPIC,
            (
                col("乡村振兴", "ztzl/xczx", "2024-02-20", n=8, every=15),
                col("优化营商环境", "ztzl/yhyshj", "2024-02-06", n=8, every=20),
            ),
        ),
    ),
    topics=("香菇产业", "乡村振兴", "招商引资", "优化营商环境", "春季农业生产", "文明城市创建"),
    docid_base=2_140_000,
    icp="鄂ICP备12003457号-1",
    gongan="42132102000101",
    phone="0722-4223610",
    address="随县厉山镇神农大道1号",
)

_DHS = SiteSpec(
    host="www.dhs.gov.cn",
    code="4213910001",
    name="大洪山风景名胜区",
    org="大洪山风景区",
    cms="generic",
    article_fmt="/{slug}/{day:%Y-%m-%d}/{docid}.html",
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-02-25", n=10, every=6, home=True),
                col("景区动态", "xwzx/jqdt", "2024-02-26", n=16, every=3, home=True),
                col("通知公告", "xwzx/tzgg", "2024-02-19", n=8, every=15, home=True),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                policy="2024-01-18", personnel="2023-12-08", budget="2024-02-01", report="2024-01-30"
            ),
        ),
        (
            "旅游服务",
            (
                col("景点介绍", "lyfw/jdjs", "2023-11-20", n=6, every=40),
                col("旅游资讯", "lyfw/lyzx", "2024-02-24", n=10, every=4, home=True),
            ),
        ),
        (_TOPIC, (col("生态保护", "ztzl/stbh", "2024-01-10", n=6, every=30),)),
    ),
    topics=("生态旅游", "森林防火", "景区提档升级", "文旅融合", "乡村旅游", "安全生产"),
    docid_base=91_000,
    icp="鄂ICP备13012078号-1",
    gongan="42139102000011",
    phone="0722-5210066",
    address="随州市大洪山风景名胜区长岗镇",
)

_ZJJ = SiteSpec(
    host="zjj.suizhou.gov.cn",
    code="4213000041",
    name="随州市住房和城乡建设局",
    org="市住建局",
    cms="hanweb",
    row_style="hanweb",
    colid_base=12061,
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "tpxw", "2024-02-26", n=10, every=6, home=True),
                col("住建动态", "zjdt", "2024-02-27", n=32, every=2, home=True),
                col("通知公告", "tzgg", "2024-02-22", n=18, every=8, home=True, pinned=True),
                col("县市区动态", "xsqdt", "2024-02-21", n=10, every=5),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                col("规划计划", "ghjh", "2023-09-12", n=4, every=120),
                col("行政许可公示", "xzxkgs", "2024-02-20", n=16, every=6),
                policy="2024-01-22",
                personnel="2023-12-01",
                budget="2024-02-05",
                report="2024-01-25",
            ),
        ),
        (
            _TOPIC,
            (
                col("城市更新", "csgx", "2024-02-01", n=8, every=20),
                col("物业管理", "wygl", "2024-01-15", n=6, every=30),
            ),
        ),
    ),
    topics=("城镇老旧小区改造", "建筑施工安全", "物业服务", "住房保障", "城市更新", "燃气安全"),
    docid_base=3_284_000,
    icp="鄂ICP备05003311号-9",
    gongan="42130202000126",
    phone="0722-3250718",
    address="随州市曾都区擂鼓墩大道68号",
)

_GAJ = SiteSpec(
    host="gaj.suizhou.gov.cn",
    code="4213000017",
    name="随州市公安局",
    org="市公安局",
    cms="trs",
    url_lag=True,
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-02-27", n=12, every=4, home=True),
                col("警务动态", "xwzx/jwdt", "2024-02-27", n=35, every=1, home=True),
                col("警情通报", "xwzx/jqtb", "2024-02-18", n=8, every=10),
                col("通知公告", "xwzx/tzgg", "2024-02-26", n=10, every=10, home=True),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                policy="2024-01-31", personnel="2023-12-20", budget="2024-02-01", report="2024-01-29"
            ),
        ),
        (
            "办事服务",
            (
                col("户政服务", "bsfw/hzfw", "2024-01-10", n=6, every=30),
                col("出入境服务", "bsfw/crjfw", "2024-02-05", n=6, every=25),
                col("交管服务", "bsfw/jgfw", "2024-02-19", n=8, every=12),
            ),
        ),
        (_TOPIC, (col("反诈宣传", "ztzl/fzxc", "2024-02-23", n=10, every=6),)),
    ),
    topics=("电信网络诈骗防范", "平安随州建设", "交通安全", "户籍管理", "社会治安防控", "出入境管理"),
    docid_base=5_620_000,
    icp="鄂ICP备05003311号-3",
    gongan="42130202000119",
    phone="0722-3880110",
    address="随州市曾都区汉东路109号",
)

_TJJ = SiteSpec(
    host="tjj.suizhou.gov.cn",
    code="4213000043",
    name="随州市统计局",
    org="市统计局",
    cms="generic",
    charset="gbk",
    row_style="li_em",
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-02-26", n=10, every=6, home=True),
                col("工作动态", "xwzx/gzdt", "2024-02-27", n=20, every=2, home=True),
                col("要闻动态", "xwzx/ywdt", "2024-02-23", n=12, every=4, home=True),
                col("通知公告", "xwzx/tzgg", "2024-02-20", n=8, every=15, home=True),
            ),
        ),
        (
            "统计数据",
            (
                col("统计数据", "tjsj/sjfb", "2024-02-20", n=12, every=30),
                col("统计公报", "tjsj/tjgb", "2023-04-20", n=5, every=365),
                col("统计分析", "tjsj/tjfx", "2024-02-06", n=8, every=20),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                policy="2023-12-15", personnel="2023-11-10", budget="2024-02-02", report="2024-01-26"
            ),
        ),
        (_TOPIC, (col("第五次全国经济普查", "ztzl/wjp", "2024-01-30", n=8, every=20),)),
    ),
    topics=("经济运行", "统计执法", "统计调查", "经济普查", "统计数据质量", "统计法治"),
    docid_base=712_000,
    icp="鄂ICP备05003311号-10",
    gongan="42130202000108",
    phone="0722-3222156",
    address="随州市曾都区舜井大道18号",
)

_CGW = SiteSpec(
    host="cgw.suizhou.gov.cn",
    code="4213000014",
    name="随州市城市管理执法委员会",
    org="市城管执法委",
    cms="hanweb",
    row_style="hanweb_i",
    colid_base=30417,
    meta_lower=True,
    conac_script=False,
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "tpxw", "2024-02-26", n=10, every=6, home=True),
                col("城管动态", "cgdt", "2024-02-27", n=20, every=2, home=True),
                col("通知公告", "tzgg", "2024-02-21", n=8, every=15, home=True),
                col("媒体聚焦", "mtjj", "2024-02-20", n=6, every=8),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                col("规划计划", "ghjh", "2023-10-16", n=4, every=120),
                policy="2024-01-12",
                personnel="2023-11-28",
                budget="2024-02-02",
                report="2024-01-31",
            ),
        ),
        (
            "城市管理",
            (
                col("市容环境", "srhj", "2024-02-15", n=8, every=12),
                col("执法公示", "zfgs", "2024-02-23", n=10, every=8),
            ),
        ),
    ),
    topics=("市容环境整治", "违法建设治理", "城市精细化管理", "垃圾分类", "占道经营整治", "园林绿化"),
    docid_base=7_240_000,
    icp="鄂ICP备05003311号-8",
    gongan="42130202000184",
    phone="0722-3596012",
    address="随州市曾都区季梁大道21号",
)

_SWJ = SiteSpec(
    host="swj.suizhou.gov.cn",
    code="4213000032",
    name="随州市商务局",
    org="市商务局",
    cms="trs",
    ext="shtml",
    row_style="li_cn",
    conac_script=False,
    menus=(
        (
            _NEWS,
            (
                col("图片新闻", "xwzx/tpxw", "2024-02-23", n=10, every=7, home=True),
                col("商务动态", "xwzx/swdt", "2024-02-27", n=18, every=3, home=True),
                col("通知公告", "xwzx/tzgg", "2024-02-26", n=8, every=12, home=True),
                col("县市区动态", "xwzx/xsqdt", "2024-02-22", n=8, every=6),
            ),
        ),
        (
            _OPEN,
            _standard_open(
                col("规划计划", "zwgk/ghjh", "2023-08-25", n=4, every=120),
                policy="2024-02-01",
                personnel="2023-12-12",
                budget="2024-02-05",
                report="2024-01-30",
            ),
        ),
        (
            "商务服务",
            (
                col("外贸外资", "swfw/wmwz", "2024-02-09", n=6, every=25),
                col("消费促进", "swfw/xfcj", "2024-02-19", n=8, every=12),
                col("招商引资", "swfw/zsyz", "2024-01-24", n=6, every=30),
            ),
        ),
    ),
    topics=("外贸稳增长", "消费促进月", "招商引资", "电子商务", "内贸流通", "专用汽车出口"),
    docid_base=2_860_000,
    icp="鄂ICP备05003311号-5",
    gongan="42130202000191",
    phone="0722-3266071",
    address="随州市曾都区解放路32号",
)

_CSV_SPECS = (_SJJ, _JTJ, _YJGLJ, _SFJ, _SCJDGLJ, _ZGSUIXIAN, _DHS, _ZJJ, _GAJ, _TJJ, _CGW, _SWJ)

# The city portal is the "problem" site: two broken homepage links (an internal 404 banner, a 友情链接 to a
# dead host), a deleted article on a list, five blank columns, and one column whose page is gone (404); that
# one is listed only in its section's sidebar and the sitemap, so the homepage has exactly two broken links.
_PORTAL = SiteSpec(
    host="www.suizhou.gov.cn",
    outlinks=PORTAL_OUTLINKS,
    code="4213000001",
    name="随州市人民政府",
    org="随州市",
    cms="trs",
    ext="shtml",
    per_page=20,
    nav_heads="first",
    menus=(
        (
            _NEWS,
            (
                col("随州要闻", "xwzx/szyw", "2024-02-28", n=30, every=1, home=True),
                col("图片新闻", "xwzx/tpxw", "2024-02-27", n=10, every=4, home=True),
                col("部门动态", "xwzx/bmdt", "2024-02-27", n=16, every=2, home=True),
                col("县市区动态", "xwzx/xsqdt", "2024-02-26", n=12, every=3),
                col("通知公告", "xwzx/tzgg", "2024-02-27", n=12, every=5, home=True),
            ),
        ),
        (
            _OPEN,
            (
                col("政府文件", "zwgk/zfwj", "2024-02-09", n=12, every=12, home=True),
                col("政策解读", "zwgk/zcjd", "2024-02-01", n=8, every=15, broken_row=True),
                col("政府公报", "zwgk/zfgb", None),
                col("人事信息", "zwgk/rsxx", "2024-01-22", n=6, every=40),
                col("规划计划", "zwgk/ghjh", "2023-12-25", n=5, every=90),
                col("财政预决算", "zwgk/czyjs", "2024-02-05", n=6, every=120),
                col("数据发布", "zwgk/sjfb", None, missing=True, in_nav=False),
                col("重大项目", "zwgk/zdxm", "2024-01-26", n=6, every=30),
                col("建议提案办理", "zwgk/jytabl", None, blank="empty"),
            ),
        ),
        (
            "民生服务",
            (
                col("教育服务", "msfw/jyfw", "2024-02-19", n=6, every=20),
                col("民生实事", "msfw/mssx", None),
            ),
        ),
        (
            _TOPIC,
            (
                col("优化营商环境", "ztzl/yhyshj", "2024-02-23", n=8, every=10),
                col("公共资源配置", "ztzl/ggzypz", None, blank="empty"),
                col("乡村振兴", "ztzl/xczx", "2024-02-16", n=8, every=12),
                col("创建全国文明城市", "ztzl/cjqgwmcs", None),
            ),
        ),
    ),
    topics=("编钟文化", "专用汽车产业", "香菇产业", "优化营商环境", "乡村振兴", "项目建设"),
    docid_base=9_870_000,
    icp="鄂ICP备05003311号",
    gongan="42130202000101",
    phone="0722-3251000",
    address="随州市曾都区白云大道1号",
    links=tuple((s.name, f"http://{s.host}/") for s in _CSV_SPECS),  # 部门、县市区网站
    dead_links=(
        ("第七次全国人口普查", "http://www.suizhou.gov.cn/ztzl/dqcqgrkpc/"),
        ("随州市老区建设促进会", "http://www.dead-refused.gov.cn/"),
    ),
)


# 随县's department sites on the county's 集约化 platform: one CMS, one backend (see truth.BACKENDS), few
# columns each so that politeness tests can crawl several of them quickly. All clean: every column fresh.
def _county(
    sub: str, code: str, name: str, org: str, news: str, topics: tuple[str, ...], docid_base: int, n: int
) -> SiteSpec:
    return SiteSpec(
        host=f"{sub}.zgsuixian.gov.cn",
        code=code,
        name=name,
        org=org,
        cms="generic",
        menus=(
            (
                _NEWS,
                (
                    col(news, "xwzx/gzdt", "2024-02-26", n=n, every=4, home=True),
                    col("通知公告", "xwzx/tzgg", "2024-02-20", n=4, every=20, home=True),
                ),
            ),
            (
                _OPEN,
                (
                    col("政策文件", "zwgk/zcwj", "2024-01-16", n=3, every=45),
                    col("财政预决算", "zwgk/czyjs", "2024-02-02", n=3, every=150),
                ),
            ),
        ),
        topics=topics,
        docid_base=docid_base,
        icp="鄂ICP备12003457号-1",  # the platform's: one filing covers every site on it
        gongan="42132102000101",
        phone=f"0722-{4210000 + int(code[-2:]):07d}",
        address="随州市随县厉山镇神农大道1号",
        outlinks=(),
    )


_COUNTY_SPECS = (
    _county("jyj", "4213210021", "随县教育局", "县教育局", "教育动态", ("义务教育", "校园安全", "教师队伍建设"), 60_100, 5),
    _county("wjj", "4213210022", "随县卫生健康局", "县卫健局", "卫健动态", ("疫苗接种", "家庭医生签约", "爱国卫生"), 60_200, 6),
    _county("nyj", "4213210023", "随县农业农村局", "县农业农村局", "农业动态", ("春耕备耕", "高标准农田", "香菇产业"), 60_300, 5),
    _county("mzj", "4213210024", "随县民政局", "县民政局", "民政动态", ("社会救助", "养老服务", "婚姻登记"), 60_400, 4),
    _county("rsj", "4213210025", "随县人力资源和社会保障局", "县人社局", "人社动态", ("稳岗就业", "社保扩面", "技能培训"), 60_500, 5),
    _county("hbj", "4213210026", "随县生态环境分局", "县生态环境分局", "环保动态", ("大气污染防治", "河湖长制", "环评审批"), 60_600, 4),
)  # fmt: skip

SPECS = (*_CSV_SPECS, _PORTAL, *_COUNTY_SPECS)
