"""Production refuses an e-Factura set-up that would lose or fake reports."""

import pytest

from hostico.web.app import create_app
from tests.conftest import PRODUCTION_SECRETS

# A complete card-gateway set-up, so that only the e-Factura settings decide.
GATEWAY = {"PAYMENT_GATEWAY": "stripe", "STRIPE_SECRET_KEY": "sk_live_51HqLyjWDarjtT1zdp7dc",
           "STRIPE_WEBHOOK_SECRET": "whsec_8Gq2LmN4pR6tV8xZ0bD2fH4j", **PRODUCTION_SECRETS}


@pytest.mark.parametrize(("settings", "refusal"), [
    ({"EFACTURA": "simulate"}, "HOSTICO_EFACTURA=simulate is refused in production"),
    ({"EFACTURA": "prod", "ANAF_CLIENT_ID": "id"}, "HOSTICO_ANAF_CLIENT_SECRET must be set in production"),
    ({"EFACTURA": "test", "ANAF_CLIENT_SECRET": "s"}, "HOSTICO_ANAF_CLIENT_ID and"),
    ({"EFACTURA": "yes"}, "HOSTICO_EFACTURA must be one of off, simulate, test, prod"),
])
def test_production_refuses_to_start(test_config, settings, refusal):
    config = {**test_config, "ENV": "production", **GATEWAY, **settings}
    with pytest.raises(RuntimeError, match=refusal):
        create_app(config)


@pytest.mark.parametrize("settings", [
    {"EFACTURA": "off"},
    {"EFACTURA": "prod", "ANAF_CLIENT_ID": "id", "ANAF_CLIENT_SECRET": "3f8a1c9e7b2d4f60"},
])
def test_production_starts_with_a_complete_setup(test_config, settings):
    app = create_app({**test_config, "ENV": "production", **GATEWAY, **settings})
    assert app.config["EFACTURA"] == settings["EFACTURA"]


@pytest.mark.parametrize(("settings", "refusal"), [
    ({"SELLER_ADDRESS": "Str. Exemplu nr. 1, București, 010101, România"},
     "HOSTICO_SELLER_ADDRESS is in Bucharest without its sector"),
    ({"SELLER_ADDRESS": "Str. Exemplu nr. 1, Nowhere, 010101"}, "HOSTICO_SELLER_ADDRESS names no Romanian county"),
    ({"SELLER_CUI": "RO18547291"}, "HOSTICO_SELLER_CUI is not a valid Romanian CUI"),
    ({"SELLER_IBAN": "RO49AAAA1B31007593840001"}, "HOSTICO_SELLER_IBAN is not a valid IBAN"),
    ({"SELLER_IBAN": ""}, "HOSTICO_SELLER_IBAN must be set"),
    ({"SELLER_NAME": ""}, "HOSTICO_SELLER_NAME must be set"),
])
def test_production_refuses_seller_data_that_fails_cius_ro(test_config, settings, refusal):
    config = {**test_config, "ENV": "production", **GATEWAY, "EFACTURA": "off", **settings}
    with pytest.raises(RuntimeError, match=refusal) as refused:
        create_app(config)
    value = next(iter(settings.values()))
    assert not value or value not in str(refused.value)  # the setting is named, never its value


def test_seller_problems_outside_production_do_not_stop_development(test_config):
    app = create_app({**test_config, "SELLER_ADDRESS": "Str. Exemplu nr. 1, București, 010101"})
    assert app.config["SELLER_ADDRESS"].endswith("010101")


def test_a_valid_seller_builds_a_document_that_passes_the_seller_rules():
    from hostico.efactura.seller import problems

    assert problems({"name": "Hostico SRL", "cui": "RO18547290", "iban": "RO49AAAA1B31007593840000",
                     "address": "Str. Lungă 3, Brașov, 500001"}) == []


def test_efactura_reads_the_seller_as_billing_copies_it_onto_invoices(test_config):
    from hostico.billing.settings import BillingSettings
    from hostico.efactura.settings import EfacturaSettings

    config = {**test_config, "SELLER_ADDRESS": "Str. Lungă 3, Brașov, 500001", "SELLER_VAT_PAYER": False}
    assert dict(EfacturaSettings.from_config(config).seller) == BillingSettings.from_config(config).seller_snapshot()
