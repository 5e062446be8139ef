"""docs/security.md item 1: the login is rate limited per IP, in memory or in Redis when configured.

Wrong passwords for one account are delayed per account and client together (test_login_delay.py); the 2FA
step and mail-link limits are in test_rate_limits_guessing.py.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid

import pytest

from hostico.web.app import create_app
from tests.factories import PASSWORD


def _post_login(client, email, password, token, ip="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})


def test_login_attempts_from_one_ip_are_limited_across_accounts(client, make):
    token = client.csrf_token()
    codes = [_post_login(client, f"nobody{i}@example.com", "wrong", token).status_code for i in range(25)]
    assert 429 in codes, codes
    assert codes.index(429) <= 20
    # Another address is not affected.
    assert _post_login(client, "someone@example.com", "wrong", token, ip="10.9.9.9").status_code == 401


def test_a_limited_login_shows_a_page_not_a_crash(client, make):
    token = client.csrf_token()
    for i in range(25):
        resp = _post_login(client, f"x{i}@example.com", "wrong", token)
    assert resp.status_code == 429
    assert "text/html" in resp.content_type and resp.get_data(as_text=True).strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_answers(host: str, port: int) -> bool:
    try:
        import redis

        return bool(redis.Redis(host=host, port=port, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(scope="session")
def redis_url():
    """Redis database 15 on 127.0.0.1:6379, or a private redis-server started for the session."""
    if _redis_answers("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/15"
        return
    server = shutil.which("redis-server")
    if not server:
        pytest.fail("Redis is needed for the rate-limit storage test: apt-get install redis-server")
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        if _redis_answers("127.0.0.1", port):
            break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/15"
    proc.terminate()
    proc.wait(10)


def test_login_attempts_are_counted_in_redis_when_configured(test_config, redis_url, make, monkeypatch):
    import redis

    prefix = "hostico-test-" + uuid.uuid4().hex[:8]
    monkeypatch.setenv("HOSTICO_RATELIMIT_STORAGE_URL", redis_url)
    config = {k: v for k, v in test_config.items() if k != "RATELIMIT_STORAGE_URL"}
    config["RATELIMIT_KEY_PREFIX"] = prefix
    app = create_app(config)
    from tests.conftest import CSRFClient

    app.test_client_class = CSRFClient
    store = redis.Redis.from_url(redis_url)
    try:
        assert app.config["RATELIMIT_STORAGE_URI"] == redis_url
        c = make.make_customer()
        client = app.test_client()
        token = client.csrf_token()
        codes = [_post_login(client, f"nobody{i}@example.com", "wrong", token).status_code for i in range(21)]
        assert codes[-1] == 429, codes
        keys = [k.decode() for k in store.scan_iter(match=f"*{prefix}*")]
        assert any("10.0.0.1" in k for k in keys), keys  # the per-client counter lives in Redis
        # A second app (another gunicorn worker) shares the count: the client stays limited.
        other = create_app(config)
        other.test_client_class = CSRFClient
        other_client = other.test_client()
        assert _post_login(other_client, c.email, PASSWORD, other_client.csrf_token()).status_code == 429
    finally:
        for key in store.scan_iter(match=f"*{prefix}*"):  # only this test's keys: other runs may share db 15
            store.delete(key)


def test_login_still_works_and_is_limited_while_redis_is_down(test_config):
    config = dict(test_config, RATELIMIT_STORAGE_URL=f"redis://127.0.0.1:{_free_port()}/0")
    app = create_app(config)
    from tests.conftest import CSRFClient

    app.test_client_class = CSRFClient
    client = app.test_client()
    token = client.csrf_token()
    codes = [_post_login(client, f"nobody{i}@example.com", "wrong", token).status_code for i in range(21)]
    assert codes[0] == 401 and codes[-1] == 429, codes  # counted in memory meanwhile
