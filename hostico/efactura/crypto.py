"""Encrypt ANAF tokens at rest with Fernet, the key derived from the app's secret key (HKDF-SHA256)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"hostico efactura anaf tokens v1"


def _fernet(secret_key: str) -> Fernet:
    if not secret_key:
        raise ValueError("a secret key is needed to encrypt ANAF tokens")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, value: str) -> bytes:
    """Encrypt a token for the database."""
    return _fernet(secret_key).encrypt(value.encode())


def decrypt(secret_key: str, blob: bytes) -> str | None:
    """Decrypt a stored token; None when the secret key changed (the operator connects again)."""
    try:
        return _fernet(secret_key).decrypt(bytes(blob)).decode()
    except (InvalidToken, ValueError):
        return None
