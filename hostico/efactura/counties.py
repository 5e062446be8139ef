"""Romania's counties as ISO 3166-2:RO codes (from pycountry) and Bucharest's sectors, as CIUS-RO wants them.

An address in Romania carries its county as `RO-XX` (BT-39/BT-54) and, in Bucharest (`RO-B`), the
sector as the city: `SECTOR1` … `SECTOR6` (BR-RO-100/101). Forms store exactly these codes; `to_code`
reads the free text typed before they did ("Brașov", "jud. Cluj", "Bucuresti", "Municipiul București").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry

BUCHAREST = "RO-B"
SECTORS = tuple(f"SECTOR{n}" for n in range(1, 7))
_SECTOR_RE = re.compile(r"\bsector(?:ul)?\s*([1-6])\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def counties() -> dict[str, str]:
    """Return code -> name of Romania's 41 counties and Bucharest, sorted by name (Romanian collation-ish)."""
    subdivisions = pycountry.subdivisions.get(country_code="RO") or []  # type: ignore[no-untyped-call]  # pycountry's get is unannotated
    pairs = sorted(((s.code, s.name) for s in subdivisions), key=lambda item: _fold(item[1]))
    return dict(pairs)


def _fold(text: str) -> str:
    """Lower-case ASCII without diacritics, punctuation as spaces: 'Bistrița-Năsăud' -> 'bistrita nasaud'."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    names = {_fold(name): code for code, name in counties().items()}
    names.update({"bucharest": BUCHAREST, "municipiul bucuresti": BUCHAREST, "mun bucuresti": BUCHAREST})
    return names


def is_county_code(value: str | None) -> bool:
    """True for an ISO 3166-2:RO code such as `RO-BV` or `RO-B`."""
    return bool(value) and value in counties()


def to_code(value: str | None) -> str | None:
    """Return the `RO-XX` code of a county given by code or by name (any case, with or without diacritics)."""
    if not value:
        return None
    raw = value.strip()
    if raw.upper() in counties():
        return raw.upper()
    if re.fullmatch(r"[A-Za-z]{1,2}", raw) and f"RO-{raw.upper()}" in counties():
        return f"RO-{raw.upper()}"
    folded = _fold(raw)
    folded = re.sub(r"^(judetul|judet|jud)\s+", "", folded)
    if _SECTOR_RE.search(raw) or folded.startswith("bucuresti"):
        return BUCHAREST
    return _by_folded_name().get(folded)


def sector_of(*texts: str | None) -> str | None:
    """Return `SECTORn` when any of the texts names a Bucharest sector ('Sector 3', 'SECTOR3', 'sectorul 3')."""
    for text in texts:
        if not text:
            continue
        compact = text.strip().upper().replace(" ", "")
        if compact in SECTORS:
            return compact
        match = _SECTOR_RE.search(text)
        if match:
            return f"SECTOR{match.group(1)}"
    return None


def county_name(code: str | None) -> str:
    """Return the county's name for a code (the code itself when unknown)."""
    return counties().get(code or "", code or "")


def sector_label(city: str | None) -> str | None:
    """'SECTOR3' -> 'Sector 3' for display; None when the city is not a sector code."""
    if city in SECTORS:
        return f"Sector {city[-1]}"
    return None
