"""Mail-login tokens: signed JWTs (HS256 only) bound to one customer and one invoice, recorded server-side.

Authlib's own `authlib.jose` module is deprecated in the pinned Authlib (it warns on import and points to
joserfc, the JOSE library Authlib's author split out of it), so tokens are signed with joserfc.

Two ways a link is made:
- `link_for_message` (the outbox worker, when it sends an email): the record is made *pending* (no expiry,
  refused when followed) and reused by every attempt to send that email, so a retried email carries the
  same link and no second record. `activate` starts its 7 days when the SMTP server accepted the email
  (docs/mail-login.md); a link revoked before then (email or password change) is replaced at the next attempt.
  Such tokens carry no `exp`: the server record is the only clock, because the acceptance time is not
  known when the token is signed.
- `mint` (tests, benchmarks): a link counted as delivered at `sent_at`, with `exp` in the token too.
A token never lives in the database: the record keeps only its `jti`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import (
    Connection,
    CursorResult,
    Integer,
    Select,
    String,
    Table,
    Update,
    bindparam,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session, joinedload

from hostico.models import Invoice, MailLoginToken, utcnow

ALGORITHMS = ["HS256"]  # the only algorithm accepted: never "none", never one chosen by the token
VALIDITY = dt.timedelta(days=7)
_KEY_PURPOSE = b"hostico/maillogin/v1"
MAX_TOKEN_LENGTH = 1024


class InvalidLink(Exception):
    """The link cannot log anyone in. `reason` is for the audit log only, never for the visitor.

    `record` is set when the token's signature was good (expired or revoked): only then is its invoice
    known for sure.
    """

    def __init__(self, reason: str, record: MailLoginToken | None = None):
        super().__init__(reason)
        self.reason = reason
        self.record = record


@dataclass(frozen=True)
class Claims:
    customer_id: int
    invoice_id: int
    jti: str


@lru_cache(maxsize=4)
def signing_key(secret_key: str) -> OctKey:
    """Derive the link-signing key from SECRET_KEY (a separate key per purpose, never SECRET_KEY itself).

    Derived once per secret (an app has one): every link followed would otherwise redo it.
    """
    derived = hmac.new(secret_key.encode(), _KEY_PURPOSE, hashlib.sha256).digest()
    return OctKey.import_key(derived)


def _as_utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def mint(session: Session, *, customer_id: int, invoice_id: int, sent_at: dt.datetime, secret_key: str,
         outbox_message_id: int | None = None) -> str:
    """Record a new link for an email delivered at sent_at and return its signed token (valid 7 days)."""
    sent_at = _as_utc(sent_at)
    expires_at = sent_at + VALIDITY
    jti = secrets.token_urlsafe(18)
    session.add(MailLoginToken(jti=jti, customer_id=customer_id, invoice_id=invoice_id,
                               outbox_message_id=outbox_message_id, accepted_at=sent_at, expires_at=expires_at))
    session.flush()
    claims = {"sub": str(customer_id), "inv": invoice_id, "jti": jti, "iat": int(sent_at.timestamp()),
              "exp": int(expires_at.timestamp())}
    return jwt.encode({"alg": "HS256"}, claims, signing_key(secret_key), algorithms=ALGORITHMS)


def _sign_pending(record: MailLoginToken, secret_key: str) -> str:
    # Deterministic (HS256 over the same claims): every attempt to send the email carries the same token.
    claims = {"sub": str(record.customer_id), "inv": record.invoice_id, "jti": record.jti,
              "iat": int(_as_utc(record.created_at).timestamp())}
    return jwt.encode({"alg": "HS256"}, claims, signing_key(secret_key), algorithms=ALGORITHMS)


def link_for_message(session: Session, *, customer_id: int, invoice_id: int, outbox_message_id: int,
                     secret_key: str, now: dt.datetime | None = None) -> str:
    """Return the token of an outbox email's link, recording it (pending) at the email's first attempt.

    A later attempt gets the same record and token; when the record was revoked meanwhile (the customer
    changed their email or password, staff revoked their links) a new one is made, so the link always
    postdates the last revocation. The database keeps at most one unrevoked record per message.
    """
    record = session.scalar(
        select(MailLoginToken).where(MailLoginToken.outbox_message_id == outbox_message_id,
                                     MailLoginToken.revoked_at.is_(None), MailLoginToken.accepted_at.is_(None))
    )
    if record is None:
        record = MailLoginToken(jti=secrets.token_urlsafe(18), customer_id=customer_id, invoice_id=invoice_id,
                                outbox_message_id=outbox_message_id, expires_at=None,
                                created_at=_as_utc(now or utcnow()))
        session.add(record)
        session.flush()
    return _sign_pending(record, secret_key)


def activate(conn: Session | Connection, outbox_message_id: int, *, accepted_at: dt.datetime) -> int:
    """Start the 7 days of an email's pending link: the SMTP server accepted the email at accepted_at.

    A link revoked before acceptance stays dead (the email may have gone to an address no longer the
    customer's). Returns how many links became live.
    """
    accepted_at = _as_utc(accepted_at)
    t = cast(Table, MailLoginToken.__table__)
    result = conn.execute(
        update(t).where(t.c.outbox_message_id == outbox_message_id, t.c.revoked_at.is_(None),
                        t.c.accepted_at.is_(None))
        .values(accepted_at=accepted_at, expires_at=accepted_at + VALIDITY)
    )
    return cast(CursorResult[Any], result).rowcount


def decode(token: str, *, secret_key: str, now: dt.datetime | None = None) -> tuple[Claims, bool]:
    """Check the signature and claims; return the claims and whether the token is still within its time.

    Raises InvalidLink for a bad signature, algorithm or claim set (then nothing in it can be trusted).
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink("malformed")
    try:
        decoded = jwt.decode(token, signing_key(secret_key), algorithms=ALGORITHMS)
    except (JoseError, ValueError, TypeError) as err:
        raise InvalidLink("signature") from err
    if decoded.header.get("alg") not in ALGORITHMS:
        raise InvalidLink("signature")
    c = decoded.claims
    try:
        sub, inv, jti, iat = c["sub"], c["inv"], c["jti"], c["iat"]
        if not (isinstance(sub, str) and sub.isdigit() and isinstance(inv, int) and not isinstance(inv, bool)
                and isinstance(jti, str) and 0 < len(jti) <= 64 and isinstance(iat, int)):
            raise InvalidLink("claims")
    except KeyError as err:
        raise InvalidLink("claims") from err
    claims = Claims(customer_id=int(sub), invoice_id=inv, jti=jti)
    if "exp" not in c:
        return claims, True  # a link sent by the worker: its record's expiry (from acceptance) decides
    exp = c["exp"]
    if not isinstance(exp, int) or isinstance(exp, bool) or exp - iat != int(VALIDITY.total_seconds()):
        raise InvalidLink("claims")
    now_ts = int(_as_utc(now or utcnow()).timestamp())
    return claims, now_ts < exp


@lru_cache(maxsize=1)
def _lookup_statement() -> Select:
    """One statement for the record and what the link names (its customer, its invoice's number), so the
    caller's session.get() of them costs no query. Built once: SQLAlchemy builds slower than it runs."""
    return (
        select(MailLoginToken)
        .options(joinedload(MailLoginToken.customer),
                 joinedload(MailLoginToken.invoice).load_only(Invoice.code, Invoice.customer_id)
                 .lazyload(Invoice.lines))
        .where(MailLoginToken.jti == bindparam("jti", type_=String))
    )


@lru_cache(maxsize=1)
def _count_use_statement() -> Update:
    table = cast(Table, MailLoginToken.__table__)
    return (update(table).where(table.c.id == bindparam("link_id", type_=Integer))
            .values(use_count=table.c.use_count + literal_column("1"),  # no anonymous bind: it may ride in a CTE
                    last_used_at=bindparam("used_at", type_=table.c.last_used_at.type)))


def verify(session: Session, token: str, *, secret_key: str, now: dt.datetime | None = None) -> MailLoginToken:
    """Return the link's record if the token is authentic, recorded, live and unexpired; else raise InvalidLink."""
    claims, in_time = decode(token, secret_key=secret_key, now=now)
    record = session.scalar(_lookup_statement(), {"jti": claims.jti})
    if record is None:
        raise InvalidLink("unknown")
    if record.customer_id != claims.customer_id or record.invoice_id != claims.invoice_id:
        raise InvalidLink("mismatch")
    if record.revoked_at is not None:
        raise InvalidLink("revoked", record)
    if record.expires_at is None:
        raise InvalidLink("undelivered", record)  # its email was never accepted by the SMTP server
    if not in_time or _as_utc(now or utcnow()) >= record.expires_at:
        raise InvalidLink("expired", record)
    return record


def live_record(session: Session, jti: str, *, now: dt.datetime | None = None) -> MailLoginToken | None:
    """Return the recorded link with this jti if it is neither revoked nor expired."""
    record = session.scalar(select(MailLoginToken).where(MailLoginToken.jti == jti))
    if (record is None or record.revoked_at is not None or record.expires_at is None
            or _as_utc(now or utcnow()) >= record.expires_at):
        return None
    return record


def use_statement(record: MailLoginToken, *, now: dt.datetime | None = None) -> tuple[Update, dict[str, Any]]:
    """The UPDATE that counts one use of a link and its parameters, for a caller that sends it with another
    statement (one round trip: see hostico.accounts.login_sessions.create). The statement is built once (its
    bind names: link_id, used_at). The caller expires the record's two counted values."""
    return _count_use_statement(), {"link_id": record.id, "used_at": _as_utc(now or utcnow())}


def count_use(session: Session, record: MailLoginToken, *, now: dt.datetime | None = None) -> None:
    """Count one use of a link (atomically: prefetching scanners may follow it concurrently)."""
    # A Core UPDATE (no ORM bookkeeping); the loaded record's copies of the two values are simply expired.
    session.execute(_count_use_statement(), {"link_id": record.id, "used_at": _as_utc(now or utcnow())})
    session.expire(record, ["use_count", "last_used_at"])
