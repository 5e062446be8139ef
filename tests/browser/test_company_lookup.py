"""In a real browser: typing a CUI in a billing form fills the company from ANAF's registry (a local fake)."""

from playwright.sync_api import expect

from tests.browser.conftest import browser_login
from tests.efactura.conftest import anaf_registry  # noqa: F401 - the fake registry fixture
from tests.factories import PASSWORD


def test_typing_a_cui_fills_in_the_company(page, make, anaf_registry):  # noqa: F811
    customer = make.make_customer()
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/my-details/profiles/new?kind=company")
    form = page.locator("form").filter(has=page.locator("#profile-cui"))
    form.get_by_label("a legal entity").check()
    page.locator("#profile-cui").press_sequentially("RO18547290", delay=30)

    expect(page.locator("#profile-company_name")).to_have_value("CAPITALA SRL")
    assert "not registered for VAT" in page.locator("#profile-lookup").inner_text()
    assert page.locator("#profile-reg_com").input_value() == "J40/1/2000"
    assert page.locator("#profile-address").input_value() == "Bd. Unirii nr. 1"
    assert page.locator("#profile-county").input_value() == "RO-B"
    assert page.locator("#profile-sector").input_value() == "SECTOR3"
    assert page.locator("#profile-sector").is_visible() and not page.locator("#profile-city").is_visible()
    assert page.locator("#profile-vat_number").input_value() == ""
    assert len(anaf_registry.requests) == 1  # as-you-type waits for a pause: one question to ANAF

    form.get_by_role("button", name="Save").click()
    page.wait_for_url("**/my-details**")
    assert "CAPITALA SRL" in page.content()


def test_anaf_down_leaves_the_form_usable(page, make, anaf_registry):  # noqa: F811
    anaf_registry.failure = 503
    customer = make.make_customer()
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/my-details/profiles/new?kind=company")
    page.get_by_label("a legal entity").check()
    page.locator("#profile-cui").fill("34567892")
    page.get_by_role("button", name="Fill in from ANAF").click()
    page.locator("#profile-lookup").filter(has_text="did not answer").wait_for()
    page.get_by_label("Company name").fill("Exemplu SRL")
    page.get_by_label("Street address").fill("Str. Lungă nr. 5")
    page.get_by_label("County (județ)").select_option("RO-BV")
    page.get_by_label("City").fill("Brașov")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/my-details**")
    assert "Exemplu SRL" in page.content() and "Brașov" in page.content()
