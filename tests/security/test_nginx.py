"""The nginx examples under deploy/ never log a mail-login token (docs/security.md item 11; README, Production step 5).

nginx is not installed here, so the configuration files are read: a small parser turns them into blocks
of directives, and every server block is checked for what nginx would write to its access and error logs.
"""

from __future__ import annotations

import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(p for p in glob.glob(os.path.join(ROOT, "deploy", "**", "*.conf"), recursive=True)
                 if re.search(r"^\s*server\s*\{", open(p, encoding="utf-8").read(), re.M))
# Variables that hold the URL as requested (path with the token, query string) or the referrer.
LEAKY = ("$request", "$request_uri", "$uri", "$args", "$query_string", "$http_referer", "$document_uri")
TOKEN_PATH = "/m/eyJhbGciOiJIUzI1NiJ9.payload.signature"


def _tokens(text: str) -> list[str]:
    text = re.sub(r"#[^\n]*", "", text)
    return re.findall(r"'[^']*'|\"[^\"]*\"|[{};]|[^\s{};]+", text)


def parse(text: str) -> list:
    """Return [(name, args, children or None)] for the directives of an nginx configuration."""
    def block(tokens, i):
        items, words = [], []
        while i < len(tokens):
            tok = tokens[i]
            if tok == ";":
                items.append((words[0], words[1:], None))
                words = []
            elif tok == "{":
                children, i = block(tokens, i + 1)
                items.append((words[0], words[1:], children))
                words = []
            elif tok == "}":
                return items, i
            else:
                words.append(tok.strip("'\""))
            i += 1
        return items, i
    return block(_tokens(text), 0)[0]


def _all(items, name):
    return [item for item in items if item[0] == name]


def _log_formats(items) -> dict[str, str]:
    return {args[0]: " ".join(args[1:]) for _, args, _ in _all(items, "log_format")}


def _matches_token_path(location_args) -> bool:
    if location_args[0] in ("=", "^~"):
        return TOKEN_PATH.startswith(location_args[1]) if location_args[0] == "^~" else TOKEN_PATH == location_args[1]
    if location_args[0] in ("~", "~*"):
        return re.search(location_args[1], TOKEN_PATH, re.I if location_args[0] == "~*" else 0) is not None
    return TOKEN_PATH.startswith(location_args[0])


def _location_for_token(server):
    """The location nginx picks for /m/<token> (longest prefix; a regex would win, none is used here)."""
    candidates = [(args, children) for _, args, children in _all(server, "location") if _matches_token_path(args)]
    assert candidates, "no location serves /m/"
    return max(candidates, key=lambda c: len(c[0][-1]))


def _servers():
    for path in CONFIGS:
        with open(path, encoding="utf-8") as fh:
            top = parse(fh.read())
        for _, _, server in _all(top, "server"):
            yield os.path.relpath(path, ROOT), top, server


def _ports(server) -> set[str]:
    return {args[0].rsplit(":", 1)[-1].strip("[]") for _, args, _ in _all(server, "listen")}


SERVERS = list(_servers())
IDS = [f"{path}:{'+'.join(sorted(_ports(server)))}" for path, _, server in SERVERS]
PLAIN_HTTP = [(path, server) for path, _, server in SERVERS if "80" in _ports(server)]


def test_there_is_an_nginx_example_with_both_server_blocks():
    assert {"80", "443"} <= {port for _, _, server in SERVERS for port in _ports(server)}


@pytest.mark.parametrize("path,top,server", SERVERS, ids=IDS)
def test_every_server_block_writes_an_access_log_without_tokens_or_queries(path, top, server):
    formats = _log_formats(top)
    logs = _all(server, "access_log")
    assert logs, f"{path}: a server block without access_log writes nginx's combined format ($request)"
    for _, args, _ in logs + _all(_location_for_token(server)[1], "access_log"):
        if args == ["off"]:
            continue
        assert len(args) >= 2 and args[1] in formats, f"{path}: access_log {args} uses nginx's combined format"
        fmt = formats[args[1]]
        leaks = [v for v in LEAKY if re.search(re.escape(v) + r"(?![\w])", fmt)]
        assert not leaks, f"{path}: log_format {args[1]} prints {leaks}"
    assert "$uri_redacted" in " ".join(formats.values())


@pytest.mark.parametrize("path,top,server", SERVERS, ids=IDS)
def test_requests_under_m_write_no_error_log_lines(path, top, server):
    """nginx's error log prints the request line and cannot be formatted: /m/ must not log errors."""
    _, location = _location_for_token(server)
    error_logs = _all(location, "error_log")
    assert error_logs, f"{path}: errors of /m/ requests go to the server's error log with the token"
    for _, args, _ in error_logs:
        assert args[0] == "/dev/null", f"{path}: /m/ errors are written to {args[0]}"


@pytest.mark.parametrize("path,server", PLAIN_HTTP, ids=[p for p, _ in PLAIN_HTTP])
def test_a_token_sent_over_plain_http_is_not_carried_on(path, server):
    _, location = _location_for_token(server)
    [(_, args, _)] = _all(location, "return")
    assert not any(v in " ".join(args) for v in ("$request_uri", "$uri", "$args")), args
    assert args[-1].startswith("https://")


def test_the_parser_sees_what_nginx_sees():
    top = parse("map $uri $x { ~^/m/ a; default b; }\nserver { listen 80; location / { return 301 'https://h'; } }")
    [(_, _, server)] = _all(top, "server")
    assert _all(server, "listen")[0][1] == ["80"]
    assert _location_for_token(server)[1][0] == ("return", ["301", "https://h"], None)
