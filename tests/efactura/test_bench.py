"""The e-Factura bench row measures real work: every document valid, every one taken to `ok`."""

import pytest

from bench.efactura import run

pytestmark = pytest.mark.slow


def test_bench_generates_valid_documents_and_takes_each_to_ok(app):
    result = run(4)
    assert result["documents"] == 4 and result["findings"] == 0
    assert result["ok"] == 4 and result["requests"] == 16  # upload, 2 × stareMesaj, descarcare each
    assert result["per_second"] > 0 and result["sync_per_second"] > 0
