"""A local stand-in for BNR's reference-rate feed (https://www.bnr.ro/nbrfxrates.xml), for tests.

It serves the feed's documented format: a DataSet (namespace http://www.bnr.ro/xsd) with a Header
and one Cube per publication day holding Rate elements (with `multiplier` for HUF, JPY, KRW), and
can answer as BNR does when it is in trouble: an HTTP error, an HTML error page, or no answer in time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler

from tests.fakes.local_http import QuietServer


def feed(days: dict[dt.date, str], published: dt.date | None = None) -> bytes:
    """Return a feed document: for each day its EUR rate, plus a couple of other currencies."""
    published = published or max(days)
    cubes = "".join(
        f'<Cube date="{day.isoformat()}"><Rate currency="AED">1.2000</Rate><Rate currency="EUR">{eur}</Rate>'
        f'<Rate currency="HUF" multiplier="100">1.3200</Rate><Rate currency="USD">4.4000</Rate></Cube>'
        for day, eur in sorted(days.items()))
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<DataSet xmlns="http://www.bnr.ro/xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.bnr.ro/xsd nbrfxrates.xsd">'
        f'<Header><Publisher>National Bank of Romania</Publisher><PublishingDate>{published.isoformat()}'
        '</PublishingDate><MessageType>DR</MessageType></Header>'
        f'<Body><Subject>Reference rates</Subject><OrigCurrency>RON</OrigCurrency>{cubes}</Body></DataSet>'
    ).encode()


class FakeBnr:
    """Serve `body` at /nbrfxrates.xml; set `status`, `body` or `delay` to misbehave."""

    def __init__(self) -> None:
        self.status, self.body, self.delay, self.requests = 200, feed({dt.date(2026, 5, 29): "5.0917"}), 0.0, 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                fake.requests += 1
                if fake.delay:
                    time.sleep(fake.delay)
                if self.path.split("?")[0] != "/nbrfxrates.xml":
                    self.send_response(404)
                    self.end_headers()
                    return
                ctype = "text/xml" if fake.status == 200 else "text/html"
                self.send_response(fake.status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/nbrfxrates.xml"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
