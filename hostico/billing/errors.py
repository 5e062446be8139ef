"""Typed errors of the billing domain."""

from __future__ import annotations

from typing import Any

from hostico.errors import TranslatableError


class BillingError(TranslatableError):
    """A billing rule refused the operation; the message is safe to show to the user.

    `code` names the rule (e.g. "received_in_future") and `params` its values, so the web layer can
    say it in the reader's language and next to the field it concerns (`field`).
    The message is an English template marked with N_ ("Proforma %(number)s is paid."), translated by the
    web layer (`hostico.web.i18n.error_message`); `str(err)` is the English sentence.
    """

    code: str | None = None  # type: ignore[assignment]  # a billing error may carry no code: BillingError("…")

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = None,
                 **params: object) -> None:
        super().__init__(code, message, **params)
        self.code = code
        self.field = field


class InvoiceNotEditable(BillingError):
    """Only unpaid proformas may change; tax invoices and credit notes never do."""


class InvalidTransition(BillingError):
    """The object is not in a state that allows this operation."""


class PaymentRefused(BillingError):
    """The payment cannot be applied (wrong amount, currency, date, or invoice state)."""


class CorrectionRefused(BillingError):
    """A credit note or a reissue cannot be made (nothing left to credit, no such line, ...)."""


class NoExchangeRate(BillingError):
    """BNR has no rate stored for the day a document needs; the document is not issued (retry later)."""


class IncompleteBuyer(BillingError):
    """The buyer's name, full address (or a company's CUI) is missing: no proforma or tax invoice is issued
    (art. 319 alin. 20 Cod fiscal). `missing` names the fields (BUYER_FIELDS) that are empty."""

    def __init__(self, message: str = "", *, missing: tuple[str, ...] = (), **params: Any) -> None:
        super().__init__(message, code="incomplete_buyer", **params)
        self.missing = missing


class BillingRunBusy(BillingError):
    """Another billing run holds the run's lock (docs/billing.md, The billing run): this one does nothing."""
