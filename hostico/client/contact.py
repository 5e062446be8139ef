"""My Details — contact data and the SMS opt-in (the notifications issue builds the toggle)."""


def context() -> dict:
    """Data the contact section of My Details needs."""
    return {}
