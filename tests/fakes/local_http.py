"""What the local fakes of outside HTTP services share: a quiet JSON-speaking handler and a server on 127.0.0.1."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHandler(BaseHTTPRequestHandler):
    """A request handler that answers bodies and JSON and keeps the test output clean."""

    def send_body(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, status: int, payload: object) -> None:
        self.send_body(status, json.dumps(payload).encode(), "application/json")

    def log_message(self, *args) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that does not print a client's hang-up to stderr.

    A test whose client gives up on a slow answer (a timeout under test) leaves the handler writing to a closed
    socket; socketserver then prints the traceback to sys.stderr, from the server's thread, into whatever captures
    stderr at that moment (once: the output of another test's CLI command). Other errors are printed as before."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class LocalServer:
    """Serve a handler class on a free port of 127.0.0.1 in a daemon thread until close()."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = QuietServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
