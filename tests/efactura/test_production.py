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
