"""Romanian speaks to the reader in one register: the formal "dumneavoastră" (docs/i18n.md).

Every Romanian msgstr, and every line of Romanian text written outside the catalogue (templates, code), is read
for the informal second person singular: the pronouns and possessives ("tu", "ta", "tău", "ți-", "te rugăm"),
its verbs ("ai", "poți", "ești", "vei") and the singular imperatives a button or a sentence starts with ("Intră",
"Plătește", "Salvează"): "Intrați", "Plătiți", "Salvați", "Ați uitat parola?", "V-am deschis un cont".
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from hostico import message_catalog

# The informal second person singular, anywhere in a sentence (whole words, any case): pronouns, possessives,
# clitics ("ți-am", "resetează-ți", "uită-te"), the verbs "a avea", "a putea", "a fi", "a vrea", the future and the
# present tense the catalogue used ("când îl deschizi").
# "dvs." is the abbreviation of the formal pronoun; the catalogue spells it out.
PRONOUNS = ("tu", "tine", "te", "ta", "tău", "tale", "tăi", "ți", "ție", "îți", "ţi", "ţie", "îţi",
            "ai", "poți", "ești", "vei", "vrei", "deschizi", "comanzi", "folosești", "autentifici", "așteptai", "dvs")
# Singular imperatives found in the catalogue and made plural (Plătește -> Plătiți). Many are also the third
# person ("clientul primește", "închiderea anulează comenzile"), so they count only where an instruction
# starts: the start of the text or of a sentence, after "Da, " (a confirmation button) or "(".
IMPERATIVES = (
    "activează", "adaugă", "afișează", "alege", "anulează", "aplică", "aprobă", "atribuie", "autentifică",
    "caută", "cere", "completează", "confirmă", "conectează", "continuă", "copiază", "corectează", "creează",
    "deconectează", "descarcă", "deschide", "dezactivează", "emite", "facturează", "filtrează", "finalizează",
    "folosește", "generează", "importă", "introdu", "intră", "începe", "încearcă", "încheie", "închide",
    "înregistrează", "lasă", "modifică", "plasează", "plătește", "rambursează", "reactivează", "reîncarcă",
    "reîncearcă", "renunță", "repetă", "resetează", "respinge", "retrimite", "revocă", "rulează", "salvează",
    "schimbă", "setează", "spune", "suspendă", "șterge", "trimite", "uită", "verifică", "vezi",
)
_LETTER = r"[^\W\d_]"
PRONOUN_RE = re.compile(rf"(?<!{_LETTER})(?:{'|'.join(PRONOUNS)})(?!{_LETTER})", re.IGNORECASE)
IMPERATIVE_RE = re.compile(rf"(?:^|[.!?:;]\s+|\bDa,\s+|\()(?:{'|'.join(IMPERATIVES)})(?!{_LETTER})",
                           re.IGNORECASE)
# Genuine exceptions, by msgid: the third person, not an instruction to the reader.
ALLOWED = {
    # A storno document says what it does: "Corectează factura fiscală ..." (it corrects), not "correct it".
    "Corrects tax invoice %(code)s of %(date)s.",
    "Corrects tax invoice:",
    "corrects %(invoice)s",
    # The billing run's description: the run issues, sends and suspends.
    "Issues renewal proformas, sends reminders and suspends overdue services as of the chosen date. Running it "
    "twice for a day changes nothing the second time.",
}
# Romanian written outside the catalogue (legal mentions on documents, sample data) is read line by line.
SOURCES = (("templates", (".html", ".txt")), ("hostico", (".py", ".html", ".txt")))
ROMANIAN_LETTERS = re.compile("[ăâîșțşţĂÂÎȘȚŞŢ]")


def informal_words(text: str) -> list[str]:
    """Return the informal second-person words of a Romanian text (empty when it is formal)."""
    found = [m.group(0) for m in PRONOUN_RE.finditer(text)]
    found += [m.group(0).lstrip(".!?:;( ").removeprefix("Da, ").strip() for m in IMPERATIVE_RE.finditer(text)]
    return found


def romanian_messages(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (msgid, msgstr) for every translated message, each plural form on its own."""
    for message in catalog:
        if not message.id or message.id in ALLOWED:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for string in strings:
            if string:
                yield msgid, string


def informal_messages(catalog: Catalog) -> list[str]:
    return [f"{msgid!r}: {string!r} -> {informal_words(string)}"
            for msgid, string in romanian_messages(catalog) if informal_words(string)]


def test_every_romanian_message_is_in_the_formal_register():
    with open(message_catalog.po_path("ro"), "rb") as fh:
        catalog = read_po(fh, locale="ro")
    informal = informal_messages(catalog)
    assert not informal, "write these formally (dumneavoastră, -ți imperatives):\n" + "\n".join(informal)


def test_romanian_written_outside_the_catalogue_is_formal():
    informal = []
    for folder, extensions in SOURCES:
        for dirpath, _dirs, files in os.walk(os.path.join(message_catalog.ROOT, folder)):
            if "translations" in dirpath:
                continue
            for name in files:
                if not name.endswith(extensions):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as fh:
                    for number, line in enumerate(fh, 1):
                        if ROMANIAN_LETTERS.search(line) and PRONOUN_RE.search(line):
                            informal.append(f"{os.path.relpath(path, message_catalog.ROOT)}:{number}: {line.strip()}")
    assert not informal, "\n".join(informal)


@pytest.mark.parametrize("text", [
    "Ai uitat parola?", "Intră în cont", "Ți-am deschis un cont", "Adresa ta de email", "Te rugăm să comanzi din nou.",
    "Dacă nu ai fost tu, poți ignora acest email.", "Resetează-ți parola", "Uită-te în dosarul de spam.",
    "Da, șterge %(name)s", "adăugați datele (Modifică datele de facturare), apoi plătiți-o.", "Bine ai venit!",
    "În zona de client îți vei vedea serviciile.", "Contul dvs. este închis.", "Plătește %(amount)s",
])
def test_the_check_finds_the_informal_register(text):
    assert informal_words(text)


@pytest.mark.parametrize("text", [
    "Ați uitat parola?", "Intrați în cont", "V-am deschis un cont", "Adresa dumneavoastră de email", "Plătiți",
    "Dacă nu ați fost dumneavoastră, puteți ignora acest email.", "Resetați-vă parola", "Da, ștergeți %(name)s",
    # The third person and words that only contain a marker: "Clientul primește", "anulează comenzile", "taxare",
    # "Data", "aici", "tabel", "ține locul", "Alegeți", "Detalii", "rămâne activă", "Închiderea contului anulează".
    "Clientul primește un email; închiderea contului anulează comenzile.", "Taxare inversă", "Data emiterii",
    "Aici nu este nimic.", "[redacted] ține locul tokenului.", "Alegeți o țară.", "Detalii: %(url)s",
])
def test_the_check_lets_the_formal_register_and_the_third_person_through(text):
    assert not informal_words(text)
