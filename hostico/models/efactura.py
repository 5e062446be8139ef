"""RO e-Factura state (docs/efactura.md): one document per reported invoice, its uploads to SPV, the ANAF tokens."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, StateColumn, TimestampMixin, UTCDateTime, one_of, utcnow
from hostico.models.billing_profile import BuyerSnapshot

# pending: waits for its upload (or blocked by validation findings); uploaded: SPV has it, `in prelucrare`;
# ok / nok: SPV's verdict; excluded: not reported (place of supply outside Romania, proforma...).


class EfacturaState(enum.StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    OK = "ok"
    NOK = "nok"
    EXCLUDED = "excluded"


EFACTURA_STATES = tuple(state.value for state in EfacturaState)
# sending: the request is out; answered: SPV gave an index; lost: the answer never came (ambiguous: SPV may
# have registered it); failed: certainly not registered (connection refused, 503, ExecutionStatus=1).


class UploadState(enum.StrEnum):
    SENDING = "sending"
    ANSWERED = "answered"
    LOST = "lost"
    FAILED = "failed"


UPLOAD_STATES = tuple(state.value for state in UploadState)


class EfacturaDocument(TimestampMixin, Base):
    __tablename__ = "efactura_documents"
    __table_args__ = (
        CheckConstraint(one_of("state", EfacturaState), name="state"),
        CheckConstraint("route IS NULL OR route IN ('upload', 'uploadb2c')", name="route"),
        Index("ix_efactura_documents_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), unique=True, nullable=False)
    state: Mapped[EfacturaState] = mapped_column(StateColumn(EfacturaState, 10), default=EfacturaState.PENDING,
                                                 nullable=False)
    route: Mapped[str | None] = mapped_column(String(10))  # upload (business) | uploadb2c (consumer)
    standard: Mapped[str] = mapped_column(String(3), default="UBL", nullable=False)  # UBL | CN
    extern: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))  # why it is excluded
    issue_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    xml: Mapped[bytes | None] = mapped_column(LargeBinary)  # the exact bytes of the last document built
    findings: Mapped[list[Any] | None] = mapped_column(JSON)  # validation findings that block the upload
    upload_index: Mapped[str | None] = mapped_column(String(40), index=True)  # SPV's index_incarcare
    download_id: Mapped[str | None] = mapped_column(String(40))  # SPV's id_descarcare
    anaf_messages: Mapped[list[Any] | None] = mapped_column(JSON)  # ANAF's errors for a nok
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A correction's seller / buyer (hostico.efactura.corrections): the XML is built from these when set,
    # the invoice's own snapshots (which never change) otherwise.
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    buyer: Mapped[BuyerSnapshot | None] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)

    invoice = relationship("Invoice", lazy="raise_on_sql")
    uploads = relationship("EfacturaUpload", back_populates="document", order_by="EfacturaUpload.id",
                           lazy="raise_on_sql")


class EfacturaCorrection(Base):
    """One correction of a blocked or refused document: who, when, the parties before and after, both XMLs."""

    __tablename__ = "efactura_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("efactura_documents.id"), index=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # the staff user; None: the sync job (seller refreshed)
    # pending (blocked) | nok
    state_before: Mapped[EfacturaState] = mapped_column(StateColumn(EfacturaState, 10), nullable=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)  # corrected past the deadline
    seller_before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seller_after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    buyer_before: Mapped[BuyerSnapshot | None] = mapped_column(JSON)
    buyer_after: Mapped[BuyerSnapshot | None] = mapped_column(JSON)
    xml_before: Mapped[bytes | None] = mapped_column(LargeBinary)  # the document as it was (blocked or refused)
    xml_after: Mapped[bytes | None] = mapped_column(LargeBinary)  # the document rebuilt from the correction
    findings_after: Mapped[list[Any] | None] = mapped_column(JSON)


class EfacturaUpload(Base):
    """One request to SPV's upload: the record that makes "never upload twice" checkable."""

    __tablename__ = "efactura_uploads"
    __table_args__ = (CheckConstraint(one_of("state", UploadState), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("efactura_documents.id"), index=True, nullable=False)
    state: Mapped[UploadState] = mapped_column(StateColumn(UploadState, 10), default=UploadState.SENDING,
                                               nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    upload_index: Mapped[str | None] = mapped_column(String(40), unique=True)
    stare: Mapped[str | None] = mapped_column(String(40))  # SPV's last stareMesaj answer
    status_checks: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    status_checks_day: Mapped[dt.date | None] = mapped_column(Date)
    download_id: Mapped[str | None] = mapped_column(String(40))
    zip: Mapped[bytes | None] = mapped_column(LargeBinary)  # SPV's ZIP, kept for good (SPV drops it after ~60 days)
    xml_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # the staff user who asked for a resend

    document = relationship("EfacturaDocument", back_populates="uploads")


class AnafToken(Base):
    """ANAF's OAuth tokens (one row), encrypted with a key derived from the secret key."""

    __tablename__ = "anaf_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    access_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    refresh_token: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    connected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    connected_by: Mapped[int | None] = mapped_column(Integer)  # staff user id; None: the bootstrap token
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When the refresh token in use was obtained: ANAF's refresh tokens live 365 days (oauth.token_lifetime).
    refresh_obtained_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
