"""Secrets are never printed: one function hides the passwords in URLs wherever text is shown.

Used for every setting ``govcheck settings`` lists, every error and log line of the CLI, start-up
banners and Scrapyd node labels: a database URL, REDIS_URL and GOVCHECK_SCRAPYD_NODES carry their
passwords in the userinfo (``scheme://user:PASSWORD@host``) or, for redis-py and libpq, in the query.
"""

from __future__ import annotations

import logging
import re

MASK = "***"
# scheme://user:password@host — the password ends at the '@' that is followed by a host (a password
# may itself hold '@'); several URLs in one text (a comma-separated node list) are masked one by one.
_USERINFO = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@,]*):(?P<password>\S*?)@(?=[^\s@/?#,]*(?:[/?#,\s]|$))",
    re.IGNORECASE,
)
_QUERY = re.compile(r"(?P<head>[?&](?:password|passwd|pwd|secret|token)=)[^&\s#,]+", re.IGNORECASE)


def masked(text: object) -> str:
    """``text`` (a URL, a list of URLs, a message) with every password in a URL replaced by ***."""
    shown = _USERINFO.sub(rf"\g<head>:{MASK}@", str(text))
    return _QUERY.sub(rf"\g<head>{MASK}", shown)


class MaskingFormatter(logging.Formatter):
    """A log formatter that passes every formatted record, traceback included, through :func:`masked`."""

    def format(self, record: logging.LogRecord) -> str:
        return masked(super().format(record))
