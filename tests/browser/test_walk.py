"""The walk (issue 24, "Done when"): every client and staff page, at a phone's and a laptop's size, in Romanian.

The demo data (`demo seed`) plus a partial credit note and a card checkout; the customer logs in through /login, the
admin through /staff/login with a TOTP code. Every page the URL map has (tests/security/discover.py: a route added
on any branch is walked without edits) is opened once and looked at at 390x844 and 1366x900, and so are the main
htmx swaps (a proforma's inline edit form, open and with an error). A page fails on:

- horizontal scroll: `document.documentElement.scrollWidth > innerWidth` (docs/client-area.md, *Phone first*);
- any axe-core violation of WCAG 2.1 A/AA (tests/browser/axe.py installs axe-core from npm into build/);
- any Content-Security-Policy error in the console (an inline style or script in a page or a swapped fragment).

Screenshots of every state are kept in test-artifacts/walk/ (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from decimal import Decimal

import pyotp
import pytest
from sqlalchemy import select

from hostico.billing.corrections import credit_tax_invoice
from hostico.commands.demo import DEMO_PASSWORD, seed
from hostico.models import BillingProfile, Customer, Invoice, OutboxMessage, Service, StaffUser
from tests import factories
from tests.browser.axe import add_axe, axe_violations
from tests.browser.conftest import ARTIFACTS, browser_login
from tests.security.discover import app_rules, build_url, role_of

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
SHOTS = os.path.join(ARTIFACTS, "walk")
# Not pages: files, and the raw HTML of an email (shown in an iframe of the outbox page; emails are their own issue).
NOT_PAGES = re.compile(r"\.(pdf|xml|zip|csv|xlsx)$|/html$")
# The first elements that stick out on the right of the window (to say what makes a page too wide).
WIDEST = """() => { const w = window.innerWidth; return [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 1 && e.children.length === 0).slice(0, 4)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + (e.textContent || '').trim().slice(0, 30)); }"""
# Boxes that scroll or clip sideways inside a page that fits (a table in a scrolling wrapper, a long code).
CLIPPED = """() => [...document.querySelectorAll('.table-wrap, pre, code')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
  .map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)"""
def is_fragment(url: str) -> bool:
    """The company lookups (customer and staff forms) answer htmx with a status line to swap into a form: not a
    page anyone opens."""
    return url.endswith("/company-lookup")


TOP_BAR = "(() => { const bar = document.querySelector('.topbar'); return bar ? bar.offsetHeight : 0; })()"


def seeded(session, settings) -> dict:
    """The demo data, a partly credited tax invoice and a pending card checkout; the objects the walk's URLs name."""
    today = dt.date.today()
    seed(session, settings, today)
    session.flush()
    ana = session.scalar(select(Customer).where(Customer.email == "client@example.com"))
    invoices = session.scalars(select(Invoice).where(Invoice.customer_id == ana.id).order_by(Invoice.id)).all()
    taxes = [i for i in invoices if i.kind == "tax"]
    unpaid = [i for i in invoices if i.kind == "proforma" and i.status == "unpaid"]
    credit_tax_invoice(session, taxes[-1], settings=settings, today=today, reason="Reducere comercială",
                       amount=Decimal("10.00"))
    checkout = factories.make_checkout(session, ana, unpaid[-1:])
    factories.open_session(session, ana, user_agent="Mozilla/5.0 (Linux; Android 14) Firefox/133.0")
    suspended = session.scalar(select(Service).where(Service.customer_id == ana.id, Service.status == "suspended"))
    profile = session.scalar(select(BillingProfile).where(BillingProfile.customer_id == ana.id)
                             .order_by(BillingProfile.id))
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.customer_id == ana.id)
                             .order_by(OutboxMessage.id))
    session.commit()
    return {"code": unpaid[-1].code, "tax_code": taxes[-1].code, "service_id": suspended.id,
            "profile_id": profile.id, "customer_id": ana.id, "reference": checkout.reference,
            "message_id": message.id if message else 1, "number": taxes[-1].code, "month": today.strftime("%Y-%m"),
            "all_codes": [i.code for i in session.scalars(select(Invoice).where(Invoice.customer_id == ana.id))]}


def pages_of(app, role: str, ids: dict) -> list[str]:
    """Every GET page of a role (files aside), its arguments filled with the demo customer's objects."""
    urls = []
    for rule in app_rules(app, ("GET",)):
        if role_of(app, rule) != role:
            continue
        url = build_url(rule, ids, fallback=None)
        if url is not None and not NOT_PAGES.search(url):
            urls.append(url)
    return sorted(set(urls))


class Walk:
    """One browser page per role, looked at in every size; problems are collected, not raised, to see them all."""

    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.csp: list[str] = []
        self.looked = 0
        page.on("console", self._console)
        os.makedirs(SHOTS, exist_ok=True)

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            where = msg.location or {}
            self.csp.append(f"{msg.text[:160]} at {where.get('url', '?')}:{where.get('lineNumber', '?')}")

    def open(self, url: str) -> bool:
        """Open url; True when the answer is an HTML page (one for people to read)."""
        self.page.set_viewport_size(SIZES["desktop"])
        response = self.page.goto(url, wait_until="load")
        return response is None or response.headers.get("content-type", "").startswith("text/html")

    def check(self, name: str) -> None:
        """Look at the page as it is now at every size: scroll, axe, CSP; keep a screenshot of each."""
        page = self.page
        slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "root"
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width[0] > width[1]:
                wide = page.evaluate(WIDEST)
                self.problems.append(f"{name} [{size}]: {width[0]} px wide in {width[1]} px; widest: {wide}")
            clipped = page.evaluate(CLIPPED)  # a laptop too: a list whose last column hides in its scroll box
            if clipped:
                self.problems.append(f"{name} [{size}]: scrolls or clips sideways inside: {clipped}")
            bar = page.evaluate(TOP_BAR)  # one line: the menu button on a phone, the whole menu on a laptop
            if bar > 64:
                self.problems.append(f"{name} [{size}]: the top bar takes {bar:.0f} px (more than one line)")
            for violation in axe_violations(page):
                self.problems.append(f"{name} [{size}]: axe {violation}")
            page.screenshot(path=os.path.join(SHOTS, f"{slug}-{size}.png"), full_page=True)
        for error in self.csp:
            self.problems.append(f"{name}: CSP {error}")
        self.csp.clear()
        self.looked += 1


def new_page(browser, base_url: str):
    context = browser.new_context(base_url=base_url, viewport=SIZES["desktop"], locale="ro-RO",
                                  extra_http_headers={"Accept-Language": "ro"})
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    add_axe(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_every_page_fits_a_phone_is_aa_accessible_and_csp_clean(browser, live_server, app, session, settings):
    ids = seeded(session, settings)
    shutil.rmtree(SHOTS, ignore_errors=True)  # this walk's screenshots only
    problems: list[str] = []
    looked = 0

    # Anonymous: the login pages.
    page = new_page(browser, live_server)
    walk = Walk(page)
    for url in pages_of(app, "public", ids):
        if url.startswith(("/sandbox-gateway", "/m/")):
            continue  # the gateway's stand-in (not ours to ship), the mail-login redirector
        if not walk.open(url):
            continue  # not a page: the health probes, the metrics (plain text or JSON for machines)
        walk.check(f"public {url}")
    problems += walk.problems
    looked += walk.looked
    page.context.close()

    # The customer (Romanian, no 2FA): every page, then the inline edit of a proforma.
    page = new_page(browser, live_server)
    walk = Walk(page)
    browser_login(page, "client@example.com", DEMO_PASSWORD)
    page.wait_for_url("**/")
    urls = [url for url in pages_of(app, "customer", ids) if not is_fragment(url)]
    urls += [f"/invoices/{code}" for code in ids["all_codes"]]
    for url in dict.fromkeys(urls):
        if walk.open(url):
            walk.check(f"customer {url}")
    walk.open("/invoices")
    row = page.locator(f"#invoice-{ids['code']}")
    row.locator("a.edit-billing").click()
    form = page.locator(f"#invoice-{ids['code']} form")
    form.wait_for()
    walk.check("customer /invoices edit form open")
    form.locator("select[name=profile_id]").select_option("")  # new billing data (it opens on the saved profile)
    form.locator("input[name=kind][value=person]").check()
    form.locator("input[name=cnp]").fill("1234567890123")
    form.locator("button[type=submit]").first.click()
    page.locator(f"#edit-{ids['code']}-cnp-error").wait_for()
    walk.check("customer /invoices edit form with an error")
    problems += walk.problems
    looked += walk.looked
    page.context.close()

    # The admin, with a TOTP code: every staff page.
    staff = session.scalar(select(StaffUser).where(StaffUser.email == "admin@example.com"))
    page = new_page(browser, live_server)
    walk = Walk(page)
    page.goto("/staff/login")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code")
    page.fill("input[name=code]", pyotp.TOTP(staff.totp_secret).now())
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")
    urls = [url for url in pages_of(app, "staff", ids) if not is_fragment(url)]
    urls += [f"/staff/invoices/{code}" for code in ids["all_codes"]]
    for url in dict.fromkeys(urls):
        if walk.open(url):
            walk.check(f"staff {url}")
    problems += walk.problems
    looked += walk.looked
    page.context.close()

    assert looked > 40, f"only {looked} page states walked"
    assert not problems, f"{len(problems)} problems on {looked} page states:\n" + "\n".join(problems)


@pytest.mark.parametrize("html, wide", [("<p>fits</p>", False),
                                        ("<div class='too-wide'>x</div>", True)])
def test_the_walk_sees_a_page_wider_than_a_phone(browser, html, wide):
    context = browser.new_context(viewport=SIZES["phone"])
    add_axe(context)
    page = context.new_page()
    page.set_content(f"<html lang='en'><title>t</title><style>.too-wide{{width:600px}}</style><main>{html}</main>")
    walk = Walk(page)
    walk.check("probe")
    assert bool([p for p in walk.problems if "px wide" in p]) is wide
    context.close()


def test_the_walk_reports_an_axe_violation(browser):
    context = browser.new_context(viewport=SIZES["phone"])
    add_axe(context)
    page = context.new_page()
    page.set_content("<html lang='ro'><body><main><img src='data:,'></main></body></html>")
    assert any(v.startswith("image-alt") for v in axe_violations(page))
    context.close()


def test_the_phone_menu_opens_with_its_button_without_javascript(browser, live_server, make):
    customer = make.make_customer(name="Ana Telefon")
    context = browser.new_context(base_url=live_server, viewport=SIZES["phone"], java_script_enabled=False)
    page = context.new_page()
    browser_login(page, customer.email, factories.PASSWORD)
    page.wait_for_url("**/")
    menu = page.get_by_role("link", name="My Invoices")
    assert not menu.is_visible()  # one line: brand, languages, the menu button
    assert page.locator(".topbar").bounding_box()["height"] <= 64
    page.get_by_text("Menu", exact=True).click()
    assert menu.is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    menu.click()
    page.wait_for_url("**/invoices")
    page.set_viewport_size(SIZES["desktop"])
    assert page.get_by_role("link", name="My Invoices").is_visible()  # a wide screen shows the menu, no button
    assert not page.get_by_text("Menu", exact=True).is_visible()
    context.close()
