"""The Jinja environment (hostico/web/templating.py): a template without globals of its own reads the
environment's globals dict itself, so importing macros does not compare names map by map on every render."""

from __future__ import annotations

from hostico.web.templating import HosticoEnvironment


def test_templates_share_the_environments_globals_and_see_later_ones(app):
    env = app.jinja_env
    assert isinstance(env, HosticoEnvironment)
    page = env.get_template("base.html")
    assert page.globals is env.globals
    env.globals["added_after_loading"] = "seen"
    assert page.globals["added_after_loading"] == "seen"  # as the ChainMap's live view did


def test_a_template_with_its_own_globals_overlays_them_without_leaking(app):
    env = app.jinja_env
    own = env.from_string("{{ greeting }} {{ url_for('static', filename='x') is defined }}",
                          globals={"greeting": "salut"})
    with app.test_request_context("/"):
        assert own.render() == "salut True"
    assert "greeting" not in env.globals


def test_imported_macros_render_with_the_importing_pages_globals(client, make, login_as):
    """base.html imports menu_button from _macros.html, which calls `_` (a global): the menu says "Menu"."""
    login_as(client, make.make_customer())
    page = client.get("/invoices?lang=en").get_data(as_text=True)
    assert '<span aria-hidden="true" class="menu-icon"></span>Menu</label>' in page
