"""A small client of Scrapyd 1.6's JSON API (daemonstatus, listjobs, schedule) over urllib.

A node is named by a URL with its basic-auth credentials in the userinfo and, optionally, its
capacity: ``http://govcheck:PASS@10.0.0.11:6800/?slots=4``. Scrapyd 1.6 reports running, pending
and finished jobs but not its ``max_proc`` (no endpoint exposes it), so the slots are declared
here; free slots = slots − running − pending, counted over the whole node. The password never
appears in a message or a repr.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from govcheck.masking import masked

DEFAULT_SLOTS = 1  # a fleet job already crawls GOVCHECK_FLEET_SITES sites at once
DEFAULT_TIMEOUT = 30.0
JOB_TAG = re.compile(r"[0-9a-f]{8}")
PROJECT = "govcheck"  # the Scrapyd project `make deploy` uploads
RESERVED_ARGS = {"project", "spider", "jobid", "_version", "priority", "setting"}


class ScrapydError(Exception):
    """A node could not be used: unreachable, wrong credentials, or an error answer."""

    def __init__(self, node: str, message: str) -> None:
        super().__init__(f"{node}: {message}")
        self.node = node
        self.message = message


@dataclass(frozen=True, slots=True)
class DaemonStatus:
    running: int
    pending: int
    finished: int
    node_name: str


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    spider: str
    start_time: str | None = None
    end_time: str | None = None


@dataclass(frozen=True, slots=True)
class Jobs:
    pending: list[Job]
    running: list[Job]
    finished: list[Job]


@dataclass(frozen=True, slots=True)
class ScrapydNode:
    url: str  # scheme://host:port/path/ without credentials or query
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    slots: int = DEFAULT_SLOTS
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_url(
        cls, value: str, *, slots: int = DEFAULT_SLOTS, timeout: float = DEFAULT_TIMEOUT
    ) -> ScrapydNode:
        """``http://user:pass@host:port/[?slots=N]``; ``slots`` is the default when the URL has none."""
        parts = urllib.parse.urlsplit(value.strip())
        shown = masked(parts.geturl())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Scrapyd node: expected http(s)://user:pass@host:port/, got {shown!r}")
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if set(query) - {"slots"}:
            raise ValueError(f"Scrapyd node {shown}: only ?slots=N may follow the URL")
        if "slots" in query:
            try:
                slots = int(query["slots"][-1])
            except ValueError:
                slots = 0
            if slots < 1:
                raise ValueError(f"Scrapyd node {shown}: slots must be a whole number ≥ 1")
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError as exc:
            raise ValueError(f"Scrapyd node {shown}: bad port") from exc
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return cls(
            url=f"{parts.scheme}://{host}{port}{path}",
            username=urllib.parse.unquote(parts.username) if parts.username is not None else None,
            password=urllib.parse.unquote(parts.password) if parts.password is not None else None,
            slots=slots,
            timeout=timeout,
        )

    @property
    def label(self) -> str:
        """The URL as shown in messages: the user name, never the password."""
        if self.username is None:
            return self.url
        scheme, rest = self.url.split("://", 1)
        secret = ":***" if self.password is not None else ""
        return f"{scheme}://{urllib.parse.quote(self.username, safe='')}{secret}@{rest}"

    def __str__(self) -> str:
        return self.label

    # -- the API ------------------------------------------------------------------------------

    def daemonstatus(self) -> DaemonStatus:
        data = self._call("daemonstatus.json")
        try:
            return DaemonStatus(
                running=int(data["running"]),
                pending=int(data["pending"]),
                finished=int(data["finished"]),
                node_name=str(data.get("node_name", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScrapydError(self.label, f"daemonstatus.json: unexpected answer {data!r}") from exc

    def listjobs(self, project: str) -> Jobs:
        data = self._call("listjobs.json", query={"project": project})
        try:
            return Jobs(*([_job(j) for j in data[state]] for state in ("pending", "running", "finished")))
        except (KeyError, TypeError) as exc:
            raise ScrapydError(self.label, f"listjobs.json: unexpected answer {data!r}") from exc

    def schedule(
        self,
        project: str,
        spider: str,
        args: dict[str, str],
        *,
        jobid: str,
        settings: dict[str, str] | None = None,
    ) -> str:
        """Start ``spider`` with ``-a key=value`` for each of ``args`` and ``-s KEY=VALUE`` for each of
        ``settings``; returns the job id."""
        clash = RESERVED_ARGS & set(args)
        if clash:
            raise ValueError(f"spider arguments {sorted(clash)} would be read by Scrapyd itself")
        fields = [("project", project), ("spider", spider), ("jobid", jobid), *args.items()]
        fields += [("setting", f"{key}={value}") for key, value in (settings or {}).items()]
        data = self._call("schedule.json", data=fields)
        return str(data.get("jobid", jobid))

    def free_slots(self, status: DaemonStatus) -> int:
        """Slots not taken by this node's running or pending jobs (of any project)."""
        return max(0, self.slots - status.running - status.pending)

    # -- transport ----------------------------------------------------------------------------

    def _call(
        self,
        endpoint: str,
        *,
        query: dict[str, str] | None = None,
        data: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:
        url = self.url + endpoint + (f"?{urllib.parse.urlencode(query)}" if query else "")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        if self.username is not None:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        # Nodes are on a private network: never through the environment's http_proxy.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 401:
                raise ScrapydError(self.label, "wrong user name or password (HTTP 401)") from None
            raise ScrapydError(self.label, f"{endpoint}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise ScrapydError(self.label, _unreachable(exc.reason, self.timeout)) from None
        except (OSError, http.client.HTTPException) as exc:  # a timeout or a dropped connection
            raise ScrapydError(self.label, _unreachable(exc, self.timeout)) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            snippet = raw[:120].decode("utf-8", "replace")
            raise ScrapydError(
                self.label, f"{endpoint}: not a JSON answer (a Scrapyd node?): {snippet!r}"
            ) from None
        if not isinstance(answer, dict):
            raise ScrapydError(self.label, f"{endpoint}: not a JSON object: {answer!r}")
        # Scrapyd answers errors with HTTP 200 and {"status": "error", "message": …}.
        if answer.get("status") != "ok":
            message = answer.get("message") or repr(answer)
            raise ScrapydError(self.label, f"{endpoint}: {message}")
        return answer


def job_id(round_name: str) -> str:
    """A Scrapyd job id ``<round>.<8 hex>`` that tells the round's jobs apart (see job_round).

    Scrapyd 1.6 accepts any jobid but names the job's log ``<logs_dir>/<project>/<spider>/<jobid>.log``
    (Twisted's ``FilePath.child``: no path separator); a file name holds at most 255 bytes.
    """
    if any(c in round_name for c in "/\\\0") or len(round_name.encode()) > 200:
        raise ValueError(
            f"round {round_name!r}: a Scrapyd job id carries it in a file name (no '/' or '\\', ≤ 200 bytes)"
        )
    return f"{round_name}.{secrets.token_hex(4)}"


def job_round(jobid: str) -> str | None:
    """The round a job id made by job_id belongs to (None for any other job)."""
    name, _, tag = jobid.rpartition(".")
    return name if name and JOB_TAG.fullmatch(tag) else None


def nodes_from(value: str, *, slots: int = DEFAULT_SLOTS) -> list[ScrapydNode]:
    """Nodes from a comma-separated list of node URLs (a comma in a password must be written %2C)."""
    return [ScrapydNode.from_url(item, slots=slots) for item in value.split(",") if item.strip()]


def _job(entry: dict[str, Any]) -> Job:
    return Job(
        id=str(entry["id"]),
        spider=str(entry.get("spider", "")),
        start_time=entry.get("start_time"),
        end_time=entry.get("end_time"),
    )


def _unreachable(reason: object, timeout: float) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is Scrapyd running there?)"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason})"
    return f"cannot connect: {reason}"
