"""govcheck/extract/footer.py: the footer items (标识码, ICP and police records, 党政机关 mark, 纠错) and
suspicious links found in raw homepage HTML."""

from __future__ import annotations

from govcheck.extract.footer import footer_facts
from tests.helpers import GOOD_FOOTER, facts


def test_footer_facts_find_every_item() -> None:
    found = facts(GOOD_FOOTER)
    assert found["site_code"] == "4213000045"
    assert found["icp"] == "鄂ICP备05003310号-1"
    assert found["police_record"].startswith("鄂公网安备")
    assert found["party_gov_mark"].startswith("https://dcs.conac.cn/")
    assert found["channels"] == [{"text": "互动交流", "url": "http://sjj.suizhou.gov.cn/hdjl/"}]
    assert found["suspicious_links"] == []


def test_meta_tags_and_script_attributes_do_not_count() -> None:
    html = """<html><head><meta name="SiteIDCode" content="4213000045"></head><body>
    <script id="_jiucuo_" sitecode="4213000045" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>
    <script>var icp = "鄂ICP备05003310号";</script><p>版权所有</p></body></html>"""
    found = facts(html)
    assert (found["site_code"], found["icp"], found["police_record"], found["party_gov_mark"]) == (
        None,
        None,
        None,
        None,
    )


def test_footer_alternatives_badge_link_jiucuo_link_and_police_link() -> None:
    html = """<body><a href="http://bszs.conac.cn/sitename?method=show&id=1"><img src="x.png"></a>
    <a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=bm07000001&url=x">我为政府网站找错</a>
    <a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502030143">备案</a></body>"""
    found = facts(html)
    assert found["party_gov_mark"].startswith("http://bszs.conac.cn/")
    assert found["site_code"] == "bm07000001"
    assert "11010502030143" in found["police_record"]


def test_hidden_gambling_links_and_link_farms_are_suspicious() -> None:
    farm = "".join(f'<a href="http://spam{i}.example.com/">友情{i}</a>' for i in range(5))
    html = f"""<body><div style="display:none"><a href="http://www.casino-royal.com/">娱乐</a></div>
    <div style="position:absolute;left:-9999px">{farm}</div>
    <a href="http://www.weibo.com/suizhou">官方微博</a>
    <div style="display:none"><a href="http://share.example.com/">分享</a></div></body>"""
    found = facts(html)
    reasons = [(link["url"], link["reason"]) for link in found["suspicious_links"]]
    assert reasons[0] == ("http://www.casino-royal.com/", "host:casino")
    assert [r for _, r in reasons[1:]] == ["hidden_link_farm"] * 5  # one hidden share link is fine
    assert all(link["hidden"] for link in found["suspicious_links"])


def test_farm_homepages_show_every_footer_item_and_nothing_suspicious() -> None:
    from tests.farm.builder import build_all

    for host, site in build_all().items():
        page = site.get("/", {})
        charset = "gb18030" if site.spec.charset.lower() in {"gbk", "gb2312"} else site.spec.charset
        found = footer_facts(page.body.decode(charset), f"http://{host}/")
        assert all(found[item] for item in ("party_gov_mark", "site_code", "icp", "police_record")), host
        assert found["site_code"] == site.spec.code and found["suspicious_links"] == [], host
