"""The billing-run bench builds its data set and reports figures (a small run of it)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from bench.billing_run import run  # noqa: E402

pytestmark = pytest.mark.slow

def test_bench_runs_and_reports_figures(fresh_database):
    figures = run(fresh_database(), services=3000, due=300)
    assert figures["proformas_issued"] == 300
    assert figures["batches"] == 1
    assert figures["seconds"] > 0 and figures["peak_mb"] > 0 and figures["services_per_second"] > 0
