"""The templates' url_for (hostico/web/urls.py): the URL Flask builds, built once per endpoint, values and root."""

from flask import render_template_string, url_for
from werkzeug.routing import MapAdapter

from hostico.web import urls

TEMPLATE = ("{{ url_for('client.invoices', page=2, status='unpaid') }} {{ url_for('static', filename='css/app.css') }}"
            " {{ url_for('client.invoice', code='HPF-1 x') }} {{ url_for('client.invoices', page='2') }}"
            " {{ url_for('client.invoices', _external=True) }} {{ url_for('client.invoices', _anchor='top') }}"
            " {{ url_for('client.invoices', status=True) }} {{ url_for('client.invoices', status=1) }}")


def test_template_urls_are_the_ones_flask_builds_and_each_is_built_once(app, monkeypatch):
    built = []
    real = MapAdapter.build
    monkeypatch.setattr(MapAdapter, "build", lambda self, endpoint, *a, **k: built.append(endpoint)
                        or real(self, endpoint, *a, **k))
    with app.test_request_context("/"):
        expected = " ".join([url_for("client.invoices", page=2, status="unpaid"),
                             url_for("static", filename="css/app.css"), url_for("client.invoice", code="HPF-1 x"),
                             url_for("client.invoices", page="2"), url_for("client.invoices", _external=True),
                             url_for("client.invoices", _anchor="top"), url_for("client.invoices", status=True),
                             url_for("client.invoices", status=1)])
        assert expected.split()[:4] == ["/invoices?page=2&status=unpaid", "/static/css/app.css",
                                        "/invoices/HPF-1%20x", "/invoices?page=2"]
        built.clear()
        expected = expected.replace("&", "&amp;")  # the template escapes
        assert render_template_string(TEMPLATE) == expected
        assert len(built) == 8
        built.clear()
        assert render_template_string(TEMPLATE) == expected
        assert len(built) == 3  # only _external, _anchor and a value not str or int: never remembered
        built.clear()
        assert urls.url_for("client.invoice", code="HPF-1 x") == "/invoices/HPF-1%20x" and not built  # Python's too
    with app.test_request_context("/", base_url="http://localhost/billing"):  # another script root
        assert render_template_string("{{ url_for('client.invoices', page=2, status='unpaid') }}") == \
            "/billing/invoices?page=2&amp;status=unpaid"
