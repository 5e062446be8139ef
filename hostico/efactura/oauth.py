"""ANAF's OAuth2 (logincert.anaf.ro/anaf-oauth2/v1): authorization code → tokens, refresh, kept encrypted.

An operator connects once from /staff/efactura: the browser goes to `/authorize` (ANAF asks for the
company's qualified certificate), comes back with a code, and `/token` turns it into an access token
(JWT, `token_content_type=jwt`, valid about 90 days) and a refresh token. Or the operator bootstraps
with HOSTICO_ANAF_REFRESH_TOKEN. The access token is refreshed before it expires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.db import for_update
from hostico.efactura import crypto
from hostico.efactura.errors import AnafAuthError, AnafTemporaryError
from hostico.efactura.settings import EfacturaSettings
from hostico.models import AnafToken, utcnow

REFRESH_MARGIN = dt.timedelta(days=7)  # refresh this long before the access token expires
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=365)  # ANAF's refresh token: then the operator connects again
WARN_DAYS = (30, 7)  # staff see a warning, and admins get an email, this many days before it expires


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None


def authorize_url(settings: EfacturaSettings, state: str) -> str:
    """Where the operator's browser goes to authorise the app (ANAF asks for the certificate there)."""
    query = urlencode({
        "response_type": "code", "client_id": settings.client_id, "redirect_uri": settings.redirect_uri,
        "token_content_type": "jwt", "state": state,
    })
    return f"{settings.oauth_url.rstrip('/')}/authorize?{query}"


def _token_request(settings: EfacturaSettings, form: dict[str, str], *,
                   transport: httpx.BaseTransport | None = None, now: dt.datetime | None = None) -> TokenSet:
    form = {**form, "client_id": settings.client_id, "client_secret": settings.client_secret,
            "token_content_type": "jwt"}
    try:
        with httpx.Client(timeout=settings.timeout, transport=transport) as http:
            response = http.post(f"{settings.oauth_url.rstrip('/')}/token", data=form)
    except httpx.TransportError as exc:
        raise AnafTemporaryError("oauth_unreachable", f"ANAF OAuth: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise AnafTemporaryError("oauth_unavailable", f"ANAF OAuth: HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code != 200 or "access_token" not in data:
        error = data.get("error") or f"HTTP {response.status_code}"
        detail = f"{error} {data.get('error_description') or ''}".strip()
        raise AnafAuthError("oauth_refused", f"ANAF OAuth refused: {detail}", error=error)
    now = now or utcnow()
    expires_in = data.get("expires_in")
    return TokenSet(
        access_token=data["access_token"],
        refresh_token=data.get("refresh_token") or form.get("refresh_token", ""),
        expires_at=now + dt.timedelta(seconds=int(expires_in)) if expires_in else None,
    )


def exchange_code(settings: EfacturaSettings, code: str, **kw: Any) -> TokenSet:
    """Turn the authorization code from the callback into tokens."""
    return _token_request(settings, {"grant_type": "authorization_code", "code": code,
                                     "redirect_uri": settings.redirect_uri}, **kw)


def refresh(settings: EfacturaSettings, refresh_token: str, **kw: Any) -> TokenSet:
    """Get a new access token (and refresh token) with a refresh token."""
    return _token_request(settings, {"grant_type": "refresh_token", "refresh_token": refresh_token}, **kw)


def save_tokens(session: Session, settings: EfacturaSettings, tokens: TokenSet, *,
                connected_by: int | None = None, refreshed: bool = False,
                now: dt.datetime | None = None) -> AnafToken:
    """Store the tokens encrypted (one row), with when a new refresh token was obtained; flush only."""
    row = session.scalar(select(AnafToken).order_by(AnafToken.id).limit(1))
    if row is None:
        row = AnafToken(refresh_token=b"")
        session.add(row)
    now = now or utcnow()
    previous = crypto.decrypt(settings.secret_key, row.refresh_token) if row.refresh_token else None
    row.access_token = crypto.encrypt(settings.secret_key, tokens.access_token)
    if tokens.refresh_token:
        row.refresh_token = crypto.encrypt(settings.secret_key, tokens.refresh_token)
    if not refreshed or row.refresh_obtained_at is None or (tokens.refresh_token and tokens.refresh_token != previous):
        row.refresh_obtained_at = now  # a new refresh token: its 365 days start now
    row.expires_at = tokens.expires_at
    if refreshed:
        row.refreshed_at = now
    else:
        row.connected_at, row.connected_by = now, connected_by
    session.flush()
    return row


def connect(session: Session, settings: EfacturaSettings, tokens: TokenSet, *, staff_id: int,
            ip: str | None = None) -> AnafToken:
    """Staff connected the app to ANAF: store the tokens (save_tokens) and audit it."""
    row = save_tokens(session, settings, tokens, connected_by=staff_id)
    record(session, "efactura.connected", actor_kind="staff", actor_id=staff_id, ip=ip,
           data={"expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None})
    session.flush()
    return row


def connection_refused(session: Session, error_code: str, *, staff_id: int, ip: str | None = None) -> None:
    """Audit an authorisation ANAF refused when staff tried to connect (nothing else changes)."""
    record(session, "efactura.connect_failed", actor_kind="staff", actor_id=staff_id, ip=ip,
           data={"error": error_code})
    session.flush()


@dataclass(frozen=True)
class TokenLifetime:
    """The refresh token's age and expiry; `warning` is 30 or 7 (days) once within that, 0 once expired."""

    obtained_at: dt.datetime
    expires_at: dt.datetime
    age_days: int
    days_left: int
    warning: int | None


def token_lifetime(row: AnafToken | None, now: dt.datetime) -> TokenLifetime | None:
    """How old the stored refresh token is and when it expires (None without a stored token)."""
    obtained = row.refresh_obtained_at or row.connected_at if row is not None else None
    if obtained is None:
        return None
    expires = obtained + REFRESH_TOKEN_LIFETIME
    days_left = (expires - now).days if expires > now else -1
    warning = 0 if days_left < 0 else min((d for d in WARN_DAYS if days_left <= d), default=None)
    return TokenLifetime(obtained, expires, max(0, (now - obtained).days), max(0, days_left), warning)


@dataclass(frozen=True)
class Connection:
    """What /staff/efactura shows about the ANAF connection (never the tokens)."""

    connected: bool
    expires_at: dt.datetime | None = None
    connected_at: dt.datetime | None = None
    connected_by: int | None = None
    bootstrap_available: bool = False
    refresh: TokenLifetime | None = None


def connection(session: Session, settings: EfacturaSettings, now: dt.datetime | None = None) -> Connection:
    """Whether the app holds usable ANAF tokens, and how long its refresh token still lives."""
    row = session.scalar(select(AnafToken).order_by(AnafToken.id).limit(1))
    usable = row is not None and crypto.decrypt(settings.secret_key, row.refresh_token) is not None
    return Connection(usable, row.expires_at if row else None, row.connected_at if row else None,
                      row.connected_by if row else None, bool(settings.refresh_token),
                      token_lifetime(row, now or utcnow()) if usable else None)


def access_token(session_factory: Callable[[], Session], settings: EfacturaSettings, *, force: bool = False,
                 now: dt.datetime | None = None, transport: httpx.BaseTransport | None = None) -> str:
    """Return a valid access token, refreshing it (and storing the new pair) when it is near expiry,
    when `force` is set (SPV said 401), or bootstrapping from HOSTICO_ANAF_REFRESH_TOKEN."""
    now = now or utcnow()
    with session_factory() as session:
        row = session.scalar(for_update(session, select(AnafToken).order_by(AnafToken.id).limit(1)))
        current = crypto.decrypt(settings.secret_key, row.access_token) if row and row.access_token else None
        stored_refresh = crypto.decrypt(settings.secret_key, row.refresh_token) if row else None
        fresh_enough = row is not None and (row.expires_at is None or row.expires_at - REFRESH_MARGIN > now)
        if current and fresh_enough and not force:
            return current
        refresh_token = stored_refresh or settings.refresh_token
        if not refresh_token:
            raise AnafAuthError("not_connected", "No ANAF connection: connect from /staff/efactura "
                                                 "or set HOSTICO_ANAF_REFRESH_TOKEN")
        tokens = refresh(settings, refresh_token, transport=transport, now=now)
        save_tokens(session, settings, tokens, refreshed=row is not None, now=now)
        session.commit()
        return tokens.access_token
