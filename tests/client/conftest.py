"""Fixtures of the customer-side tests."""

import pytest

from hostico.web import pdf as pdf_module


@pytest.fixture
def pdf_html(monkeypatch):
    """The HTML each PDF render was made from (WeasyPrint's input), newest last."""
    seen: list[str] = []
    real = pdf_module.render_template

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(pdf_module, "render_template", spy)
    return seen
