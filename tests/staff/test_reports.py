"""/staff/reports (docs/reports.md): roles admin and billing read the month's journal on screen and download
its files (CSV, XLSX, SAGA C XML, VAT summary); support and customers cannot; the dashboard and the reports page
show the year's EU consumer sales with an alert at 80% and 100% of the OSS threshold."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from hostico.billing.reports import sales_journal
from hostico.billing.reports.files import journal_csv
from tests.billing.test_reports import FR_PERSON, MAY, paid
from tests.billing.test_reports import month as month  # noqa: F401 - the fixture

URLS = ("/staff/reports/2026-05/sales-journal.csv", "/staff/reports/2026-05/sales-journal.xlsx",
        "/staff/reports/2026-05/saga.xml", "/staff/reports/2026-05/vat.csv")


@pytest.mark.parametrize("role", ["admin", "billing"])
def test_accountant_roles_see_the_journal_and_its_totals(client, make, login_staff, month, role):
    login_staff(client, make.make_staff(role=role))
    resp = client.get("/staff/reports?month=2026-05")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for key in ("ro", "fr", "de", "us"):
        assert f'data-document="{month[key].code}"' in html
    assert month["june"].code not in html and 'data-vat-summary' in html and "DE136695976" in html
    for url in URLS:
        assert url in html


def test_support_and_customers_cannot_open_reports(client, make, login_staff, login_as):
    login_staff(client, make.make_staff(role="support"))
    assert client.get("/staff/reports").status_code == 403
    assert client.get(URLS[0]).status_code == 403
    assert b"/staff/reports" not in client.get("/staff/").data  # no menu entry


def test_downloads_are_the_domain_files_and_the_same_each_time(client, make, login_staff, session, month):
    login_staff(client, make.make_staff(role="billing"))
    csv = client.get(URLS[0])
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert 'filename="sales-journal-2026-05.csv"' in csv.headers["Content-Disposition"]
    assert csv.data == b"".join(journal_csv(sales_journal(session, MAY)))
    xlsx = client.get(URLS[1])
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(URLS[1]).data == xlsx.data
    from openpyxl import load_workbook

    values = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert values[-1][1] == "Total" and len(values) == 6
    saga = client.get(URLS[2])
    assert saga.data.startswith(b'<?xml') and saga.data.count(b"<Factura>") == 4
    assert "DE136695976" in client.get(URLS[3]).get_data(as_text=True)


def test_a_bad_month_is_refused_without_an_error_page(client, make, login_staff):
    login_staff(client, make.make_staff())
    resp = client.get("/staff/reports?month=2026-13")
    assert resp.status_code == 200 and "YYYY-MM" in resp.get_data(as_text=True)
    assert client.get("/staff/reports/2026-13/sales-journal.csv").status_code == 404


def test_reports_page_reads_in_romanian(client, make, login_staff, month):
    login_staff(client, make.make_staff())
    client.set_cookie("lang", "ro")
    html = client.get("/staff/reports?month=2026-05").get_data(as_text=True)
    assert "Jurnal de vânzări 2026-05" in html


@pytest.mark.parametrize("amount, level", [("1000.00", "ok"), ("8000.00", "warning"), ("10000.00", "exceeded")])
def test_dashboard_shows_the_oss_total_and_alerts_at_80_and_100_percent(client, make, login_staff, session,
                                                                        settings, amount, level, monkeypatch):
    # A French consumer's invoice whose lei price converts to `amount` EUR at the 5.0000 rate of the tests.
    paid(session, settings, make, FR_PERSON, amount=str(Decimal(amount) * 5),
         proforma_day=dt.date.today() - dt.timedelta(days=1), received=dt.date.today(), issued=dt.date.today())
    login_staff(client, make.make_staff(role="support"))
    html = client.get("/staff/").get_data(as_text=True)
    assert f'data-oss="{level}"' in html
    assert ("10,000 EUR threshold is reached" in html) == (level == "exceeded")
    assert ("Over 80% of the 10,000 EUR threshold" in html) == (level == "warning")
