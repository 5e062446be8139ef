"""GSM 03.38 text: Romanian transliteration, and segment counting for GSM-7 and UCS-2.

An SMS in the GSM-7 alphabet holds 160 characters (153 per part when split); any character outside
it switches the whole message to UCS-2, which holds 70 (67 per part). Characters of the extension
table (€, [, ], {, }, ...) take two septets.
"""

from __future__ import annotations

from dataclasses import dataclass

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "^{}\\[~]|€\f"
_BASIC_SET = frozenset(BASIC) - {"\x1b"}
_EXT_SET = frozenset(EXTENSION)

# Romanian diacritics (comma-below and the older cedilla forms) and the typographic marks that
# Romanian text is full of; everything maps into the GSM-7 basic table.
TRANSLITERATION = str.maketrans({
    "ă": "a", "Ă": "A", "â": "a", "Â": "A", "î": "i", "Î": "I",
    "ș": "s", "Ș": "S", "ş": "s", "Ş": "S", "ț": "t", "Ț": "T", "ţ": "t", "Ţ": "T",
    "„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-", "—": "-",
    "…": "...", "\u00a0": " ",
})

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class MessageTooLong(ValueError):
    """The text needs more SMS segments than the configured maximum."""


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def transliterate(text: str) -> str:
    """Replace Romanian diacritics and typographic marks with their GSM-7 equivalents."""
    return text.translate(TRANSLITERATION)


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return all(ch in _BASIC_SET or ch in _EXT_SET for ch in text)


def _split_count(widths: list[int], single: int, part: int) -> int:
    total = sum(widths)
    if total == 0:
        return 1
    if total <= single:
        return 1
    # Split greedily without cutting a two-unit character (escape + char, or a surrogate pair).
    segments, used = 1, 0
    for w in widths:
        if used + w > part:
            segments, used = segments + 1, 0
        used += w
    return segments


def segment_info(text: str) -> SegmentInfo:
    """Count the encoding, units and segments the text needs, as a phone network would."""
    if is_gsm7(text):
        widths = [2 if ch in _EXT_SET else 1 for ch in text]
        return SegmentInfo("GSM-7", sum(widths), _split_count(widths, GSM_SINGLE, GSM_PART))
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentInfo("UCS-2", sum(widths), _split_count(widths, UCS2_SINGLE, UCS2_PART))


def prepare_sms_text(text: str, max_segments: int) -> str:
    """Transliterate the text and refuse it when it needs more than max_segments segments."""
    clean = transliterate(" ".join(text.split()))
    info = segment_info(clean)
    if info.segments > max_segments:
        raise MessageTooLong(
            f"SMS needs {info.segments} {info.encoding} segments ({info.units} units); the maximum is {max_segments}"
        )
    return clean
