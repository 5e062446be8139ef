"""My Details — password and two-factor authentication (the 2FA issue builds it)."""


def context() -> dict:
    """Data the security section of My Details needs."""
    return {}
