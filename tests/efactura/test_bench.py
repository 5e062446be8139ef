"""The e-Factura bench generates and validates documents of every buyer kind and reports its rates."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from bench.efactura import run  # noqa: E402


def test_bench_generates_and_validates_documents():
    figures = run(24)
    assert figures["documents"] == 24
    assert figures["generated_per_second"] > 0 and figures["validated_per_second"] > 0
    assert figures["generated_and_validated_per_second"] > 0 and figures["kb_per_document"] > 1
