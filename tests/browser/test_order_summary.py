"""The order summary in a browser (docs/client-area.md#the-order-summary): with htmx it follows the plan, the cycle
and the billing data as they change (the customer's country changes the currency and the VAT), with no CSP error
and "Show the price" hidden; without JavaScript that button shows the same summary."""

import os

from playwright.sync_api import expect

from tests.browser.axe import add_axe, axe_violations
from tests.browser.conftest import ARTIFACTS
from tests.client.test_order_summary import _rate
from tests.conftest import reconfigure


def _summary(page) -> str:
    return page.locator("#order-summary").inner_text()


def test_a_visitor_sees_the_summary_follow_the_form(page, make, session, app):
    reconfigure(app, MAX_OPEN_ORDERS=0)
    plan = make.make_product(monthly="19.00", annual="190.00")
    _rate(session)  # a customer abroad is invoiced in EUR
    session.commit()
    errors = []
    add_axe(page.context)
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/order?lang=en")
    assert "Choose a plan to see its price with VAT." in _summary(page)
    assert not page.get_by_role("button", name="Show the price").is_visible()  # htmx runs: not needed
    page.locator(f"input[name=product][value='{plan.id}']").check()
    page.locator("#order-summary .summary-total").wait_for()
    assert "22.99 RON" in _summary(page) and "VAT (21%)" in _summary(page)
    page.select_option("select[name=cycle]", "annual")
    expect(page.locator("#order-summary")).to_contain_text("229.90")
    page.locator("input[name=kind][value=company]").check()
    page.select_option("select[name=country]", "US")
    expect(page.locator("#order-summary")).to_contain_text("Neimpozabil")
    assert "37.32 EUR" in _summary(page)  # 190 lei at 5.0917, no Romanian VAT
    os.makedirs(ARTIFACTS, exist_ok=True)
    for size, viewport in {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}.items():
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), size
        assert axe_violations(page) == [], size  # after the swaps too
        page.locator("#order-summary").screenshot(path=os.path.join(ARTIFACTS, f"order-summary-{size}.png"))
    assert "VAT (21%)" not in _summary(page)
    assert errors == []


def test_without_javascript_show_the_price_gives_the_summary(browser, live_server, make, session):
    plan = make.make_product(monthly="19.00")
    session.commit()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/order?lang=en")
    page.locator(f"input[name=product][value='{plan.id}']").check()
    page.get_by_role("button", name="Show the price").click()
    page.wait_for_load_state()
    assert "22.99 RON" in _summary(page)
    context.close()
