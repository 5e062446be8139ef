"""The billing data model (docs/billing.md): one module per aggregate, all imported here for Alembic."""

from hostico.models.account_closure import AccountClosure
from hostico.models.account_token import ACCOUNT_TOKEN_PURPOSES, AccountToken
from hostico.models.audit import AuditLog
from hostico.models.bank_statement import BankStatementImport, BankStatementLine
from hostico.models.base import Base, Money, Percent, Quantity, Rate, UTCDateTime, utcnow
from hostico.models.billing_profile import BillingProfile
from hostico.models.billing_run import BillingRun
from hostico.models.catalog import CYCLE_MONTHS, CYCLES, Price, Product
from hostico.models.checkout import Checkout, CheckoutItem, Refund
from hostico.models.credit import CreditEntry
from hostico.models.customer import Customer, RecoveryCode
from hostico.models.efactura import AnafToken, EfacturaCorrection, EfacturaDocument, EfacturaUpload
from hostico.models.exchange_rate import ExchangeRate, ExchangeRateSync
from hostico.models.invoice import Invoice, InvoiceCounter, InvoiceEvent, InvoiceLine, InvoicePdf, PendingBillingEdit
from hostico.models.login_throttle import LoginThrottle
from hostico.models.maillogin import MailLoginToken
from hostico.models.outbox import OutboxMessage
from hostico.models.payment import Payment
from hostico.models.service import Order, Service
from hostico.models.staff import StaffUser
from hostico.models.user_session import UserSession

__all__ = [
    "ACCOUNT_TOKEN_PURPOSES", "AccountClosure", "AccountToken", "AnafToken", "AuditLog", "BankStatementImport",
    "BankStatementLine", "Base", "BillingProfile", "BillingRun",
    "CYCLES", "CYCLE_MONTHS", "Checkout", "CheckoutItem", "CreditEntry", "Customer", "EfacturaCorrection",
    "EfacturaDocument",
    "EfacturaUpload",
    "ExchangeRate", "ExchangeRateSync", "Invoice",
    "InvoiceCounter", "InvoiceEvent", "InvoiceLine", "InvoicePdf", "LoginThrottle",
    "MailLoginToken", "Money", "Order", "OutboxMessage",
    "Payment", "PendingBillingEdit", "Percent", "Price", "Product", "Quantity", "Rate", "RecoveryCode", "Refund",
    "Service",
    "StaffUser", "UTCDateTime", "UserSession", "utcnow",
]
