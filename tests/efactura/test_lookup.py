"""Company lookup from ANAF's PlatitorTvaRest v9: the adapter against a local fake, and the billing forms."""

from __future__ import annotations

import pytest

from hostico.efactura.lookup import LookupFailed, Registry


class Clock:
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_adapter_reads_name_address_county_trade_register_and_vat(anaf_registry):
    company = Registry(anaf_registry.url).lookup("RO34567892")
    assert (company.name, company.reg_com, company.street, company.city, company.county, company.postal_code) == (
        "EXEMPLU SRL", "J08/123/2010", "Str. Lungă nr. 5", "Mun. Brașov", "RO-BV", "500001")
    assert company.vat_registered and company.vat_number == "RO34567892" and not company.inactive
    assert anaf_registry.requests[0][0]["cui"] == 34567892 and len(anaf_registry.requests[0][0]["data"]) == 10


def test_bucharest_company_gets_its_sector_and_not_vat_registered(anaf_registry):
    company = Registry(anaf_registry.url).lookup("18547290")
    assert (company.county, company.city, company.vat_registered, company.vat_number) == ("RO-B", "SECTOR3",
                                                                                         False, None)


def test_inactive_company_is_flagged(anaf_registry):
    assert Registry(anaf_registry.url).lookup("14399840").inactive


@pytest.mark.parametrize(("failure", "code"), [(503, "unavailable"), ("garbage", "unavailable"),
                                               ("error-body", "unavailable")])
def test_anaf_failures_are_typed(anaf_registry, failure, code):
    anaf_registry.failure = failure
    with pytest.raises(LookupFailed) as failed:
        Registry(anaf_registry.url).lookup("34567892")
    assert failed.value.code == code


def test_unknown_and_malformed_cui(anaf_registry):
    registry = Registry(anaf_registry.url)
    with pytest.raises(LookupFailed) as failed:
        registry.lookup("99999999")
    assert failed.value.code == "not_found"
    with pytest.raises(LookupFailed) as failed:
        registry.lookup("RO-abc")
    assert failed.value.code == "invalid" and len(anaf_registry.requests) == 1


def test_refused_connection_is_unavailable():
    with pytest.raises(LookupFailed) as failed:
        Registry("http://127.0.0.1:9", timeout=1).lookup("34567892")
    assert failed.value.code == "unavailable"


def test_answers_are_cached_for_a_day(anaf_registry):
    clock = Clock()
    registry = Registry(anaf_registry.url, clock=clock, sleep=clock.sleep)
    registry.lookup("34567892")
    clock.now += 23 * 3600
    registry.lookup("RO34567892")
    assert len(anaf_registry.requests) == 1
    clock.now += 2 * 3600
    registry.lookup("34567892")
    assert len(anaf_registry.requests) == 2


def test_at_most_one_request_a_second(anaf_registry):
    clock = Clock()
    registry = Registry(anaf_registry.url, clock=clock, sleep=clock.sleep)
    registry.lookup("34567892")
    registry.lookup("18547290")
    registry.lookup("14399840")
    assert clock.slept == [1.0, 1.0]
    crowded = Registry(anaf_registry.url, clock=clock, sleep=clock.sleep, max_wait=0.5)
    crowded.lookup("34567892")
    with pytest.raises(LookupFailed) as failed:  # a wait longer than max_wait is refused, not slept through
        crowded.lookup("18547290")
    assert failed.value.code == "busy" and len(anaf_registry.requests) == 4


# ------------------------------------------------------------------------------------------- the forms


def test_lookup_fills_the_company_fields_of_the_form(client, make, login_as, anaf_registry):
    login_as(client, make.make_customer())
    page = client.get("/billing/company-lookup?cui=RO34567892&prefix=profile", headers={"HX-Request": "true"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="profile-company_name-field" hx-swap-oob="true"' in html and 'value="EXEMPLU SRL"' in html
    assert 'value="J08/123/2010"' in html and 'value="RO34567892"' in html and 'value="Str. Lungă nr. 5"' in html
    assert '<option value="RO-BV" selected>' in html
    assert "registered for VAT" in html


def test_lookup_warns_about_an_inactive_company(client, make, login_as, anaf_registry):
    login_as(client, make.make_customer())
    html = client.get("/billing/company-lookup?cui=14399840&prefix=p").get_data(as_text=True)
    assert "INACTIVE" in html


def test_lookup_shows_not_vat_registered_and_the_bucharest_sector(client, make, login_as, anaf_registry):
    login_as(client, make.make_customer())
    html = client.get("/billing/company-lookup?cui=18547290&prefix=p").get_data(as_text=True)
    assert "not registered for VAT" in html
    assert '<option value="SECTOR3" selected>' in html and '<option value="RO-B" selected>' in html


def test_anaf_down_leaves_the_form_alone_with_a_message(client, make, login_as, anaf_registry):
    login_as(client, make.make_customer())
    anaf_registry.failure = 503
    html = client.get("/billing/company-lookup?cui=34567892&prefix=p").get_data(as_text=True)
    assert "did not answer" in html and "hx-swap-oob" not in html


def test_a_cui_with_a_wrong_check_digit_is_invalid_before_any_registry_lookup(client, make, login_as, anaf_registry):
    login_as(client, make.make_customer(language="ro"))
    anaf_registry.failure = 503  # were ANAF asked, it would say "did not answer"
    html = client.get("/billing/company-lookup?cui=RO34567893&prefix=p&lang=ro").get_data(as_text=True)
    assert "CUI invalid: cifra de control este greșită." in html and "nu a răspuns" not in html
    assert anaf_registry.requests == []


def test_lookup_needs_a_login(client, anaf_registry):
    assert client.get("/billing/company-lookup?cui=34567892").status_code in (302, 303, 401)
    assert anaf_registry.requests == []


def test_profile_form_offers_county_list_sector_and_lookup(client, make, login_as):
    login_as(client, make.make_customer())
    html = client.get("/my-details/profiles/new?kind=company").get_data(as_text=True)
    assert '<select id="profile-county" name="county"' in html and '<option value="RO-BV"' in html
    assert 'name="sector"' in html and '<option value="SECTOR6"' in html
    assert "/billing/company-lookup" in html and 'maxlength="150"' in html
