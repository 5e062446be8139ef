"""The staff menu on a laptop (issue 24 item 7): brand, every menu entry, the name, log-out and the languages on
one line of the top bar at 1366 px, in Romanian (the longest labels) and English; a phone keeps its menu button."""

import os
import re

import pytest

from hostico.accounts.second_factor import new_secret
from hostico.staff.blueprint import NAV
from tests.browser.conftest import ARTIFACTS, browser_staff_login
from tests.conftest import reconfigure
from tests.factories import PASSWORD

# One line: some horizontal band crosses the brand, every menu entry, the name with log-out and the languages.
ONE_LINE = """() => { const bar = document.querySelector('.topbar');
  const items = [...bar.querySelectorAll('.brand, nav a, .logout, .lang-switch')].filter(e => e.offsetParent);
  const boxes = items.map(e => e.getBoundingClientRect());
  return {height: bar.offsetHeight, items: items.length,
          overlap: Math.min(...boxes.map(b => b.bottom)) - Math.max(...boxes.map(b => b.top)),
          widths: items.map(e => Math.round(e.getBoundingClientRect().width)),
          wide: document.documentElement.scrollWidth > window.innerWidth}; }"""


@pytest.mark.parametrize("language", ["ro", "en"])
def test_the_staff_desktop_menu_fits_one_line_at_1366_px(page, app, make, language):
    reconfigure(app, EFACTURA="simulate")  # as in `make run`: the e-Factura entry too, every entry of NAV
    secret = new_secret()
    staff = make.make_staff(role="admin", name="Alexandra Constantinescu-Popovici", totp_secret=secret,
                            totp_enabled=True)  # admin: every menu entry; a long name
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_staff_login(page, staff.email, PASSWORD, secret, start=f"/staff/?lang={language}")
    page.wait_for_url(re.compile(r"/staff/(\?.*)?$"))
    for url in ("/staff/", "/staff/audit"):
        page.goto(url)
        bar = page.evaluate(ONE_LINE)
        assert bar["items"] == len(NAV) + 4, bar  # brand, every menu entry, log out, the languages (one a link)
        assert bar["overlap"] > 0 and bar["height"] <= 64, f"{url}: the top bar wraps: {bar}"
        assert not bar["wide"]
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"staff-menu-{language}-1366.png"))  # for a reviewer
    assert page.get_by_role("link", name="Audit log" if language == "en" else "Jurnal de audit").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator(".menu-button").is_visible()  # a phone: one line with the menu button
    assert page.evaluate(ONE_LINE)["height"] <= 64
    page.screenshot(path=os.path.join(ARTIFACTS, f"staff-menu-{language}-390.png"))
