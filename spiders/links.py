"""A site's links: every target checked once (HEAD, then GET when HEAD says no), soft-404s told from
real pages by each host's not-found fingerprint."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.extract import (
    is_soft_404,
    not_found_fingerprint,
)
from govcheck.items import LinkCheckItem, LinkItem
from govcheck.limits import LINK_CHECK
from govcheck.linkcache import CACHED_CHECK, SHARED_CHECK
from govcheck.politeness import AVAILABILITY_CHECK
from govcheck.spiders.outcomes import (
    NON_REDIRECT_STATUSES,
    link_outcome,
    proxy_error,
    waf_error,
)
from govcheck.spiders.routing import Route, Router
from govcheck.spiders.sitecrawl import CrawlOptions, SiteCrawl

# Not-found states under which a HEAD's 2xx stands: real 404s, a catch-all host, or no budget to learn.
UNFINGERPRINTED = ("hard", "catchall", "unchecked")


class LinkChecker:
    """Checks a site's links: :meth:`check` yields each found link and, once per target, its check;
    :meth:`is_soft_404` tells a 200 that says 页面不存在 (the column handler asks it too)."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router) -> None:
        self.site = site
        self.options = options
        self.router = router

    def check(self, source_url: str, links: Iterable[tuple[str, str]], *, on_homepage: bool) -> Iterator[Any]:
        """The links found on ``source_url``, and a check of every target not checked yet."""
        site = self.site
        for target, tag in site.capped(list(links), source_url, "links"):
            external = (urlsplit(target).hostname or "") not in site.site_hosts
            yield LinkItem(
                source_url=source_url, target_url=target, tag=tag, on_homepage=on_homepage, external=external
            )
            if target in site.checked_links or target in site.column_urls:
                continue  # each target is checked once; a column fetch reports its own status
            site.checked_links.add(target)
            if refusal := self.options.policy.check_url(target):
                # Never fetched; a link into a private network is evidence for review (internal_link).
                site.stats.inc_value(f"govcheck/links/refused/{refusal.kind}")
                yield LinkCheckItem(
                    url=target, outcome=link_outcome(None, refusal.error), error=refusal.error
                )
                continue
            if site.budget.spend(target):
                request = self._link_request(target, "HEAD")
                if external:
                    request.meta[SHARED_CHECK] = True  # the round's cache may answer it (linkcache.py)
                yield request

    def _link_request(self, url: str, method: str) -> Request:
        """A check of ``url`` (already charged to the budget): the status, a page's text at most."""
        return self.router.request(
            url,
            Route.LINK,
            method=method,
            dont_filter=True,
            meta={
                "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                **AVAILABILITY_CHECK,
                "link_target": url,
                LINK_CHECK: True,
            },
        )

    def checked(self, response: Response) -> Iterator[Any]:
        """A check's answer: a HEAD's doubt settled by a GET, a 200 read against its host's not-found
        answer (learnt first), else the status as it stands."""
        site = self.site
        target = response.meta["link_target"]
        if (cached := response.meta.get(CACHED_CHECK)) is not None:
            # Answered without a fetch: the round's cache, or a 304 keeping the previous check (revalidate.py).
            site.stats.inc_value("govcheck/links/cached")
            yield cached.item(target)
            return
        error = proxy_error(response)
        if response.request.method == "HEAD" and (error is not None or response.status >= 400):
            # Many servers answer HEAD badly; only a GET can condemn a link.
            yield self._follow_up(target, response.status if error is None else None)
            return
        if error is None and 200 <= response.status < 300 and self.options.soft404_check:
            host = urlsplit(response.url).hostname or ""
            state = site.not_found.get(host)
            if state is None and not site.budget.spend(response.url, count=2):
                site.not_found[host] = "unchecked"  # no budget left to learn the host's not-found answer
                state = "unchecked"
            if state is None or state == "pending":
                # The host's not-found answer decides how this 200 is read: learn it first.
                site.parked.setdefault(host, []).append((target, response.status))
                if state is None:
                    yield from self._fingerprint_requests(host, response.url)
                return
            if response.request.method == "HEAD" and state not in UNFINGERPRINTED:
                yield self._follow_up(target, response.status)  # a soft-404 host: only the body tells
                return
            if response.request.method == "GET" and waf_error(response):
                yield LinkCheckItem(
                    url=target,
                    outcome="inconclusive",
                    status=response.status,
                    error="waf_challenge",
                    method="GET",
                )
                return
            if response.request.method == "GET" and self.is_soft_404(response):
                site.stats.inc_value("govcheck/links/soft_404")
                yield LinkCheckItem(
                    url=target, outcome="broken", status=response.status, error="soft_404", method="GET"
                )
                return
        yield LinkCheckItem(
            url=target,
            outcome=link_outcome(None if error else response.status, error),
            status=None if error else response.status,
            error=error,
            method=response.request.method,
        )

    def is_soft_404(self, response: Response) -> bool:
        """A page that says it is not there: its host's not-found fingerprint, or its text."""
        if not isinstance(response, TextResponse):
            return False
        host = urlsplit(response.url).hostname or ""
        state = self.site.not_found.get(host)
        path = urlsplit(response.url).path
        fingerprinted = state not in (None, "pending", *UNFINGERPRINTED) and path not in ("", "/")
        if fingerprinted and not_found_fingerprint(response.text, response.url) == state:
            return True
        return is_soft_404(response.text, response.url)

    def _fingerprint_requests(self, host: str, seen_url: str) -> Iterator[Request]:
        """A random path on the host (its not-found answer) and its root (to spot hosts that answer
        every path with the homepage, where a fingerprint cannot tell anything); both already charged."""
        self.site.not_found[host] = "pending"
        scheme = urlsplit(seen_url).scheme or "http"
        for kind, path in (("missing", f"/govcheck-{secrets.token_hex(6)}.html"), ("root", "/")):
            yield self.router.request(
                f"{scheme}://{host}{path}",
                Route.FINGERPRINT,
                dont_filter=True,
                meta={
                    "handle_httpstatus_list": NON_REDIRECT_STATUSES,
                    **AVAILABILITY_CHECK,
                    "dont_retry": True,
                    "nf_host": host,
                    "nf_kind": kind,
                },
            )

    def fingerprinted(self, response: Response) -> Iterator[Any]:
        """A host's not-found answer or its root: once both are in, the host's parked links go on."""
        host, kind = response.meta["nf_host"], response.meta["nf_kind"]
        text = response.text if isinstance(response, TextResponse) else ""
        answers = self.site.not_found_answers.setdefault(host, {})
        answers[kind] = (response.status, not_found_fingerprint(text, response.url) if text else "")
        if len(answers) == 2:
            (status, missing), (_root_status, root) = answers["missing"], answers["root"]
            if not 200 <= status < 300 or not missing:
                state = "hard"
            elif missing == root:
                state = "catchall"
            else:
                state = missing
            yield from self._release(host, state)

    def fingerprint_failed(self, failure: Failure) -> Iterator[Any]:
        self.site.failure_error(failure)  # a limit it ran into is recorded
        yield from self._release(failure.request.meta["nf_host"], "hard")

    def _release(self, host: str, state: str) -> Iterator[Any]:
        site = self.site
        if site.not_found.get(host) not in (None, "pending"):
            return
        site.not_found[host] = state
        site.stats.inc_value(
            f"govcheck/links/not_found_fingerprint/{state if state in ('hard', 'catchall') else 'soft'}"
        )
        for target, status in site.parked.pop(host, []):
            if state in UNFINGERPRINTED:
                yield LinkCheckItem(url=target, outcome="ok", status=status, method="HEAD")
            else:
                yield self._follow_up(target, status)

    def _follow_up(self, target: str, head_status: int | None) -> Request | LinkCheckItem:
        """The GET that settles a HEAD's answer, or, with the budget spent, the HEAD's answer left
        inconclusive (only a GET may condemn a link or call a soft-404 host's 200 good)."""
        if self.site.budget.spend(target):
            return self._link_request(target, "GET")
        return LinkCheckItem(
            url=target, outcome="inconclusive", status=head_status, error="budget", method="HEAD"
        )

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        error = self.site.failure_error(failure)
        yield LinkCheckItem(
            url=request.meta["link_target"],
            outcome=link_outcome(None, error),
            error=error,
            method=request.method,
        )
