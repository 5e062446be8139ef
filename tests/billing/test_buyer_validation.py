"""Validation of typed billing data: real check digits (python-stdnum) and required address fields."""

import pytest

from hostico.billing.buyers.validation import validate_buyer

ADDRESS = {"address": "Str. Lungă nr. 5", "city": "Brașov", "county": "Brașov", "postal_code": "500001",
           "country": "RO"}


def person(**kw):
    return {"kind": "person", "name": "Ion Ștefănescu", "cnp": "2850315123457", **ADDRESS, **kw}


def company(**kw):
    return {"kind": "company", "company_name": "Exemplu SRL", "cui": "34567892", "reg_com": "J08/123/2010",
            **ADDRESS, **kw}


def test_valid_person_is_normalised_into_a_snapshot():
    result = validate_buyer(person(name="  Ion   Ștefănescu ", cnp=" 2850315123457 "))
    assert result.ok
    assert result.data["name"] == "Ion Ștefănescu"
    assert result.data["cnp"] == "2850315123457"
    assert result.data["company_name"] is None and result.data["cui"] is None
    assert result.data["kind"] == "person" and result.data["country"] == "RO"


def test_person_cnp_is_optional():
    result = validate_buyer(person(cnp=""))
    assert result.ok and result.data["cnp"] is None


def test_bad_cnp_is_refused_at_the_field():
    result = validate_buyer(person(cnp="2850315123458"))
    assert not result.ok
    assert set(result.errors) == {"cnp"}
    assert "CNP" in result.errors["cnp"]


def test_valid_romanian_company_with_ro_prefix_keeps_digits_only():
    result = validate_buyer(company(cui="RO34567892", vat_number="RO34567892"))
    assert result.ok
    assert result.data["cui"] == "34567892"
    assert result.data["vat_number"] == "RO34567892"
    assert result.data["name"] is None


@pytest.mark.parametrize("cui", ["34567893", "12", "ABCDEFGH"])
def test_bad_cui_is_refused_at_the_field(cui):
    result = validate_buyer(company(cui=cui))
    assert set(result.errors) == {"cui"}
    assert "CUI" in result.errors["cui"]


def test_romanian_vat_number_must_match_the_cui():
    result = validate_buyer(company(vat_number="RO18547290"))
    assert set(result.errors) == {"vat_number"}


def test_valid_german_vat_registered_company():
    result = validate_buyer(company(cui="", vat_number="DE 136 695 976", country="DE", county="", city="Berlin",
                                    address="Unter den Linden 1"))
    assert result.ok, result.errors
    assert result.data["vat_number"] == "DE136695976"
    assert result.data["cui"] == "DE136695976"  # a foreign business is identified by its VAT number


@pytest.mark.parametrize("vat", ["DE136695977", "DE12", "XX123456789"])
def test_bad_eu_vat_number_is_refused_at_the_field(vat):
    result = validate_buyer(company(cui="HRB 1234", vat_number=vat, country="DE", county=""))
    assert set(result.errors) == {"vat_number"}
    assert "VAT" in result.errors["vat_number"]


def test_vat_number_of_another_country_is_refused():
    result = validate_buyer(company(cui="HRB 1234", vat_number="DE136695976", country="FR", county=""))
    assert set(result.errors) == {"vat_number"}
    assert "FR" in result.errors["vat_number"]


@pytest.mark.parametrize("missing", ["address", "city", "county", "country"])
def test_missing_address_fields_are_refused_at_the_field(missing):
    result = validate_buyer(person(**{missing: ""}))
    assert missing in result.errors
    assert not result.data


def test_county_is_not_required_abroad():
    result = validate_buyer(person(cnp="", country="AT", county="", city="Wien"))
    assert result.ok, result.errors


def test_company_without_name_or_cui_gets_both_errors():
    result = validate_buyer(company(company_name="", cui=""))
    assert set(result.errors) == {"company_name", "cui"}


def test_unknown_kind_and_country_are_refused():
    result = validate_buyer({"kind": "robot", "country": "ZZ", "address": "x", "city": "y"})
    assert {"kind", "country"} <= set(result.errors)


def test_overlong_values_are_refused_not_truncated():
    result = validate_buyer(person(name="x" * 201))
    assert "name" in result.errors


def test_markup_is_kept_as_plain_text_data():
    result = validate_buyer(company(company_name="<script>alert(1)</script> SRL"))
    assert result.ok
    assert result.data["company_name"] == "<script>alert(1)</script> SRL"
