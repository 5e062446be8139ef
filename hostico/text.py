"""Clean text: what a person may save in a text field (docs/fiscal.md, "Clean text").

Control characters have no place in a name, an address or a note: XML 1.0 cannot carry most of them, so one
of them in a buyer's name would stop that invoice's e-Factura document, and they hide in pages and PDFs. They
are refused at the field, never silently dropped: C0 (a textarea may hold tab, CR and LF), DEL, C1, lone
surrogates and the noncharacters U+FFFE/U+FFFF.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from hostico.errors import N_, FieldMessage

_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_CONTROL_LINE = re.compile(f"[{_ALWAYS}\t\n\r]")
_CONTROL_MULTILINE = re.compile(f"[{_ALWAYS}]")
CONTROL_CHARACTERS_MESSAGE = N_("This field holds a control character (an invisible character that cannot be "
                                "saved); retype it without pasting.")


def has_control_characters(value: str | None, *, multiline: bool = False) -> bool:
    """True when the text holds a character no saved text may hold (tab and newlines allowed if multiline)."""
    if not value:
        return False
    return (_CONTROL_MULTILINE if multiline else _CONTROL_LINE).search(value) is not None


def strip_control_characters(value: str, *, multiline: bool = False) -> str:
    """The text without those characters (for cleaning rows saved before they were refused)."""
    return (_CONTROL_MULTILINE if multiline else _CONTROL_LINE).sub("", value)


def control_character_errors(raw: Mapping[str, object], names: Iterable[str], *,
                             collapsed: bool = False) -> dict[str, FieldMessage]:
    """A field error for each named value holding control characters.

    `collapsed`: the caller folds whitespace runs into one space, so tab and newlines are harmless there.
    """
    return {name: FieldMessage(CONTROL_CHARACTERS_MESSAGE) for name in names
            if isinstance(value := raw.get(name), str) and has_control_characters(value, multiline=collapsed)}
