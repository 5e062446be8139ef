"""The invoice as a PDF page, drawn with reportlab on the flowing layout of hostico/web/pdf_canvas.py.

It shows what the invoice page's document shows (templates/pdf/_document.html with _totals.html, _exchange.html and
_line_price.html): the same msgids, Romanian first with the reader's language beside it
(`hostico.web.i18n.bilingual_parts`, what `ro_en` marks up on the page), amounts and dates through the same
functions as the `money` and `date` filters. hostico/web/pdf.py draws it and keeps what must be kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from hostico import locales
from hostico.efactura.counties import county_name
from hostico.models import Invoice, InvoiceLine
from hostico.models.invoice import InvoiceKind
from hostico.web import i18n
from hostico.web.pdf_canvas import (
    BOLD,
    REGULAR,
    Flow,
    Line,
    Run,
    Style,
    height_of,
    rgb,
    text_width,
    wrap,
)

TEXT, MUTED, MENTION, RULE, BORDER, FOOTER = (rgb(c) for c in (0x1D2433, 0x5B6475, 0x444444, 0x10243E, 0xDDE1EA,
                                                              0x666666))
BODY, OTHER, BODY_BOLD = Style(REGULAR, 9.5, TEXT), Style(REGULAR, 9.5, MUTED), Style(BOLD, 9.5, TEXT)
KIND, KIND_OTHER = Style(BOLD, 18, TEXT), Style(REGULAR, 18, MUTED)
HEADING, HEADING_OTHER = Style(BOLD, 10, MUTED), Style(REGULAR, 10, MUTED)
PARTY_NAME = Style(BOLD, 11, TEXT)
TH, TH_OTHER = Style(BOLD, 8, MUTED), Style(REGULAR, 8, MUTED)
SMALL = Style(REGULAR, 8, MUTED)
NOTE, NOTE_OTHER = Style(REGULAR, 8.5, MENTION), Style(REGULAR, 8.5, MUTED)
GRAND, GRAND_OTHER = Style(BOLD, 11, TEXT), Style(REGULAR, 11, MUTED)
FOOTER_STYLE = Style(REGULAR, 8, FOOTER)
PAD = 4.0  # a table cell's padding
GAP = 8.0  # between paragraphs



def plain(number: Decimal) -> str:
    """Return a quantity or a rate without trailing zeros or an exponent: 2, 1.5, 21, 10."""
    return format(number.normalize(), "f")


def joined(*parts: list[Run]) -> list[Run]:
    """Return run lists one after the other, a space between them."""
    runs: list[Run] = []
    for part in parts:
        for i, (text, style) in enumerate(part):
            runs.append((" " + text if runs and i == 0 else text, style))
    return runs



class InvoiceDrawing:
    """One invoice drawn in one language: each method draws a part of templates/pdf/_document.html, in its order."""

    def __init__(self, invoice: Invoice, lang: str, context: Mapping[str, object]) -> None:
        self.invoice, self.lang, self.context = invoice, lang, context
        self.catalogue = locales.translations(lang)
        self.flow = Flow()
        self.seller: Mapping[str, str] = invoice.seller or {}
        self.buyer: Mapping[str, str] = invoice.buyer or {}

    # the words, as the page's template says them -------------------------------------------------------------
    def ro_en(self, msgid: str, style: Style = BODY, other: Style = OTHER, *, upper: bool = False,
              **params: object) -> list[Run]:
        """Return a label Romanian first, the reader's language beside it in `other` (the page's `ro_en`)."""
        romanian, theirs = i18n.bilingual_parts(msgid, self.lang, **params)
        runs = [(romanian, style)] if theirs is None else [(romanian, style), (" / " + theirs, other)]
        return [(text.upper(), style) for text, style in runs] if upper else runs

    def _(self, msgid: str, **params: object) -> str:
        """Return a sentence in the reader's language only (the page's `_()`)."""
        text = self.catalogue.ugettext(msgid)
        return text % params if params else text

    def money(self, amount: Decimal | None, currency: str | None = None) -> str:
        """Format an amount as the `money` filter does."""
        return i18n.money(amount, currency or self.invoice.currency, self.lang)

    def date(self, value: dt.date | None) -> str:
        """Format a date as the `date` filter does."""
        return i18n.date(value, self.lang)

    # the document ----------------------------------------------------------------------------------------------
    def draw(self) -> bytes:
        """Return the PDF bytes."""
        self.head()
        self.parties()
        self.sentences()
        self.lines()
        self.totals()
        self.exchange()
        self.mentions()
        inv = self.invoice
        return self.flow.render(lambda page, pages: [(f"{inv.code} · {page}/{pages}", FOOTER_STYLE)],
                                title=inv.code, author=self.seller.get("name") or "", lang=self.lang)

    def head(self) -> None:
        """The kind and number on the left, the dates on the right at their natural width, a rule below."""
        f, inv = self.flow, self.invoice
        kind = i18n.label_msgid("invoice_kind", inv.kind)
        dates = [(self.ro_en("Issue date", OTHER), self.date(inv.issue_date))]
        if inv.due_date:
            dates.append((self.ro_en("Due date", OTHER), self.date(inv.due_date)))
        dates.append((self.ro_en("Currency", OTHER), inv.currency))
        if inv.collected_on:
            dates.append((self.ro_en("Collection date", OTHER), self.date(inv.collected_on)))
        label_w = max(text_width(label) for label, _value in dates)
        value_w = max(BODY.width(value) for _label, value in dates)
        dates_w = label_w + 10 + value_w
        left_w = f.width - dates_w - 16
        number = joined(self.ro_en("Series"), [(inv.series, BODY_BOLD)], self.ro_en("no."),
                        [(f"{inv.number:06d}", BODY_BOLD)])
        top = f.y
        # 3 points between the title and the number: text extraction (pypdf) then sees two lines, not one
        bottom = f.text(wrap(number, left_w), f.left, f.text(wrap(self.ro_en(kind, KIND, KIND_OTHER), left_w),
                                                               f.left, top) - 3)
        y, x = top - 2, f.right - dates_w
        for label, value in dates:
            label_bottom = f.text(wrap(label, label_w + 1), x, y)
            y = min(label_bottom, f.text([Line([[0.0, value, BODY]], BODY.width(value))], x + label_w + 10, y)) - 2
        f.y = min(bottom, y) - 8
        f.rule(f.left, f.right, f.y, 1.5, RULE)
        f.y -= 12

    def parties(self) -> None:
        """The seller and the buyer side by side, half the width each."""
        f, s, b = self.flow, self.seller, self.buyer
        seller: list[list[Run]] = [[(s.get("name") or "", PARTY_NAME)],
                                   self.labelled("CUI/CIF", s.get("cui") or "")]
        if s.get("reg_com"):
            seller.append(self.labelled("Trade register no.", s["reg_com"]))
        if s.get("capital"):
            seller.append(self.labelled("Share capital", s["capital"]))
        if s.get("vat_payer") == "0":
            seller.append([("Neplătitor de TVA", BODY)])  # a legal mention: Romanian in every language
        seller.append([(s.get("address") or "", BODY)])
        if s.get("bank"):
            seller.append(self.labelled("Bank", s["bank"]))
        if s.get("iban"):
            seller.append([(f"IBAN: {s['iban']}", BODY)])
        buyer: list[list[Run]] = [[(self.invoice.buyer_name, PARTY_NAME)]]
        if b.get("kind") == "company":
            buyer.append(self.labelled("CUI/CIF", b.get("cui") or ""))
            if b.get("reg_com"):
                buyer.append(self.labelled("Trade register no.", b["reg_com"]))
            if b.get("vat_number"):
                buyer.append(self.labelled("VAT number", b["vat_number"]))
        elif b.get("cnp"):
            buyer.append([(f"CNP: {b['cnp']}", BODY)])
        buyer.append([(b.get("address") or "", BODY)])
        place = f"{b.get('postal_code') or ''} {b.get('city') or ''}".strip()
        if b.get("county"):
            place += f", {county_name(b['county'])}"
        buyer += [[(place, BODY)], [(i18n.country_name(b.get("country"), self.lang), BODY)]]
        width = (f.width - 20) / 2
        columns = [(self.ro_en("Seller", HEADING, HEADING_OTHER, upper=True), seller),
                   (self.ro_en("Buyer", HEADING, HEADING_OTHER, upper=True), buyer)]
        blocks = [[wrap(heading, width)] + [wrap(div, width) for div in divs] for heading, divs in columns]
        f.keep(max(sum(height_of(lines) for lines in block) + 4 for block in blocks))
        top, bottom = f.y, f.y
        for n, block in enumerate(blocks):
            x, y = f.left + n * (width + 20), top
            for i, lines in enumerate(block):
                y = f.text(lines, x, y) - (4 if i == 0 else 0)
            bottom = min(bottom, y)
        f.y = bottom - 12

    def labelled(self, msgid: str, value: str) -> list[Run]:
        """Return "Label: value", the label bilingual."""
        label = self.ro_en(msgid)
        text, style = label[-1]
        return label[:-1] + [(text + ":", style), (" " + value, BODY)]

    def sentences(self) -> None:
        """What the document corrects, replaces or was issued for, and a card payment."""
        inv, related = self.invoice, self.context.get("related") or {}
        assert isinstance(related, Mapping)
        said: list[list[Run]] = []
        if inv.kind == InvoiceKind.CREDIT_NOTE and related.get("corrects"):
            corrects = related["corrects"]
            said.append(self.ro_en("Corrects tax invoice %(code)s of %(date)s.", code=corrects.code,
                                   date=corrects.issue_date))
        if inv.kind == InvoiceKind.TAX and related.get("replaces"):
            replaces, stornos = related["replaces"], related.get("stornos") or []
            text = self._("Replaces tax invoice %(code)s of %(date)s, cancelled by %(stornos)s.", code=replaces.code,
                          date=self.date(replaces.issue_date), stornos=", ".join(note.code for note in stornos))
            for note in stornos:
                text += " " + self._("Credit note %(code)s of %(date)s.", code=note.code,
                                     date=self.date(note.issue_date))
            said.append([(text, BODY)])
        card_paid = self.context.get("card_paid")
        if card_paid:
            gateway, day = card_paid  # type: ignore[misc]
            said.append(self.ro_en("Paid by card (%(gateway)s) on %(date)s", gateway=gateway, date=day))
        if inv.kind == InvoiceKind.TAX and related.get("proforma"):
            said.append(self.ro_en("Issued for proforma %(code)s.", code=related["proforma"].code))
        for runs in said:
            self.flow.paragraph(runs)
            self.flow.y -= GAP

    def lines(self) -> None:
        """The lines table: each row whole on a page, the header again at the top of every page it continues on."""
        f, inv = self.flow, self.invoice
        headers = [[("#", TH)], self.ro_en("Description", TH, TH_OTHER), self.ro_en("Qty", TH, TH_OTHER),
                   self.ro_en("Unit price (without VAT)", TH, TH_OTHER),
                   self.ro_en("Value (without VAT)", TH, TH_OTHER), self.ro_en("VAT rate", TH, TH_OTHER),
                   self.ro_en("VAT", TH, TH_OTHER), self.ro_en("Total", TH, TH_OTHER)]
        rows = [[str(line.position), plain(line.quantity), self.money(line.unit_price), self.money(line.net),
                 f"{plain(line.vat_rate)}%", self.money(line.vat), self.money(line.total)] for line in inv.lines]
        widths = self.column_widths(headers, rows)
        xs = [f.left + sum(widths[:i]) for i in range(len(widths))]
        header_lines = [wrap(h, w - 2 * PAD) for h, w in zip(headers, widths, strict=True)]
        header_h = max(height_of(lines) for lines in header_lines) + 2 * PAD

        def header() -> None:
            for i, lines in enumerate(header_lines):
                f.text(lines, xs[i] + PAD, f.y - PAD, align="left" if i < 2 else "right", width=widths[i] - 2 * PAD)
            f.y -= header_h
            f.rule(f.left, f.right, f.y, 0.75, BORDER)

        f.keep(header_h + 3 * BODY.leading)
        header()
        f.on_new_page = header
        for line, cells in zip(inv.lines, rows, strict=True):
            # a row is at most 300 characters of description: it always fits on a page
            description = wrap(self.description(line), widths[1] - 2 * PAD)
            f.keep(max(height_of(description), BODY.leading) + 2 * PAD)
            top = f.y - PAD
            bottom = min(f.text([Line([[0.0, cells[0], BODY]], BODY.width(cells[0]))], xs[0] + PAD, top),
                         f.text(description, xs[1] + PAD, top))
            for i, cell in enumerate(cells[1:], start=2):
                bottom = min(bottom, f.text([Line([[0.0, cell, BODY]], BODY.width(cell))], xs[i] + PAD, top,
                                            align="right", width=widths[i] - 2 * PAD))
            f.y = bottom - PAD
            f.rule(f.left, f.right, f.y, 0.75, BORDER)
        f.on_new_page = None

    def description(self, line: InvoiceLine) -> list[Run]:
        """A line's description, its period and the BNR conversion of a price set in another currency
        (templates/pdf/_line_price.html)."""
        runs: list[Run] = [(line.description, BODY)]
        if line.period_start:
            runs.append((f"\n{self.date(line.period_start)} – {self.date(line.period_end)}", SMALL))
        line_rates = self.context.get("line_rates") or {}
        assert isinstance(line_rates, Mapping)
        rate = line_rates.get(line.id) or self.context.get("fx_rate")
        if line.price_currency and rate:
            sign = "×" if self.invoice.currency == "RON" else "÷"
            runs.append((f"\n{self.money(line.price_amount, line.price_currency)} {sign} {rate} = "
                         f"{self.money(line.unit_price)}", SMALL))
        return runs

    def column_widths(self, headers: list[list[Run]], rows: list[list[str]]) -> list[float]:
        """Widths of the lines table's columns: each number column as wide as its widest value or header word, the
        space left shared between the headers that would wrap less and the description (at least a third)."""
        width = self.flow.width
        need = [max([BODY.width(row[0]) for row in rows] + [TH.width("#")])]
        want = [need[0]]
        for i, header in enumerate(headers[2:], start=1):
            words = max(style.width(word) for text, style in header for word in text.split())
            need.append(max([BODY.width(row[i]) for row in rows] + [words]))
            # a header on two lines at most, when there is room (a line breaks at a space: a little more than half)
            want.append(max(need[-1], text_width(header) / 2 + 10))
        widths = [w + 2 * PAD + (3 if i else 0) for i, w in enumerate(need)]  # 3 more points between amounts
        spare = width - sum(widths) - width / 3
        extra = [w - n for w, n in zip(want, need, strict=True)]
        if spare > 0 and sum(extra) > 0:
            share = min(1.0, spare / sum(extra))
            widths = [w + e * share for w, e in zip(widths, extra, strict=True)]
        return [widths[0], width - sum(widths)] + widths[1:]

    def totals(self) -> None:
        """The base and the VAT of each rate (several rates), the subtotal, the VAT and the total
        (templates/pdf/_totals.html)."""
        inv = self.invoice
        vat_rates = self.context.get("vat_rates") or {}
        assert isinstance(vat_rates, Mapping)
        rows: list[tuple[list[Run], str, Style]] = []
        if len(vat_rates) > 1:
            for rate, (net, vat) in vat_rates.items():
                rows.append((self.ro_en("Taxable base (VAT rate %(rate)s%%)", rate=plain(rate)), self.money(net), BODY))
                rows.append((self.ro_en("VAT (rate %(rate)s%%)", rate=plain(rate)), self.money(vat), BODY))
        rows.append((self.ro_en("Subtotal (without VAT)"), self.money(inv.subtotal), BODY))
        if len(vat_rates) == 1:
            rows.append((self.ro_en("VAT (%(rate)s%%)", rate=plain(next(iter(vat_rates)))), self.money(inv.vat_total),
                         BODY))
        else:
            rows.append((self.ro_en("VAT total"), self.money(inv.vat_total), BODY))
        grand = (self.ro_en("Total to pay", GRAND, GRAND_OTHER) if inv.kind == InvoiceKind.PROFORMA
                 else [(self._("Total"), GRAND)])
        rows.append((grand, self.money(inv.total), GRAND))
        self.table(rows, grand=True)

    def table(self, rows: list[tuple[list[Run], str, Style]], *, grand: bool = False) -> None:
        """Label and amount rows in the right 55% of the page, kept on one page; `grand`: the last row is the total,
        under a rule."""
        f = self.flow
        width = f.width * 0.55
        x = f.right - width
        value_w = max(style.width(value) for _label, value, style in rows)
        label_w = width - value_w - 3 * PAD
        laid = [(wrap(label, label_w), value, style) for label, value, style in rows]
        f.keep(GAP + sum(height_of(lines) + 4 for lines, _value, _style in laid) + 4)
        f.y -= GAP
        for n, (lines, value, style) in enumerate(laid):
            if grand and n == len(laid) - 1:
                f.rule(x, f.right, f.y, 1.5, RULE)
                f.y -= 2
            top = f.y - 2
            bottom = f.text(lines, x + PAD, top)
            bottom = min(bottom, f.text([Line([[0.0, value, style]], style.width(value))], x + PAD, top,
                                        align="right", width=width - 2 * PAD))
            f.y = bottom - 2

    def exchange(self) -> None:
        """The BNR rate the document used and, on an EUR document charging Romanian VAT, its VAT and total in lei
        (templates/pdf/_exchange.html)."""
        inv, fx_rate = self.invoice, self.context.get("fx_rate")
        if not fx_rate:
            return
        if inv.total_ron is not None:
            self.table([(self.ro_en("VAT total in lei"), self.money(inv.vat_total_ron, "RON"), BODY),
                        (self.ro_en("Total in lei"), self.money(inv.total_ron, "RON"), BODY)])
        self.flow.paragraph(self.ro_en("BNR exchange rate: 1 %(currency)s = %(rate)s lei, published on %(date)s.",
                                       NOTE, NOTE_OTHER, currency="EUR", rate=fx_rate, date=inv.rate_date),
                            space_before=GAP)

    def mentions(self) -> None:
        """The VAT mention (Romanian, explained in the reader's language), the proforma's mention and, on an unpaid
        proforma, how to pay it by bank transfer."""
        f, inv = self.flow, self.invoice
        if inv.vat_mention:
            text = inv.vat_mention
            if self.lang != "ro":
                if inv.vat_category == "AE":
                    text += " (" + self._("Reverse charge: VAT is to be accounted for by the customer, art. 196 of "
                                          "Directive 2006/112/EC") + ")"
                elif inv.vat_category == "O" and inv.vat_mention.startswith("Neimpozabil"):
                    text += " (" + self._("Not taxable in Romania: the place of supply is outside Romania") + ")"
                elif inv.vat_category == "O":
                    text += " (" + self._("The seller is not registered for VAT") + ")"
            f.paragraph([(text, NOTE)], space_before=GAP)
        if inv.kind != InvoiceKind.PROFORMA:
            return
        f.paragraph(self.ro_en("A proforma invoice is not a tax invoice. The tax invoice is issued when the payment "
                               "is received.", NOTE, NOTE_OTHER), space_before=GAP)
        if inv.status == "unpaid":
            self.bank_transfer()

    def bank_transfer(self) -> None:
        """A box with what to write on a bank transfer, kept on one page."""
        f, inv, s = self.flow, self.invoice, self.seller
        pairs = [(self.ro_en("Beneficiary"), [(s.get("name") or "", BODY)]),
                 ([("IBAN", BODY)], [(s.get("iban") or "", BODY)])]
        if s.get("bank"):
            pairs.append((self.ro_en("Bank"), [(s["bank"], BODY)]))
        pairs += [(self.ro_en("Amount"), [(self.money(inv.total), BODY)]),
                  (self.ro_en("Payment reference"), [(inv.code, BODY_BOLD)])]
        inner = f.width - 20
        label_w = min(max(text_width(label) for label, _value in pairs), inner / 2)
        heading = wrap(self.ro_en("Pay by bank transfer", HEADING, HEADING_OTHER, upper=True), inner)
        laid = [(wrap(label, label_w + 1), wrap(value, inner - label_w - 10)) for label, value in pairs]
        note = wrap(self.ro_en("Write the proforma number %(code)s as the payment reference so we can match your "
                               "transfer.", code=inv.code), inner)
        rows_h = sum(max(height_of(label), height_of(value)) + 2 for label, value in laid)
        height = 6 + height_of(heading) + 4 + rows_h + GAP + height_of(note) + 6
        f.keep(GAP + height)
        f.y -= GAP
        f.box(f.left, f.y - height, f.width, height, 0.75, BORDER)
        x, y = f.left + 10, f.text(heading, f.left + 10, f.y - 6) - 4
        for label, value in laid:
            bottom = f.text(label, x, y)
            y = min(bottom, f.text(value, x + label_w + 10, y)) - 2
        f.text(note, x, y - GAP)
        f.y -= height
