"""Mail-login links in stored emails: a placeholder when rendered, the live link only when sent.

The outbox keeps an email's body as rendered (a retry sends the same text), and staff read it at
`/staff/outbox`; neither it nor a backup of the database may hold a token that logs the customer in
(docs/mail-login.md; docs/security.md item 11). So a template gets `LINK_PLACEHOLDER` as the invoice link, and the
worker puts the real `/m/<token>` URL in its place in the copy it hands to the SMTP server.
"""

from __future__ import annotations

from markupsafe import escape

# What staff see where the link will be (and what is stored). Plain ASCII that neither Jinja's HTML
# escaping nor a mail client changes, and that no URL contains.
LINK_PLACEHOLDER = "[[mail-login-link]]"


def has_link(*bodies: str | None, placeholder: str = LINK_PLACEHOLDER) -> bool:
    """Whether any of the stored bodies holds the placeholder."""
    return any(body and placeholder in body for body in bodies)


def fill_text(body: str | None, url: str, placeholder: str = LINK_PLACEHOLDER) -> str | None:
    """The text part as delivered: the placeholder replaced by the link."""
    return body.replace(placeholder, url) if body is not None else None


def fill_html(body: str | None, url: str, placeholder: str = LINK_PLACEHOLDER) -> str | None:
    """The HTML part as delivered: the placeholder replaced by the (attribute-escaped) link."""
    return body.replace(placeholder, str(escape(url))) if body is not None else None
