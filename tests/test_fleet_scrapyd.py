"""govcheck/fleet/scrapyd.py: node URLs with credentials and slots, job ids, and clear errors from
an unreachable, slow or non-JSON node. (The client against a real Scrapyd, sharing that node with the
schedule command: test_cli_fleet.py.)"""

from __future__ import annotations

import http.server
import re
import socket
import threading

import pytest

from govcheck.fleet.scrapyd import ScrapydError, ScrapydNode, job_id, job_round, nodes_from
from tests.scrapyd_node import free_port


def test_node_urls_carry_credentials_and_slots_and_never_show_the_password() -> None:
    node = ScrapydNode.from_url("http://govcheck:s3cr%2Ct@10.0.0.11:6800?slots=4")
    assert (node.url, node.username, node.password, node.slots) == (
        "http://10.0.0.11:6800/",
        "govcheck",
        "s3cr,t",
        4,
    )
    assert str(node) == node.label == "http://govcheck:***@10.0.0.11:6800/"
    assert "s3cr" not in repr(node)
    nodes = nodes_from(" http://a:p@10.0.0.11:6800/ ,http://10.0.0.12:6800/scrapyd/?slots=2,", slots=3)
    assert [(n.label, n.slots) for n in nodes] == [
        ("http://a:***@10.0.0.11:6800/", 3),
        ("http://10.0.0.12:6800/scrapyd/", 2),
    ]
    for bad, reason in [
        ("10.0.0.11:6800", "expected http(s)://"),
        ("http://u:pw@h:6800/?slots=0", "slots must be a whole number ≥ 1"),
        ("http://u:pw@h:6800/?max_proc=4", "only ?slots=N"),
    ]:
        with pytest.raises(ValueError, match=re.escape(reason)) as error:
            ScrapydNode.from_url(bad)
        assert "pw" not in str(error.value)


def test_job_ids_name_their_round() -> None:
    for name in ("2024-Q1", "2024.Q1", "2024年一季度"):
        jobid = job_id(name)
        assert jobid.startswith(f"{name}.") and job_round(jobid) == name
    assert job_round("2024.Q1.deadbeef") == "2024.Q1" != job_round("2024.deadbeef")
    assert job_round("6487ec3a8c5111ef9a2c0242ac120002") is None  # Scrapyd's own uuid1 job ids
    with pytest.raises(ValueError, match="no '/'"):
        job_id("2024/Q1")


def test_unreachable_timeouts_and_non_json_are_clear_errors() -> None:
    refused = ScrapydNode.from_url(f"http://u:pw@127.0.0.1:{free_port()}/")
    with pytest.raises(ScrapydError, match="connection refused"):
        refused.daemonstatus()

    with socket.socket() as silent:  # accepts connections (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(ScrapydError, match=r"no answer within 0.5 s"):
            ScrapydNode.from_url(f"http://u:pw@127.0.0.1:{port}/", timeout=0.5).daemonstatus()

    class Html(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>not scrapyd</html>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ScrapydError, match=r"daemonstatus\.json: not a JSON answer") as error:
            ScrapydNode.from_url(f"http://u:pw@127.0.0.1:{server.server_port}/").daemonstatus()
        assert "pw" not in str(error.value)
    finally:
        server.shutdown()
        server.server_close()
