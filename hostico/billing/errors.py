"""Typed errors of the billing domain."""


class BillingError(Exception):
    """A billing rule refused the operation; the message is safe to show to the user."""


class InvoiceNotEditable(BillingError):
    """Only unpaid proformas may change; tax invoices and credit notes never do."""


class InvalidTransition(BillingError):
    """The object is not in a state that allows this operation."""


class PaymentRefused(BillingError):
    """The payment cannot be applied (wrong amount, currency, or invoice state)."""
