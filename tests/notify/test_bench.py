"""bench/outbox.py runs end to end (small): worker processes, the fake provider over HTTP, no duplicates."""

import pytest

from bench.outbox import run

pytestmark = pytest.mark.slow

def test_bench_delivers_every_message_once_through_parallel_workers(app, engine_name, database_url):
    if engine_name != "postgres":
        pytest.skip("the outbox bench is defined on PostgreSQL (FOR UPDATE SKIP LOCKED)")
    result = run(database_url, workers=2, messages=300)
    assert result["no_duplicates"], result
    assert result["provider_requests"] == result["provider_unique"] == result["sent"] == 300
    assert sum(result["handled_per_worker"]) == 300
    assert result["msgs_per_s"] > 0
