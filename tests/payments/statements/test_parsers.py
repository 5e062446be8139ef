"""Reading CAMT.053 (several versions) and MT940: every field the matcher needs, and clear refusals."""

import datetime as dt
from decimal import Decimal

import pytest

from hostico.payments.statements import StatementError, assign_entry_keys, parse_statement
from hostico.payments.statements.matching import proforma_numbers
from tests.payments.statements.conftest import sample


def test_camt053_v02_entries_carry_amount_date_payer_iban_texts_and_bank_reference():
    fmt, entries = parse_statement(sample("camt053_v02.xml"))
    assert fmt == "camt053"
    first = entries[0]
    assert first.credit and first.amount == Decimal("121.00") and first.currency == "RON"
    assert first.booking_date == dt.date(2026, 11, 30)
    assert first.account == "RO49AAAA1B31007593840000"
    assert first.payer_name == "ȘTEFĂNESCU WEB SRL" and first.payer_iban == "RO66BACX0000001234567890"
    assert first.remittance == "Plata proforma hpf 000001 hosting"  # both Ustrd parts
    assert first.bank_reference == "BT2611300001"
    assert entries[1].structured_reference == "HPF-000002" and entries[1].remittance is None
    debit = [e for e in entries if not e.credit]
    assert [(e.amount, e.bank_reference) for e in debit] == [(Decimal("2.40"), "BT2611300009")]
    # the pending (PDNG) entry is not money received
    assert all(e.bank_reference != "BT2611300010" for e in entries)


def test_camt053_later_version_reads_party_names_under_pty_and_splits_batch_bookings():
    fmt, entries = parse_statement(sample("camt053_v08_overlap.xml"))
    assert fmt == "camt053"
    assert entries[0].payer_name == "Ion Ionescu" and entries[0].account == "RO49AAAA1B31007593840000"
    assert entries[1].booking_date == dt.date(2026, 11, 30)  # from BookgDt/DtTm
    batch = entries[2:]
    assert [(e.amount, e.payer_name, e.bank_reference) for e in batch] == [
        (Decimal("242.00"), "Exemplu SRL", "BT2612010001-1"), (Decimal("60.50"), "Ion Ionescu", "BT2612010001-2")]
    assert batch[0].payer_iban == "RO02RZBR0000060012345678"


def test_mt940_reads_structured_and_free_text_details():
    fmt, entries = parse_statement(sample("mt940_statement.sta"))
    assert fmt == "mt940"
    first = entries[0]
    assert (first.credit, first.amount, first.currency, first.booking_date) == (
        True, Decimal("121.00"), "RON", dt.date(2026, 11, 30))
    assert first.remittance == "Plata proforma hpf 000001 hosting"
    assert first.payer_name == "STEFANESCU WEB SRL" and first.payer_iban == "RO66BACX0000001234567890"
    assert first.bank_reference == "BT2611300001" and first.account == "RO49AAAA1B31007593840000"
    assert entries[1].remittance == "Ion Ionescu RO09BCYP0000001234567890 HPF-000002"
    assert [e.credit for e in entries].count(False) == 1


def test_mt940_in_a_swift_envelope_and_reversal_of_a_debit():
    _, entries = parse_statement(sample("mt940_overlap.sta"))
    assert len(entries) == 4
    assert entries[-1].credit and entries[-1].reversal


def test_entries_without_bank_reference_get_stable_distinct_keys():
    _, entries = parse_statement(sample("camt053_v02.xml"))
    keys = [k for k, _ in assign_entry_keys(entries)]
    assert keys[4] != keys[5] and keys[5] == keys[4] + "#2"  # two equal transfers stay two
    assert keys[6] == keys[0]  # the same bank reference listed twice is one entry
    assert keys == [k for k, _ in assign_entry_keys(parse_statement(sample("camt053_v02.xml"))[1])]


@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"hello, this is a CSV;1;2\n", "unknown_format"),
    (b"<Document><BkToCstmrStmt><Stmt>", "invalid_xml"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>',
     "not_camt053"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrStmt/></Document>', "not_camt053"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>'
     b'<Amt Ccy="RON">abc</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-30</Dt></BookgDt></Ntry>'
     b'</Stmt></BkToCstmrStmt></Document>', "bad_entry"),
    (b":20:X\n:25:RO49AAAA1B31007593840000\n:61:2611301130C0,00NTRFNONREF\n:86:x\n", "bad_entry"),
])
def test_unreadable_files_are_refused_with_a_code(data, code):
    with pytest.raises(StatementError) as err:
        parse_statement(data)
    assert err.value.code == code


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET HPF-000001")
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>'
           '<Amt Ccy="RON">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-30</Dt></BookgDt>'
           '<NtryDtls><TxDtls><RmtInf><Ustrd>&x;</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt>'
           '</BkToCstmrStmt></Document>').encode()
    _, entries = parse_statement(xml)
    assert "TOP-SECRET" not in (entries[0].remittance or "")


@pytest.mark.parametrize("text, numbers", [
    ("hpf 000012", [12]), ("HPF-000012", [12]), ("HPF000012", [12]), ("Plata HPF - 000012 si HPF/13", [12, 13]),
    ("factura hpf-000012.", [12]), ("HPF-0000123", [123]), ("HPF 12 3 lei", [12]), ("HST-000012", []),
    ("no reference", []), ("HPF-000000", []), ("", []),
])
def test_proforma_numbers_are_found_whatever_the_spacing_dashes_or_case(text, numbers):
    assert proforma_numbers(text, "HPF") == numbers
