"""Typed errors of the SPV transport: a code and parameters; the web layer words them."""

from __future__ import annotations


class AnafError(Exception):
    """An SPV or OAuth call failed. `code` names the failure, `params` carry its details."""

    temporary = False

    def __init__(self, code: str, message: str = "", **params: object) -> None:
        super().__init__(message or code)
        self.code, self.message, self.params = code, message or code, params

    def __str__(self) -> str:
        return self.message


class AnafTemporaryError(AnafError):
    """Worth retrying later: 5xx, 429, a timeout, a connection failure."""

    temporary = True

    def __init__(self, code: str, message: str = "", *, ambiguous: bool = False, retry_after: float | None = None,
                 **params: object) -> None:
        super().__init__(code, message, **params)
        # ambiguous: the request may have reached SPV (an upload whose answer was lost).
        self.ambiguous, self.retry_after = ambiguous, retry_after


class AnafAuthError(AnafError):
    """No usable token: not connected, the refresh token refused, or 401 even after a refresh."""

    temporary = True


class AnafRefused(AnafError):
    """SPV answered and refused the request (ExecutionStatus=1, an `eroare`, an `Errors` element)."""
