"""The documentation lives in the repository: every `docs/…` file that code, tests, deployment files or the README
cite exists, the README links ARCHITECTURE.md and every docs/ file, every relative link between them resolves (to a
file, and to a heading when it names one), and nothing cites a design document outside the repository."""

from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# A path under docs/ as code and prose cite it: `docs/fiscal.md`, docs/fiscal.md#vat-by-date, docs/fees/x.md.
DOCS_PATH = re.compile(r"(?<![\w/.-])docs/[\w./-]*\w\.md")
# A markdown link: [text](target).
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
# Citations of documents that are not in the repository: DESIGN 6, DESIGN §9, SECURITY 11, SECURITY.md,
# ../shared/DESIGN.md.
OUTSIDE = re.compile(r"\bDESIGN\s*§?\s*\d|\bDESIGN\.md\b|\bSECURITY\s*§?\s*\d|\bSECURITY\.md\b|\bCONVENTIONS\.md\b|"
                     r"\.\./shared/")


def _tracked(*prefixes: str) -> list[pathlib.Path]:
    out = subprocess.run(["git", "ls-files", *prefixes], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in out.split() if (ROOT / name).is_file()]


def _sources() -> list[pathlib.Path]:
    """Code, templates, tests (this file's own examples aside), deployment files, benchmarks and the README."""
    files = [p for p in _tracked("hostico", "tests", "deploy", "bench", "scripts", "Makefile")
             if p.suffix in (".py", ".html", ".txt", ".mako", ".cfg", ".example", ".xml", ".sh", ".conf", "")]
    return [p for p in files if p != pathlib.Path(__file__).resolve()] + [ROOT / "README.md"]


def _markdown() -> list[pathlib.Path]:
    return [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: pathlib.Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+)$", text, flags=re.M)}


def test_every_cited_docs_path_exists():
    missing = []
    for path in _sources():
        for match in DOCS_PATH.finditer(path.read_text(encoding="utf-8")):
            if not (ROOT / match.group(0)).is_file():
                missing.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert missing == [], "cited docs/ files that do not exist"


def test_nothing_cites_a_document_outside_the_repository():
    found = []
    for path in [*_sources(), *_markdown()]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "cite the docs/ file that holds the rule instead"


def test_readme_links_architecture_and_every_docs_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = {target.split("#", 1)[0] for target in LINK.findall(readme)}
    assert "ARCHITECTURE.md" in targets
    docs = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert len(docs) >= 10
    assert docs - targets == set(), "docs/ files the README does not link"


@pytest.mark.parametrize("path", _markdown(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    broken = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:: outside the repository
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(target)
    assert broken == []


def test_a_missing_docs_file_is_caught(tmp_path):
    """The pattern finds citations in the shapes code uses, so the existence check above can fail."""
    text = '"""Rules (docs/fiscal.md, "Clean text"); see `docs/nope.md` and docs/sub/x.md#a."""'
    assert DOCS_PATH.findall(text) == ["docs/fiscal.md", "docs/nope.md", "docs/sub/x.md"]
    assert OUTSIDE.search("# (DESIGN 6)") and OUTSIDE.search("SECURITY 11:") and OUTSIDE.search("DESIGN §9")
    assert not OUTSIDE.search("a design of the page") and not OUTSIDE.search("docs/security.md item 11")


# A file or folder of the repository named in backticks: `hostico/billing/run.py`, `tests/fake_vies.py`, or a
# path inside hostico/ named from its package: `billing/currency.py`, `payments/gateways/`.
REPO_PATH = re.compile(r"`((?:hostico|tests|bench|deploy|scripts|templates|static)/[\w./-]*"
                       r"|(?:billing|notify|accounts|efactura|payments|models|web|client|auth|staff|maillogin|commands)"
                       r"/[\w./-]*)`")


def _without_worked_example(text: str) -> str:
    """ARCHITECTURE.md's worked example names the files a developer would create: they do not exist."""
    return re.sub(r"^## A worked example.*?(?=^## )", "", text, flags=re.S | re.M)


@pytest.mark.parametrize("path", _markdown(), ids=lambda p: str(p.relative_to(ROOT)))
def test_files_the_docs_name_exist(path):
    text = _without_worked_example(path.read_text(encoding="utf-8"))
    missing = []
    for name in REPO_PATH.findall(text):
        module = name.rsplit(".", 1)[0] + ".py"  # `tests/factories.make_customer`: a name in a module
        if not any((base / n).exists() for base in (ROOT, ROOT / "hostico") for n in (name, module)):
            missing.append(name)
    assert missing == [], "renamed or moved? name the file as it is now"
