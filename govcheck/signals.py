"""govcheck's own crawl signals: one site lifecycle, whether a job crawls one site or a fleet of them.

Every site's crawl sends, in this order (each with the site's :class:`govcheck.context.CrawlContext`):

``site_opened(context)``
    The crawl begins: pipelines set up their per-site state (the storage pipeline opens a crawl
    attempt, the date pipeline pins a normalizer to ``context.reference_at``).
``site_closed(context, stats, reason)``
    Its last callback has ended. ``stats`` are the site's counters (a one-site crawl's: the whole
    crawl's stats); ``reason`` is ``finished`` for a fleet site that drained, the spider's close reason
    for a one-site crawl, ``interrupted`` for a fleet site cut short and given back to its round.
``site_stored(context, reason, spooled)``
    The storage pipeline has written the site whole and finished its crawl row (status ``finished``
    for a complete reason, else ``interrupted``). ``spooled`` is true when the database did not take
    it all (the items wait in the spool, or were lost and counted): such a crawl is not evaluated.
"""

from __future__ import annotations

site_opened = object()
site_closed = object()
site_stored = object()

# Close reasons after which a crawl saw what it was meant to see: its attempt is finished and evaluated.
COMPLETE_REASONS = frozenset(
    {"finished", "closespider_timeout", "closespider_pagecount", "closespider_itemcount"}
)
