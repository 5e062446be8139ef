"""The suite never reaches outside this machine: a test that connects elsewhere fails (tests/conftest.py)."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.conftest import _is_local


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "::1", "[::1]", "::ffff:127.0.0.1", "localhost",
                                  "LOCALHOST.", b"127.0.0.1", None, "", "0.0.0.0"])
def test_this_machine_is_local(host):
    assert _is_local(host)


@pytest.mark.parametrize("host", ["example.com", "8.8.8.8", "10.0.0.1", "192.168.1.1", "2001:db8::1",
                                  "webservicesp.anaf.ro", "localhost.example.com"])
def test_anything_else_is_outside(host):
    assert not _is_local(host)


def test_connecting_outside_is_refused_and_recorded(_only_local_network):
    with socket.socket() as sock, pytest.raises(OSError, match="reaches only 127.0.0.1"):
        sock.connect(("192.0.2.1", 443))
    with socket.socket() as sock:
        assert sock.connect_ex(("192.0.2.1", 443)) != 0
    with pytest.raises(httpx.ConnectError):
        httpx.get("https://example.com/", timeout=1)
    assert _only_local_network == ["192.0.2.1:443", "192.0.2.1:443", "example.com"]
    _only_local_network.clear()  # what the guard would fail this test for, checked above


def test_local_servers_and_unix_sockets_are_fine(_only_local_network, tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        for host in ("127.0.0.1", "localhost"):
            socket.create_connection((host, server.getsockname()[1]), timeout=1).close()
    with socket.socket(socket.AF_UNIX) as unix, pytest.raises(FileNotFoundError):
        unix.connect(str(tmp_path / "nothing.sock"))
    assert _only_local_network == []

