"""The customer credit balance (docs/payments.md, "Customer credit balance"): a ledger of signed entries per
customer and currency; the balance is their sum.

Money received that pays no proforma is credited: the excess of an overpayment, a second card charge for a
proforma already paid, an unmatched bank credit staff assign to a customer. Applying credit to a proforma
(`billing.credit_apply`) and refunding it (`payments.refunds.refund_credit`) debit it, each under the
customer's row lock (`lock_balance`), so two debits at once never spend the same money twice. Entries are
only ever added; each source of money carries an idempotency key, so a retried delivery credits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Integer, String, bindparam, cast, func, literal, select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.errors import BillingError
from hostico.db import for_update
from hostico.models import CreditEntry, Customer
from hostico.models.credit import CREDIT_REASONS, CreditReason


class CreditRefused(BillingError):
    """Credit cannot be applied or refunded this way (more than the balance, another customer's proforma, ...)."""


@dataclass(frozen=True)
class Balance:
    """A customer's credit in one currency."""

    currency: str
    amount: Decimal


def balances(session: Session, customer_id: int) -> list[Balance]:
    """The customer's credit per currency, only the currencies with money left, RON first."""
    rows = session.execute(select(CreditEntry.currency, func.sum(CreditEntry.amount))
                           .where(CreditEntry.customer_id == customer_id).group_by(CreditEntry.currency)).all()
    out = [Balance(currency, Decimal(total)) for currency, total in rows if total]
    return sorted(out, key=lambda b: (b.currency != "RON", b.currency))


def balances_column(customer_id: ColumnElement[int] | None = None) -> ColumnElement[str | None]:
    """The customer's credit as one column of another query: "RON:2900 EUR:-5" (currency and minor units per
    currency with money left), NULL when none; `balances_from_column` reads it. A page that already runs a
    query (My Invoices) gets the balance in the same round trip. The customer is :customer_id unless given."""
    who = customer_id if customer_id is not None else bindparam("customer_id", type_=Integer)
    units = func.sum(CreditEntry.amount)  # stored as minor units: the sum's text is an integer
    per_currency = (select(CreditEntry.currency.label("currency"), cast(units, String).label("units"))
                    .where(CreditEntry.customer_id == who).group_by(CreditEntry.currency)
                    .having(units != 0).subquery("credit_sums"))
    return select(func.aggregate_strings(per_currency.c.currency + literal(":") + per_currency.c.units, " ")) \
        .scalar_subquery()


def balances_from_column(value: str | None) -> list[Balance]:
    """The balances (as `balances` returns them) from the text of `balances_column`."""
    out = []
    for part in (value or "").split():
        currency, units = part.split(":")
        out.append(Balance(currency, (Decimal(int(units)) / 100).quantize(Decimal("0.01"))))
    return sorted(out, key=lambda b: (b.currency != "RON", b.currency))


def balance(session: Session, customer_id: int, currency: str) -> Decimal:
    """The customer's credit in one currency (read afresh: call it after `lock_balance` before a debit)."""
    total = session.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0))
                           .where(CreditEntry.customer_id == customer_id, CreditEntry.currency == currency))
    return Decimal(total or 0).quantize(Decimal("0.01"))


def customers_with_credit(session: Session, limit: int = 200) -> list[tuple[Customer, Balance]]:
    """Every customer holding credit, one row per currency, largest first (the staff list)."""
    total = func.sum(CreditEntry.amount).label("total")
    rows = session.execute(
        select(CreditEntry.customer_id, CreditEntry.currency, total)
        .group_by(CreditEntry.customer_id, CreditEntry.currency).having(func.sum(CreditEntry.amount) != 0)
        .order_by(total.desc(), CreditEntry.customer_id).limit(limit)).all()
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_({r[0] for r in rows})))}
    return [(customers[cid], Balance(currency, Decimal(amount))) for cid, currency, amount in rows]


def entries(session: Session, customer_id: int, limit: int = 100) -> list[CreditEntry]:
    """The customer's credit movements, newest first."""
    return list(session.scalars(select(CreditEntry).where(CreditEntry.customer_id == customer_id)
                                .order_by(CreditEntry.id.desc()).limit(limit)))


def entry_with_key(session: Session, key: str | None) -> CreditEntry | None:
    """The entry already recorded under an idempotency key (read afresh), or None."""
    if not key:
        return None
    return session.scalar(select(CreditEntry).where(CreditEntry.idempotency_key == key)
                          .execution_options(populate_existing=True))


def lock_balance(session: Session, customer_id: int) -> Customer:
    """Hold the customer's row lock until the transaction ends: debits of one customer's credit run one at a
    time, and the balance read after it is current (PostgreSQL FOR UPDATE; SQLite the write lock)."""
    stmt = select(Customer).where(Customer.id == customer_id).execution_options(populate_existing=True)
    customer = session.scalars(for_update(session, stmt, of=Customer, write_lock=(Customer.id, [customer_id]))).first()
    if customer is None:
        raise CreditRefused("There is no such customer.", code="unknown_customer")
    return customer


def add_credit(session: Session, *, customer_id: int, currency: str, amount: Decimal, reason: CreditReason,
               idempotency_key: str, actor_kind: str = "system", actor_id: int | None = None,
               payment_id: int | None = None, invoice_id: int | None = None, bank_line_id: int | None = None,
               checkout_id: int | None = None, note: str | None = None) -> CreditEntry:
    """Credit money that pays no proforma to the customer's balance, once per `idempotency_key`, audited as
    `credit.added`. A credit never needs the lock: it cannot take the balance below zero."""
    if reason not in CREDIT_REASONS:
        raise ValueError(f"not a credit reason: {reason}")
    existing = entry_with_key(session, idempotency_key)
    if existing is not None:
        return existing
    entry = CreditEntry(customer_id=customer_id, currency=currency.upper(), amount=Decimal(amount), reason=reason,
                        payment_id=payment_id, invoice_id=invoice_id, bank_line_id=bank_line_id,
                        checkout_id=checkout_id, actor_kind=actor_kind, actor_id=actor_id,
                        note=(note or "").strip()[:1000] or None, idempotency_key=idempotency_key[:120])
    session.add(entry)
    session.flush()
    record(session, "credit.added", actor_kind=actor_kind, actor_id=actor_id, obj=entry, customer_id=customer_id,
           data={"reason": reason, "amount": str(entry.amount), "currency": entry.currency, "payment": payment_id,
                 "invoice": invoice_id, "bank_line": bank_line_id, "checkout": checkout_id,
                 "balance": str(balance(session, customer_id, entry.currency))})
    return entry
