"""Billing profiles: the person or legal entity an invoice is issued to."""

from __future__ import annotations

import datetime as dt
import enum
from typing import NotRequired, TypedDict

from sqlalchemy import JSON, Boolean, CheckConstraint, ColumnElement, ForeignKey, String, case, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, StateColumn, TimestampMixin, UTCDateTime, one_of


class ProfileKind(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"


class Approval(enum.StrEnum):
    """A profile's identity: approved, or waiting for staff (pending) or refused (docs/proforma-edit.md)."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class ViesSnapshot(TypedDict):
    """VIES's answer about a VAT number as a buyer snapshot and a billing profile keep it (billing.vies.ViesAnswer)."""

    vat_number: str
    status: str  # valid | invalid | pending
    valid: bool | None
    name: str | None
    address: str | None
    request_id: str | None
    request_date: str | None
    checked_at: str
    error: str | None


class BuyerSnapshot(TypedDict):
    """The buyer data an invoice copies when issued (the `buyer` JSON column; docs/fiscal.md): a misspelt key is a
    type error. `kind` is a ProfileKind value (read back from JSON as its string, equal to the member)."""

    kind: str
    name: str | None
    cnp: str | None
    company_name: str | None
    cui: str | None
    reg_com: str | None
    vat_number: str | None
    address: str
    city: str
    county: str | None
    postal_code: str | None
    country: str
    vies: NotRequired[ViesSnapshot]


PROFILE_KINDS = tuple(state.value for state in ProfileKind)
APPROVAL_STATES = tuple(state.value for state in Approval)


class BillingProfile(TimestampMixin, Base):
    __tablename__ = "billing_profiles"
    __table_args__ = (
        CheckConstraint(one_of("kind", ProfileKind), name="kind"),
        CheckConstraint(one_of("approval", Approval), name="approval"),
        CheckConstraint(f"kind = '{ProfileKind.PERSON}' OR (company_name IS NOT NULL AND cui IS NOT NULL)",
                        name="company_fields"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ProfileKind] = mapped_column(StateColumn(ProfileKind, 10), nullable=False)
    label: Mapped[str | None] = mapped_column(String(100))
    # person
    name: Mapped[str | None] = mapped_column(String(200))
    cnp: Mapped[str | None] = mapped_column(String(13))
    # legal entity
    company_name: Mapped[str | None] = mapped_column(String(200))
    cui: Mapped[str | None] = mapped_column(String(20))
    reg_com: Mapped[str | None] = mapped_column(String(40))
    vat_number: Mapped[str | None] = mapped_column(String(20))  # set when the entity is VAT-registered
    # VIES's answer about vat_number (billing.vies.ViesAnswer.snapshot()): reverse charge only when valid.
    vies: Mapped[ViesSnapshot | None] = mapped_column(JSON)
    # address
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    city: Mapped[str] = mapped_column(String(100), nullable=False)
    county: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="RO", nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    approval: Mapped[Approval] = mapped_column(StateColumn(Approval, 10), default=Approval.APPROVED, nullable=False)
    used_for_invoicing: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    customer = relationship("Customer", back_populates="billing_profiles")

    @hybrid_property
    def display_name(self) -> str:
        return (self.company_name if self.kind == ProfileKind.COMPANY else self.name) or ""

    @display_name.inplace.expression
    @classmethod
    def _display_name_sql(cls) -> ColumnElement[str]:
        """The same name in SQL, so a list can select it without loading profiles."""
        return func.coalesce(case((cls.kind == ProfileKind.COMPANY, cls.company_name), else_=cls.name), "")

    def snapshot(self) -> BuyerSnapshot:
        """Return the buyer data an invoice copies from this profile (with VIES's answer, when asked)."""
        data: BuyerSnapshot = {
            "kind": self.kind,
            "name": self.name,
            "cnp": self.cnp,
            "company_name": self.company_name,
            "cui": self.cui,
            "reg_com": self.reg_com,
            "vat_number": self.vat_number,
            "address": self.address,
            "city": self.city,
            "county": self.county,
            "postal_code": self.postal_code,
            "country": self.country,
        }
        if self.vies:
            data["vies"] = self.vies.copy()
        return data
