"""Every response's Vary header names what its content depends on: htmx partials and the language."""

from flask import make_response

from hostico.web.security import public


def test_pages_partials_and_errors_vary_by_htmx_and_language(client):
    for url, headers in (("/login", {}), ("/login?lang=en", {"HX-Request": "true"}), ("/no-such-page", {})):
        assert client.get(url, headers=headers).headers.get_all("Vary") == ["HX-Request, Accept-Language, Cookie"]


def test_a_view_naming_its_own_vary_keeps_it_and_gets_ours_once(app, client):
    @public
    def own_vary():
        resp = make_response("ok")
        resp.headers["Vary"] = "Origin, cookie"
        return resp

    app.add_url_rule("/own-vary", "own_vary", own_vary)
    assert client.get("/own-vary").headers.get_all("Vary") == ["Origin, cookie, HX-Request, Accept-Language"]
