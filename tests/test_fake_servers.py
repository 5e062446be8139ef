"""The local fakes' HTTP server (tests/fakes/local_http.py): a client hanging up mid-answer prints nothing.

Once, a fake's thread printed such a hang-up (left by another test's client timing out) into the output of a CLI
command another test was reading, and that test failed."""

from __future__ import annotations

import socket
import time

from tests.fakes.local_http import FakeHandler, LocalServer

REPORT = "Exception occurred during processing of request"  # how socketserver reports a handler's error


class _Slow(FakeHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/broken":
            raise ValueError("a fake's own bug")
        time.sleep(0.2)  # the client has given up by now
        for _ in range(50):
            self.send_body(200, b"x" * 65536, "text/plain")


def _hang_up(server: LocalServer, path: str) -> None:
    with socket.create_connection(("127.0.0.1", int(server.base.rsplit(":", 1)[1])), timeout=1) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.05)


def test_a_client_hanging_up_mid_answer_prints_nothing_and_a_fake_s_bug_still_does(capfd):
    server = LocalServer(_Slow)
    try:
        _hang_up(server, "/slow")
        time.sleep(0.6)
        assert REPORT not in capfd.readouterr().err  # other tests' threads may log meanwhile: look for ours only
        _hang_up(server, "/broken")
        time.sleep(0.3)
        err = capfd.readouterr().err
        assert REPORT in err and "a fake's own bug" in err
    finally:
        server.close()
