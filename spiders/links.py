"""A site's links: every target checked once (HEAD, then GET when HEAD says no), soft-404s told from
real pages by each host's not-found fingerprint.

Checks are the least important work of a site's crawl, and the budget must always cut the same ones:
found links wait in the site's queue until its page work has drained, then go out in a stable order
(the homepage's links first, then by page kind, page URL and target URL), in waves that each reserve
what their checks may cost at most; the checks that do not fit are counted as skipped."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from govcheck.extract import (
    is_soft_404,
    not_found_fingerprint,
)
from govcheck.items import LinkCheckItem, LinkItem, PageLinksItem
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

# Not-found states under which a HEAD's 2xx stands: real 404s, or a catch-all host.
UNFINGERPRINTED = ("hard", "catchall")
# The checking order of the pages links are found on (the homepage's first).
PAGE_KINDS = ("homepage", "column", "list_page", "detail")
CHECK_COST = 2  # a HEAD and the GET that may settle it
FINGERPRINT_COST = 2  # a host's not-found answer and its root


@dataclass(frozen=True, slots=True)
class ParkedCheck:
    """A 2xx that waits for its host's not-found answer: a HEAD's status, or what a GET's page said
    (its not-found fingerprint, unless it is the host's root, and whether its text says 页面不存在), so
    the GET is never made twice."""

    target: str
    status: int
    method: str
    fingerprint: str | None = None
    says_not_found: bool = False


class LinkChecker:
    """Checks a site's links: :meth:`check` yields a page's found links (one item) and, once per
    target, its check; :meth:`is_soft_404` tells a 200 that says 页面不存在 (the column handler asks
    it too)."""

    def __init__(self, site: SiteCrawl, options: CrawlOptions, router: Router) -> None:
        self.site = site
        self.options = options
        self.router = router

    def check(self, source_url: str, links: Iterable[tuple[str, str]], *, page_kind: str) -> Iterator[Any]:
        """The links found on ``source_url`` (a page of ``page_kind``), yielded as one item; each
        target not seen yet is queued for its check (refused targets are recorded at once: they cost
        nothing)."""
        site = self.site
        rank = PAGE_KINDS.index(page_kind)
        found = PageLinksItem(source_url=source_url)
        refused: list[LinkCheckItem] = []
        for target, tag in site.capped(list(links), source_url, "links"):
            external = (urlsplit(target).hostname or "") not in site.site_hosts
            found.links.append(
                LinkItem(
                    source_url=source_url,
                    target_url=target,
                    tag=tag,
                    on_homepage=page_kind == "homepage",
                    external=external,
                )
            )
            place = (rank, source_url, target)
            if target in site.link_queue:
                # Found on several pages: checked in the place of the first in the order, whatever
                # order the pages came in.
                site.link_queue[target] = min(site.link_queue[target], place)
                continue
            if target in site.checked_links or target in site.column_urls:
                continue  # each target is checked once; a column fetch reports its own status
            site.checked_links.add(target)
            if refusal := self.options.policy.check_url(target):
                # Never fetched; a link into a private network is evidence for review (internal_link).
                site.stats.inc_value(f"govcheck/links/refused/{refusal.kind}")
                refused.append(
                    LinkCheckItem(url=target, outcome=link_outcome(None, refusal.error), error=refusal.error)
                )
                continue
            site.link_queue[target] = place
        if found.links:
            yield found
        yield from refused

    def release(self) -> Iterator[Request]:
        """The next wave of queued checks, in order, as far as the budget reaches: each reserves its
        HEAD and GET, and the first of a host not fingerprinted yet its host's fingerprint. Called
        when no page work and no link check of the site is in flight, so what the last wave did not
        use is free again. When not even the next check fits, the rest are skipped and counted."""
        site = self.site
        budget = site.budget
        budget.refund()
        queued = sorted((place, target) for target, place in site.link_queue.items())
        site.link_queue.clear()
        learning: set[str] = set()  # hosts whose fingerprint this wave reserves
        released = 0
        for index, (_place, target) in enumerate(queued):
            if target in site.column_urls:
                continue  # found as a column after it was queued: the column fetch tells
            host = urlsplit(target).hostname or ""
            learn = self.options.soft404_check and host not in site.not_found and host not in learning
            if not budget.reserve(CHECK_COST + (FINGERPRINT_COST if learn else 0)):
                if released:
                    # What this wave's checks do not use comes back when they end: the next wave.
                    site.link_queue.update((t, p) for p, t in queued[index:] if t not in site.column_urls)
                else:
                    self._skip([t for _, t in queued[index:] if t not in site.column_urls])
                return
            if learn:
                learning.add(host)
            released += 1
            site.stats.inc_value("govcheck/links/checked")
            budget.draw()
            request = self._link_request(target, "HEAD")
            if (host or "") not in site.site_hosts:
                request.meta[SHARED_CHECK] = True  # the round's cache may answer it (linkcache.py)
            yield request

    def skip_queued(self) -> None:
        """The site's crawl ends with checks still queued (cut short by a close reason, or closed by
        the fleet's safety net): counted as skipped (links checked N of M), never silently lost."""
        site = self.site
        if site.link_queue:
            site.stats.inc_value("govcheck/links/skipped", len(site.link_queue))
            site.link_queue.clear()

    def _skip(self, targets: list[str]) -> None:
        """Checks the budget leaves out: counted (links checked N of M in crawls.health)."""
        if targets:
            self.site.stats.inc_value("govcheck/links/skipped", len(targets))
            self.site.budget.refuse(targets[0], len(targets))

    def _link_request(self, url: str, method: str) -> Request:
        """A check of ``url`` (charged to the budget): the status, a page's text at most."""
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
            yield self._follow_up(target)
            return
        if error is None and 200 <= response.status < 300 and self.options.soft404_check:
            host = urlsplit(response.url).hostname or ""
            state = site.not_found.get(host)
            if response.request.method == "GET" and waf_error(response):
                yield LinkCheckItem(
                    url=target,
                    outcome="inconclusive",
                    status=response.status,
                    error="waf_challenge",
                    method="GET",
                )
                return
            if state is None or state == "pending":
                # The host's not-found answer decides how this 200 is read: learn it first.
                site.parked.setdefault(host, []).append(self._parked(target, response))
                if state is None:
                    yield from self._fingerprint_requests(host, response.url)
                return
            if response.request.method == "HEAD" and state not in UNFINGERPRINTED:
                yield self._follow_up(target)  # a soft-404 host: only the body tells
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

    @staticmethod
    def _parked(target: str, response: Response) -> ParkedCheck:
        if response.request.method == "HEAD" or not isinstance(response, TextResponse):
            return ParkedCheck(target, response.status, response.request.method)
        root = urlsplit(response.url).path in ("", "/")
        return ParkedCheck(
            target,
            response.status,
            "GET",
            fingerprint=None if root else not_found_fingerprint(response.text, response.url),
            says_not_found=is_soft_404(response.text, response.url),
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
        every path with the homepage, where a fingerprint cannot tell anything), as reserved."""
        self.site.not_found[host] = "pending"
        self.site.budget.draw(FINGERPRINT_COST)
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
        for parked in site.parked.pop(host, []):
            if parked.method == "GET":
                yield self._judged(parked, state)
            elif state in UNFINGERPRINTED:
                yield LinkCheckItem(url=parked.target, outcome="ok", status=parked.status, method="HEAD")
            else:
                yield self._follow_up(parked.target)

    def _judged(self, parked: ParkedCheck, state: str) -> LinkCheckItem:
        """A parked GET's page read against its host's not-found answer, as :meth:`is_soft_404` reads it."""
        fingerprinted = state not in UNFINGERPRINTED and parked.fingerprint is not None
        if parked.says_not_found or (fingerprinted and parked.fingerprint == state):
            self.site.stats.inc_value("govcheck/links/soft_404")
            return LinkCheckItem(
                url=parked.target, outcome="broken", status=parked.status, error="soft_404", method="GET"
            )
        return LinkCheckItem(url=parked.target, outcome="ok", status=parked.status, method="GET")

    def _follow_up(self, target: str) -> Request:
        """The GET that settles a HEAD's answer (only a GET may condemn a link or call a soft-404
        host's 200 good), as reserved."""
        self.site.budget.draw()
        return self._link_request(target, "GET")

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        error = self.site.failure_error(failure)
        yield LinkCheckItem(
            url=request.meta["link_target"],
            outcome=link_outcome(None, error),
            error=error,
            method=request.method,
        )
