"""The framework's ceiling: a plain Scrapy CrawlSpider that follows every link of the big farm's sites
and parses nothing. bench/crawl.py runs it with ``scrapy runspider`` outside govcheck's project (no
pipelines, no middlewares of ours), politeness off, as many processes as govcheck's ``--jobs``."""

from __future__ import annotations

from typing import Any

from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class PlainSpider(CrawlSpider):
    name = "plain"

    def __init__(self, hosts: str = "", domain: str = "bigfarm.gov.cn", **kwargs: Any) -> None:
        self.start_urls = [f"http://{host}/" for host in hosts.split(",") if host]
        self.allowed_domains = [domain]
        # Set before CrawlSpider.__init__, which compiles the rules.
        self.rules = (Rule(LinkExtractor(allow_domains=[domain]), follow=True),)
        super().__init__(**kwargs)
