"""The translation catalogues: extract the messages, update the .po files, compile them, check them.

`python -m hostico.message_catalog extract|update|compile|check` (the Makefile's i18n-* targets). No Flask: only
Babel, so the Makefile can compile before the app exists and the tests can check without a request.

The .po files are written so that parallel branches merge cleanly: entries sorted by msgid, no source
locations (they move with every edit; `extract` writes them to the git-ignored .pot for context), no
obsolete entries, and no creation/revision dates in the header.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, "hostico", "translations")
MAPPING = os.path.join(ROOT, "babel.cfg")
POT = os.path.join(ROOT, "build", "messages.pot")
LOCALES = ("ro",)  # English is the msgids themselves
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2), "ro_en": None}  # ro_en: a document label, Romanian first
HEADER_DATES = (b'"POT-Creation-Date:', b'"PO-Revision-Date:')
# Romanian is written with comma-below s and t; the cedilla forms are a legacy encoding's stand-ins.
CEDILLA = "şţŞŢ"


def po_path(locale: str) -> str:
    """Return the path of a locale's .po file."""
    return os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", "messages.po")


def extract() -> Catalog:
    """Return the catalogue of every message in the sources (Python and Jinja, per babel.cfg)."""
    with open(MAPPING, encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, MAPPING)
    template = Catalog(project="Hostico Billing", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
    ):
        template.add(message, None, [(os.path.relpath(filename, ROOT), lineno)], auto_comments=comments,
                     context=context)
    return template


def _read(path: str, locale: str | None = None) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale=locale)


def _dump(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True)
    return b"".join(line for line in buf.getvalue().splitlines(keepends=True) if not line.startswith(HEADER_DATES))


def _write_atomic(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def write_pot(template: Catalog) -> None:
    """Write the template with source locations to build/messages.pot (git-ignored, for context)."""
    buf = io.BytesIO()
    write_po(buf, template, width=100, sort_output=True)
    _write_atomic(POT, buf.getvalue())


def update(locales: Iterable[str] = LOCALES) -> list[str]:
    """Bring every .po file up to date with the sources; return what changed, one line per locale."""
    template = extract()
    write_pot(template)
    report = []
    for locale in locales:
        path = po_path(locale)
        if os.path.exists(path):
            catalog = _read(path, locale)
        else:
            catalog = Catalog(locale=locale, project="Hostico Billing", charset="utf-8", fuzzy=False)
        before = {m.id for m in catalog if m.id}
        # No fuzzy matching: a guessed translation of a similar message is wrong more often than not.
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.fuzzy = False
        after = {m.id for m in catalog if m.id}
        _write_atomic(path, _dump(catalog))
        untranslated = sum(1 for m in catalog if m.id and not _translated(m))
        report.append(f"{locale}: {len(after - before)} new, {len(before - after)} removed, "
                      f"{untranslated} to translate in {os.path.relpath(path, ROOT)}")
    return report


def compile_catalogues(locales: Iterable[str] = LOCALES, *, only_stale: bool = True) -> list[str]:
    """Compile each .po into its .mo (fuzzy entries left out); return the paths written."""
    written = []
    for locale in locales:
        po = po_path(locale)
        mo = po[:-3] + ".mo"
        if only_stale and os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
            continue
        buf = io.BytesIO()
        write_mo(buf, _read(po, locale), use_fuzzy=False)
        _write_atomic(mo, buf.getvalue())
        written.append(os.path.relpath(mo, ROOT))
    return written


def _translated(message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return all(s.strip() for s in message.string)
    return bool(message.string and message.string.strip())


def _key(message) -> tuple:
    return (message.id if isinstance(message.id, str) else tuple(message.id), message.context)


@dataclass
class Problem:
    locale: str
    msgid: object
    what: str

    def __str__(self) -> str:
        return f"{self.locale}: {self.what}: {self.msgid!r}"


def check(locales: Iterable[str] = LOCALES, template: Catalog | None = None) -> list[Problem]:
    """Return every problem of the catalogues: missing or stale messages, untranslated, fuzzy, bad format."""
    template = template if template is not None else extract()
    return [p for locale in locales for p in check_catalog(locale, _read(po_path(locale), locale), template)]


def check_catalog(locale: str, catalog: Catalog, template: Catalog) -> list[Problem]:
    """Return the problems of one locale's catalogue against the messages of the sources."""
    wanted = {_key(m) for m in template if m.id}
    have = {_key(m): m for m in catalog if m.id}
    problems = [Problem(locale, key[0], "not in the catalogue (run `make i18n-update`)")
                for key in sorted(wanted - have.keys(), key=str)]
    problems += [Problem(locale, key[0], "no longer in the sources (run `make i18n-update`)")
                 for key in sorted(have.keys() - wanted, key=str)]
    for message in have.values():
        if message.fuzzy:
            problems.append(Problem(locale, message.id, "fuzzy"))
        if not _translated(message):
            problems.append(Problem(locale, message.id, "not translated"))
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if any(ch in s for s in strings for ch in CEDILLA):
            problems.append(Problem(locale, message.id, "ş/ţ with cedilla: write ș/ț (comma below)"))
        for error in message.check(catalog):
            problems.append(Problem(locale, message.id, f"format: {error}"))
    return problems


def resolve_conflicts(locales: Iterable[str] = LOCALES) -> list[str]:
    """Resolve git conflict markers in the .po files by keeping both sides' entries (after `git merge`).

    Both sides only ever add or translate entries, so keeping both is right; when both translated the same
    message, the other side's text wins (check it). Run `update` afterwards.
    """
    resolved = []
    for locale in locales:
        path = po_path(locale)
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines(keepends=True)
        if not any(line.startswith("<<<<<<< ") for line in lines):
            continue
        out = []
        for line in lines:
            if line.startswith(("<<<<<<< ", ">>>>>>> ", "||||||| ")) or line.rstrip("\n") == "=======":
                out.append("\n")  # entries end with a blank line: keep the two sides apart
            else:
                out.append(line)
        catalog = read_po(io.BytesIO("".join(out).encode("utf-8")), locale=locale)
        _write_atomic(path, _dump(catalog))
        resolved.append(os.path.relpath(path, ROOT))
    return resolved


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "extract":
        template = extract()
        write_pot(template)
        print(f"{sum(1 for m in template if m.id)} messages -> {os.path.relpath(POT, ROOT)}")
    elif command == "update":
        print("\n".join(update()))
    elif command == "compile":
        for path in compile_catalogues(only_stale="--force" not in argv):
            print(f"compiled {path}")
    elif command == "resolve":
        for path in resolve_conflicts():
            print(f"kept both sides of the conflicts in {path}; now run `make i18n-update` and check the result")
    elif command == "check":
        problems = check()
        print("\n".join(map(str, problems)) or "catalogues complete")
        return 1 if problems else 0
    else:
        usage = "usage: python -m hostico.message_catalog extract|update|compile [--force]|check|resolve"
        print(usage, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
