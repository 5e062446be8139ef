"""The import graph: the Flask-free domain loads without Flask, any blueprint or request object, and hostico's
modules and packages import each other without circles (a late import inside a function counts: it hides a
cycle)."""

from __future__ import annotations

import ast
import functools
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hostico"
DOMAIN = ("billing", "notify", "accounts", "efactura", "payments")
# The parts of maillogin the notification worker uses: Flask-free like the domain.
FLASK_FREE_EXTRA = ("hostico.maillogin.tokens", "hostico.maillogin.links", "hostico.accounts.mail_links",
                    "hostico.maillogin.redact")
BLUEPRINTS = ("hostico.client", "hostico.auth", "hostico.staff", "hostico.web.callbacks",
              "hostico.web.sandbox_gateway")
# Objects that exist only while Flask handles a request.
REQUEST_GLOBALS = {"request", "session", "g"}

LOADER = """
import importlib, json, pkgutil, sys
import hostico
names = list(sys.argv[1:])
for package in {domain!r}:
    pkg = importlib.import_module("hostico." + package)
    names.append(pkg.__name__)
    names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.startswith("hostico"))
print(json.dumps({{"imported": sorted(set(names)), "loaded": loaded}}))
"""


def _module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source(module: str, root: pathlib.Path = ROOT) -> pathlib.Path:
    base = root.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


@functools.cache
def load_in_fresh_interpreter(*extra: str) -> dict:
    """Import the domain packages (and extra modules) in a new interpreter, no app; return what got loaded."""
    result = subprocess.run([sys.executable, "-W", "error", "-c", LOADER.format(domain=DOMAIN), *extra],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def request_objects_used(path: pathlib.Path) -> set[str]:
    """Return the Flask request globals a module imports or reaches through `flask.`."""
    used = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask.globals"):
            used |= {a.name for a in node.names} & REQUEST_GLOBALS
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask"
              and node.attr in REQUEST_GLOBALS):
            used.add(node.attr)
    return used


def blueprints_among(modules) -> list[str]:
    """The blueprint modules among modules."""
    return sorted(m for m in modules if any(m == b or m.startswith(b + ".") for b in BLUEPRINTS))


def dependencies(graph: dict[str, set[str]], starts) -> set[str]:
    """Every module that starts import, directly or through others, with the packages holding them
    (their __init__ runs first, `hostico`'s too)."""
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
            parent = module.rpartition(".")[0]
            if parent:
                todo.append(parent)
    return seen


def offences(modules) -> list[str]:
    """Blueprint modules among modules, and modules among them that use Flask's request objects."""
    found = blueprints_among(modules)
    for module in sorted(modules):
        used = request_objects_used(_source(module))
        if used:
            found.append(f"{module} uses flask.{', flask.'.join(sorted(used))}")
    return found


def test_the_domain_imports_without_an_app_and_loads_no_blueprint():
    result = load_in_fresh_interpreter(*FLASK_FREE_EXTRA)
    assert {"hostico.accounts.second_factor", "hostico.accounts.credentials", "hostico.billing.invoicing",
            "hostico.notify.render", "hostico.notify.worker", "hostico.efactura.ubl",
            "hostico.payments.checkout"} <= set(result["imported"])
    assert blueprints_among(result["loaded"]) == []


def test_the_domain_depends_on_no_blueprint_and_no_request_object():
    """What the domain imports, and what that imports (`hostico` itself included: Python loads it as every
    module's parent), is Flask-free: no blueprint, no request object, nothing of the web layer."""
    result = load_in_fresh_interpreter(*FLASK_FREE_EXTRA)
    needed = dependencies(import_graph(PACKAGE), result["imported"])
    assert "hostico.maillogin.tokens" in needed and "hostico.models.customer" in needed and "hostico" in needed
    assert offences(needed) == []
    assert sorted(m for m in needed if m == "hostico.web" or m.startswith("hostico.web.")) == []


FLASK = ("flask", "flask_login", "flask_wtf", "flask_babel", "flask_limiter")


def test_importing_the_domain_loads_no_flask_extension():
    """The issue's check, word for word, in a fresh interpreter with the app's venv."""
    code = ("import hostico.billing, hostico.notify, hostico.accounts, hostico.efactura, hostico.payments, sys; "
            f"assert not [m for m in sys.modules if m.split('.')[0] in {FLASK!r}]")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    result = load_in_fresh_interpreter(*FLASK_FREE_EXTRA)
    assert [m for m in result["loaded"] if m.startswith("hostico.web")] == []


def test_the_checks_see_a_blueprint_and_a_request_object():
    """Loading one client view trips both rules, so the tests above would fail on a bad import."""
    result = load_in_fresh_interpreter("hostico.client.contact")
    assert "hostico.client.contact" in blueprints_among(result["loaded"])
    found = offences(dependencies(import_graph(PACKAGE), ["hostico.client.contact"]))
    assert "hostico.client.blueprint" in found
    assert "hostico.client.contact uses flask.request" in found


# --- no circles ---------------------------------------------------------------------------------------

def _type_checking_only(tree: ast.Module) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for child in node.body for n in ast.walk(child)}
    return skip


@functools.cache
def import_graph(package: pathlib.Path) -> dict[str, set[str]]:
    """Map each module of the package to the package's modules it imports (anywhere in the file)."""
    root = package.parent
    top = package.name
    modules = {_module_name(p, root): p for p in package.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_only(tree)
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name and t.split(".")[0] == top}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_hostico_has_no_import_cycles():
    graph = import_graph(PACKAGE)
    assert len(graph) > 150 and "hostico.client.blueprint" in graph["hostico.client.contact"]
    assert find_cycle(graph) is None


# The app factory wires every blueprint and the CLI together: it is the root of the graph, which nothing in
# hostico imports (wsgi.py and the tests do), so it is a node of its own rather than a part of hostico.web,
# whose helpers the blueprints import.
COMPOSITION_ROOT = "hostico.web.app"


def package_of(module: str, package: pathlib.Path) -> str:
    """The unit of the package graph: a module's top-level package in hostico, or the loose module itself."""
    if module == COMPOSITION_ROOT:
        return module
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and (package / parts[1]).is_dir() else module


def package_graph(graph: dict[str, set[str]], package: pathlib.Path) -> dict[str, set[str]]:
    """Map each package (see package_of) to the packages its modules import."""
    found: dict[str, set[str]] = {}
    for module, targets in graph.items():
        here = package_of(module, package)
        found.setdefault(here, set()).update(package_of(t, package) for t in targets)
    return {name: targets - {name} for name, targets in found.items()}


def test_hostico_packages_import_each_other_without_circles():
    """billing -> notify -> billing through a module of each is a circle even when no module circle exists."""
    graph = import_graph(PACKAGE)
    assert [m for m, targets in graph.items() if COMPOSITION_ROOT in targets] == []
    packages = package_graph(graph, PACKAGE)
    assert {"hostico.billing", "hostico.web", COMPOSITION_ROOT, "hostico.db"} <= set(packages)
    assert find_cycle(packages) is None


def blueprint_of(module: str) -> str | None:
    """The blueprint (package or module, see BLUEPRINTS) a module belongs to, or None."""
    return next((b for b in BLUEPRINTS if module == b or module.startswith(b + ".")), None)


def blueprint_crossings(graph: dict[str, set[str]]) -> list[str]:
    """Every import of one blueprint's module by another blueprint's module."""
    return sorted(f"{module} imports {target}" for module, targets in graph.items() for target in targets
                  if blueprint_of(module) and blueprint_of(target) not in (None, blueprint_of(module)))


def test_no_blueprint_imports_another():
    """What two blueprints share (a form, a redirect check) belongs in the domain or the web layer."""
    graph = import_graph(PACKAGE)
    assert "hostico.web.forms" in graph["hostico.staff.outbox"]
    assert blueprint_crossings(graph) == []


def test_a_blueprint_importing_another_is_found():
    graph = {"hostico.staff.outbox": {"hostico.auth.forms", "hostico.web.forms", "hostico.staff.blueprint"},
             "hostico.web.callbacks": {"hostico.client.queries"}, "hostico.client.queries": {"hostico.models"}}
    assert blueprint_crossings(graph) == ["hostico.staff.outbox imports hostico.auth.forms",
                                          "hostico.web.callbacks imports hostico.client.queries"]


def test_a_cycle_between_packages_is_found(tmp_path):
    pkg = tmp_path / "shop"
    for sub in ("billing", "notify"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "billing" / "orders.py").write_text("from shop.notify import events\n")
    (pkg / "notify" / "events.py").write_text("")
    (pkg / "notify" / "worker.py").write_text("from shop.billing import jobs\n")
    (pkg / "billing" / "jobs.py").write_text("")
    graph = import_graph(pkg)
    assert find_cycle(graph) is None  # no module circle ...
    assert find_cycle(package_graph(graph, pkg)) == ["shop.billing", "shop.notify", "shop.billing"]  # ... but one


@pytest.mark.parametrize("late", [False, True])
def test_a_cycle_is_found_even_when_hidden_in_a_function(tmp_path, late):
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from shop import views\n")
    (pkg / "views.py").write_text("from shop.forms import Form\n")
    body = "def build():\n    from shop import views\n" if late else "from . import views\n"
    (pkg / "forms.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    import shop.models\n" + body)
    (pkg / "models.py").write_text("import shop.forms\n")
    cycle = find_cycle(import_graph(pkg))
    assert cycle == ["shop.views", "shop.forms", "shop.views"]
