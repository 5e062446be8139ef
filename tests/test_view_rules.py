"""A view parses input, calls one domain operation, commits once and renders (ARCHITECTURE.md, Rules of the
house): no blueprint module adds or deletes rows itself or writes an audit record itself; the domain
operation it calls does, and audits itself."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The blueprint modules: the client area, customer login, the staff area and the web layer's callbacks.
VIEW_FILES = sorted([*(ROOT / "hostico" / "client").glob("*.py"), *(ROOT / "hostico" / "auth").glob("*.py"),
                     *(ROOT / "hostico" / "staff").glob("*.py"), ROOT / "hostico" / "web" / "callbacks.py",
                     ROOT / "hostico" / "web" / "sandbox_gateway.py"])
SESSION_WRITES = {"add", "add_all", "delete"}
AUDIT_MODULES = {"hostico.audit"}


def _audit_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The local names that build an audit record (hostico.audit's functions, AuditLog), and the names
    hostico.audit itself is bound to, however imported."""
    functions, modules = {"AuditLog"}, {"hostico.audit"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in AUDIT_MODULES:
            functions |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "hostico.models":
            functions |= {alias.asname or alias.name for alias in node.names if alias.name == "AuditLog"}
        elif isinstance(node, ast.ImportFrom) and node.module == "hostico":
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "audit"}
    return functions, modules


def _is_session(node: ast.expr) -> bool:
    """`session`, `db.session` or any `<x>.session`."""
    return (isinstance(node, ast.Name) and node.id == "session") or (
        isinstance(node, ast.Attribute) and node.attr == "session")


def offences(source: str, name: str) -> list[str]:
    """Each call in source that writes rows through the session or builds an audit record, in line order."""
    tree = ast.parse(source, name)
    functions, modules = _audit_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SESSION_WRITES and _is_session(func.value):
            found.append((node.lineno, f"session.{func.attr}"))
        elif isinstance(func, ast.Name) and func.id in functions:
            found.append((node.lineno, f"{func.id}("))
        elif isinstance(func, ast.Attribute) and ast.unparse(func.value) in modules:
            found.append((node.lineno, f"{ast.unparse(func)}("))
    return [f"{name}:{line} {what}" for line, what in sorted(found)]


def test_views_neither_write_rows_nor_audit_themselves():
    assert len(VIEW_FILES) > 30
    found = [o for path in VIEW_FILES for o in offences(path.read_text(), path.relative_to(ROOT).as_posix())]
    assert found == []


def test_the_check_sees_session_writes_and_audit_records():
    source = '''
from hostico.audit import record as audit
from hostico.models import AuditLog as Log, Customer
from hostico import audit as audit_module

def view():
    db.session.add(Customer())
    session.delete(x)
    db.session.add_all([])
    audit(db.session, "x")
    Log(action="x")
    audit_module.record(db.session, "y")
    db.session.execute(stmt)
    flash("record(")
    forms.record(1)
'''
    assert offences(source, "v.py") == [
        "v.py:7 session.add", "v.py:8 session.delete", "v.py:9 session.add_all", "v.py:10 audit(", "v.py:11 Log(",
        "v.py:12 audit_module.record("]
