"""Recovery codes: Download (a text file made from the page itself) and Copy (static JS) — issue 24 item 7."""

import html
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.client.test_account_security import _login_2fa, _now_code


@pytest.mark.parametrize(("language", "download", "copy"),
                         [("en", "Download", "Copy"), ("ro", "Descărcați", "Copiați")])
def test_new_codes_page_offers_download_and_copy(client, enrolled, session, language, download, copy):
    c, secret, _ = enrolled
    c.language = language
    session.commit()
    _login_2fa(client, c, secret)
    resp = client.post_form("/my-details/2fa/recovery-codes", {"regen_code": _now_code(secret, 30)},
                            token_from="/my-details")
    body = resp.get_data(as_text=True)
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", body)
    assert len(codes) == 10
    link = re.search(r'<a class="btn btn-secondary recovery-download" download="hostico-recovery-codes.txt"\s+'
                     r'href="data:text/plain;charset=utf-8,([^"]*)">' + download + "</a>", body)
    assert link, "download link"
    text = unquote(html.unescape(link.group(1)))
    assert text.splitlines()[1:] == codes  # a title line, then every code, one a line
    button = re.search(r'<button class="btn btn-secondary recovery-copy" type="button" hidden data-copy="([^"]*)"',
                       body)
    assert button and html.unescape(button.group(1)).split("\n") == codes and copy in body
    assert "<script>" not in body  # CSP: the button is wired by static/js/app.js
    # Shown once: nothing else ever serves the codes again.
    assert not any(code in client.get("/my-details").get_data(as_text=True) for code in codes)


def test_copy_button_is_wired_by_the_static_script():
    script = (Path(__file__).parents[2] / "static" / "js" / "app.js").read_text()
    assert 'querySelectorAll("button[data-copy]")' in script and "navigator.clipboard.writeText" in script
    assert "button.hidden = false" in script  # hidden without JS
