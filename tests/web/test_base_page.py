"""What every page's head declares."""

def test_pages_name_their_icon_so_browsers_never_ask_for_a_missing_favicon(client):
    """Without a declared icon every first page view costs a 404 for /favicon.ico (seen in the console)."""
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
