"""Mail-login tokens: what a valid token holds, and every way a forged, edited or stale one is refused."""

import base64
import datetime as dt
import json

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy import select

from hostico.accounts.mail_links import revoke_customer_links
from hostico.maillogin import links, tokens
from hostico.models import AuditLog, MailLoginToken

SECRET = "test-secret-key"
SENT = dt.datetime(2026, 11, 20, 10, 0, 0, tzinfo=dt.UTC)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict, dict, str]:
    h, p, s = token.split(".")
    pad = lambda x: x + "=" * (-len(x) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(h))), json.loads(base64.urlsafe_b64decode(pad(p))), s


@pytest.fixture
def minted(make, session):
    """A customer, their proforma and a link minted for it at SENT."""
    c = make.make_customer()
    inv = make.make_proforma(c)
    token = tokens.mint(session, customer_id=c.id, invoice_id=inv.id, sent_at=SENT, secret_key=SECRET)
    session.commit()
    return c, inv, token


def test_token_holds_customer_invoice_jti_and_seven_day_expiry(minted, session):
    c, inv, token = minted
    header, claims, _ = _parts(token)
    assert header["alg"] == "HS256"
    assert claims["sub"] == str(c.id) and claims["inv"] == inv.id
    assert claims["iat"] == int(SENT.timestamp())
    assert claims["exp"] == int((SENT + dt.timedelta(days=7)).timestamp())
    rec = session.scalar(select(MailLoginToken).where(MailLoginToken.jti == claims["jti"]))
    assert rec.customer_id == c.id and rec.invoice_id == inv.id
    assert rec.expires_at == SENT + dt.timedelta(days=7)
    assert rec.use_count == 0 and rec.revoked_at is None


def test_valid_token_verifies_within_its_seven_days(minted, session):
    _, inv, token = minted
    rec = tokens.verify(session, token, secret_key=SECRET, now=SENT + dt.timedelta(days=7, seconds=-1))
    assert rec.invoice_id == inv.id


def test_token_one_second_past_seven_days_is_refused(minted, session):
    _, _, token = minted
    with pytest.raises(tokens.InvalidLink) as err:
        tokens.verify(session, token, secret_key=SECRET, now=SENT + dt.timedelta(days=7, seconds=1))
    assert err.value.reason == "expired" and err.value.record is not None


def test_token_at_exactly_seven_days_is_refused(minted, session):
    _, _, token = minted
    with pytest.raises(tokens.InvalidLink):
        tokens.verify(session, token, secret_key=SECRET, now=SENT + dt.timedelta(days=7))


def test_revoked_token_is_refused(minted, session):
    c, _, token = minted
    assert revoke_customer_links(session, c.id, reason="staff") == 1
    session.commit()
    with pytest.raises(tokens.InvalidLink) as err:
        tokens.verify(session, token, secret_key=SECRET, now=SENT)
    assert err.value.reason == "revoked"
    assert session.scalar(select(AuditLog).where(AuditLog.action == "maillogin.revoked")).data["count"] == 1


def test_token_whose_record_is_gone_is_refused(minted, session):
    _, _, token = minted
    session.query(MailLoginToken).delete()
    session.commit()
    with pytest.raises(tokens.InvalidLink) as err:
        tokens.verify(session, token, secret_key=SECRET, now=SENT)
    assert err.value.reason == "unknown" and err.value.record is None


def test_token_signed_with_another_secret_is_refused(minted, session):
    _, _, token = minted
    with pytest.raises(tokens.InvalidLink) as err:
        tokens.verify(session, token, secret_key="another-secret", now=SENT)
    assert err.value.reason == "signature" and err.value.record is None


def test_signature_key_is_derived_not_secret_key_itself(minted, session):
    _, _, token = minted
    with pytest.raises(Exception):  # noqa: B017
        jwt.decode(token, OctKey.import_key(SECRET.encode()), algorithms=["HS256"])


@pytest.mark.parametrize("field,value", [("inv", 999999), ("sub", "999999"), ("exp", 4102444800), ("jti", "x")])
def test_token_with_edited_claims_is_refused(minted, session, field, value):
    _, _, token = minted
    header, claims, sig = _parts(token)
    claims[field] = value
    forged = f"{_b64(header)}.{_b64(claims)}.{sig}"
    with pytest.raises(tokens.InvalidLink) as err:
        tokens.verify(session, forged, secret_key=SECRET, now=SENT)
    assert err.value.record is None


def test_token_of_customer_a_edited_to_name_customer_b_invoice_is_refused(minted, make, session):
    a, _, token = minted
    b = make.make_customer()
    b_invoice = make.make_proforma(b)
    header, claims, sig = _parts(token)
    claims["inv"] = b_invoice.id
    with pytest.raises(tokens.InvalidLink):
        tokens.verify(session, f"{_b64(header)}.{_b64(claims)}.{sig}", secret_key=SECRET, now=SENT)
    claims["sub"] = str(b.id)
    with pytest.raises(tokens.InvalidLink):
        tokens.verify(session, f"{_b64(header)}.{_b64(claims)}.{sig}", secret_key=SECRET, now=SENT)


def test_token_with_alg_none_is_refused(minted, session):
    _, _, token = minted
    _, claims, _ = _parts(token)
    for tail in ("", "AAAA"):
        forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.{tail}"
        with pytest.raises(tokens.InvalidLink):
            tokens.verify(session, forged, secret_key=SECRET, now=SENT)


@pytest.mark.parametrize("key", [b"some-other-secret-of-32-bytes!!!", None])
def test_token_signed_hs512_is_refused_with_any_key(minted, session, key):
    """HS512 with another secret, and even with our own key: only HS256 is on the list."""
    _, _, token = minted
    _, claims, _ = _parts(token)
    signing = OctKey.import_key(key) if key else tokens.signing_key(SECRET)
    forged = jwt.encode({"alg": "HS512"}, claims, signing, algorithms=["HS512"])
    with pytest.raises(tokens.InvalidLink) as err:
        tokens.verify(session, forged, secret_key=SECRET, now=SENT)
    assert err.value.reason == "signature"


def test_token_with_altered_signature_is_refused(minted, session):
    _, _, token = minted
    head, sig = token.rsplit(".", 1)
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(tokens.InvalidLink):
        tokens.verify(session, f"{head}.{flipped}", secret_key=SECRET, now=SENT)


@pytest.mark.parametrize("cut", [1, 10, 44])
def test_truncated_token_is_refused(minted, session, cut):
    _, _, token = minted
    with pytest.raises(tokens.InvalidLink):
        tokens.verify(session, token[:-cut], secret_key=SECRET, now=SENT)


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "x" * 5000, "eyJhbGciOiJIUzI1NiJ9.e30."])
def test_garbage_is_refused(session, app, junk):
    with pytest.raises(tokens.InvalidLink):
        tokens.verify(session, junk, secret_key=SECRET, now=SENT)


def test_invoice_link_mints_a_recorded_token_and_returns_an_m_url(make, session):
    c = make.make_customer()
    inv = make.make_proforma(c)
    url = links.invoice_link(session, customer_id=c.id, invoice_id=inv.id, invoice_code=inv.code, sent_at=SENT,
                             base_url="https://billing.example/", secret_key=SECRET)
    session.commit()
    assert url.startswith("https://billing.example/m/")
    token = url.removeprefix("https://billing.example/m/")
    assert inv.code not in url
    assert tokens.verify(session, token, secret_key=SECRET, now=SENT).invoice_id == inv.id


def test_each_link_gets_its_own_jti(make, session):
    c = make.make_customer()
    inv = make.make_proforma(c)
    urls = {links.invoice_link(session, customer_id=c.id, invoice_id=inv.id, invoice_code=inv.code, sent_at=SENT,
                               base_url="http://x", secret_key=SECRET) for _ in range(3)}
    session.commit()
    assert len(urls) == 3
    assert session.query(MailLoginToken).count() == 3


def test_naive_sent_at_is_taken_as_utc(make, session):
    c = make.make_customer()
    inv = make.make_proforma(c)
    token = tokens.mint(session, customer_id=c.id, invoice_id=inv.id, sent_at=SENT.replace(tzinfo=None),
                        secret_key=SECRET)
    session.commit()
    assert _parts(token)[1]["iat"] == int(SENT.timestamp())


def test_token_module_imports_without_deprecation_warnings():
    """authlib.jose warns on import in this Authlib; the token code must stay clean under -W error."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-W", "error", "-c", "import hostico.maillogin.tokens"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
