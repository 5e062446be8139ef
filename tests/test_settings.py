"""Settings are built once per app (hostico.settings.Settings) and each default is written once, in
hostico/config.py: the typed settings take their defaults from there, views, the CLI and the worker read the
typed object, never the raw config."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import re

from hostico.accounts.settings import AccountSettings
from hostico.billing.settings import BillingSettings
from hostico.config import SETTINGS, default_config
from hostico.efactura.settings import EfacturaSettings
from hostico.notify.settings import NotifySettings
from hostico.payments.gateways import GatewayConfig
from hostico.settings import Settings
from hostico.web.app_settings import settings as app_settings
from tests.conftest import reconfigure

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "hostico"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
CONFIG = PACKAGE / "config.py"


def test_the_business_time_zone_is_written_once():
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in SOURCES for n, line in enumerate(p.read_text().splitlines(), 1)
             if "Europe/Bucharest" in line]
    assert len(found) == 1 and found[0].startswith("config.py:"), found


def _literal_defaults_of_config_reads(path: pathlib.Path, root: pathlib.Path = PACKAGE) -> list[str]:
    """`cfg.get("NAME", literal)` and `cfg.get("NAME") or literal` where NAME is a setting: a second default."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        call = None
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and len(node.args) == 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value != ""):
            call = node
        elif (isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2
              and isinstance(node.values[1], ast.Constant) and node.values[1].value not in ("", None)
              and isinstance(node.values[0], ast.Call) and isinstance(node.values[0].func, ast.Attribute)
              and node.values[0].func.attr == "get"):
            call = node.values[0]
        if call is not None and call.args and isinstance(call.args[0], ast.Constant) \
                and call.args[0].value in SETTINGS:
            found.append(f"{path.relative_to(root)}:{node.lineno} {call.args[0].value}")
    return found


def test_no_setting_has_a_second_default_in_the_code():
    assert [hit for p in SOURCES if p != CONFIG for hit in _literal_defaults_of_config_reads(p)] == []


def test_the_check_sees_a_second_default(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('a = cfg.get("GRACE_DAYS", 7)\nb = cfg.get("TIMEZONE") or "UTC"\nc = cfg.get("OTHER", 1)\n')
    hits = _literal_defaults_of_config_reads(bad, tmp_path)
    assert [hit.split(" ")[1] for hit in hits] == ["GRACE_DAYS", "TIMEZONE"]


def test_views_commands_and_the_worker_do_not_read_the_raw_config_of_these_settings():
    """Payments, BNR, VIES, the ANAF registry and SMS are read from the typed Settings (the factory, which
    finishes the config before building them, aside)."""
    names = [n for n in SETTINGS if re.match(r"(PAYMENT_|SANDBOX_|NETOPIA_|STRIPE_|BNR_|VIES_|ANAF_PUBLIC_|SMS_)", n)]
    readers = [p for p in SOURCES if p.parent.name in ("client", "staff", "commands", "web", "auth")
               or p.name in ("rate_job.py", "vies_job.py", "worker.py")]
    found = [f"{p.relative_to(PACKAGE)}: {n}" for p in readers if p != PACKAGE / "web" / "app.py" for n in names
             if re.search(rf"config(\.get\(|\[)\"{n}\"", p.read_text())]
    assert found == []


def test_a_settings_object_built_from_nothing_has_the_defaults_of_config():
    """Each dataclass default is config.py's default: building from the defaults table changes nothing
    (but what a hand-built object leaves empty on purpose: secrets, the seller, outside services' URLs)."""
    built = Settings.from_config(default_config("/tmp/instance"))
    hand_built_empty = {"seller", "bnr_rates_url", "vies_url", "secret_key", "registry_url", "redirect_uri",
                        "sandbox_secret", "name", "seller_cif", "simulator_file"}
    for part, cls in ((built.billing, BillingSettings), (built.notify, NotifySettings),
                      (built.accounts, AccountSettings), (built.efactura, EfacturaSettings),
                      (built.payments, GatewayConfig)):
        hand = cls()
        differ = [f.name for f in dataclasses.fields(cls)
                  if f.name not in hand_built_empty and getattr(part, f.name) != getattr(hand, f.name)]
        assert differ == [], cls.__name__


def test_the_app_builds_its_settings_once_and_hands_out_the_same_object(app):
    first = app_settings(app)
    with app.app_context():
        assert app_settings() is first
    assert first.payments.name == "sandbox" and first.timezone == SETTINGS["TIMEZONE"][0]
    assert first.billing.vies_retry_seconds == SETTINGS["VIES_RETRY_SECONDS"][0]
    reconfigure(app, SANDBOX_NOTIFY_DELAY=2, ANAF_PUBLIC_URL="http://127.0.0.1:9/", BNR_REFRESH_SECONDS=60)
    again = app_settings(app)
    assert again is not first
    assert (again.payments.sandbox_notify_delay, again.efactura.registry_url, again.billing.bnr_refresh_seconds) \
        == (2, "http://127.0.0.1:9/", 60)
