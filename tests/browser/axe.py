"""axe-core for the browser walk: installed from npm on first use into build/ (git-ignored), never committed.

The version is pinned; `npm install` needs the npm registry once per checkout (CI has it), then the file is reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess

AXE_VERSION = "4.14.1"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PREFIX = os.path.join(ROOT, "build", "axe-core")
AXE_JS = os.path.join(PREFIX, "node_modules", "axe-core", "axe.min.js")
# WCAG 2.1 levels A and AA (axe's tags); "best-practice" rules are not part of AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _installed_version() -> str | None:
    try:
        with open(os.path.join(os.path.dirname(AXE_JS), "package.json"), encoding="utf-8") as f:
            import json

            return json.load(f).get("version")
    except OSError:
        return None


def axe_source() -> str:
    """Return axe.min.js, installing the pinned axe-core from npm into build/ when it is not there yet."""
    if _installed_version() != AXE_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm not found: the browser walk needs it once to install axe-core into build/")
        subprocess.run([npm, "install", "--prefix", PREFIX, "--no-save", "--no-package-lock", "--no-audit",
                        "--no-fund", "--loglevel=error", f"axe-core@{AXE_VERSION}"], check=True, timeout=300)
    with open(AXE_JS, encoding="utf-8") as f:
        return f.read()


def add_axe(context) -> None:
    """Load axe-core into every page of a browser context (an init script: not an inline script the CSP refuses)."""
    context.add_init_script(script=axe_source_cached())


def axe_violations(page) -> list[str]:
    """Run axe-core (WCAG 2.1 A/AA) on the page; one line per violation with its impact and first nodes."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').split('\\n')[1]),"
        " count: v.nodes.length})))", WCAG_AA)
    return [f"{v['id']} ({v['impact']}, {v['count']} nodes): {v['help']} — " + " | ".join(v["nodes"])
            for v in result]


_CACHE: dict[str, str] = {}


def axe_source_cached() -> str:
    """axe_source(), read once per test process."""
    if "js" not in _CACHE:
        _CACHE["js"] = axe_source()
    return _CACHE["js"]
