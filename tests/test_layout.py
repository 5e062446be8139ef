"""House rules of the repository itself: tests mirror hostico/, the pytest configuration turns warnings into
errors and marks the slow tests, and no merge leftovers remain."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Test folders that are not a package of hostico: whole-product suites.
WHOLE_PRODUCT = {"browser", "security"}
# Test helpers that hold no tests: the local fakes of outside services.
HELPERS = {"fakes"}


def test_test_folders_mirror_the_packages_of_hostico():
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    packages = {p.parent.name for p in (ROOT / "hostico").glob("*/__init__.py")}
    assert folders - WHOLE_PRODUCT - HELPERS <= packages, "a test folder with no hostico package of that name"
    assert [p.name for folder in HELPERS for p in (ROOT / "tests" / folder).glob("test_*.py")] == []
    assert {"accounts", "auth", "billing", "client", "models", "notify", "staff"} <= folders


def test_pytest_turns_warnings_into_errors_and_registers_slow():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert config["filterwarnings"][0] == "error"
    assert all(rule.startswith("ignore::") and "Deprecation" not in rule for rule in config["filterwarnings"][1:])
    assert "--strict-markers" in config["addopts"]
    assert any(marker.startswith("slow:") for marker in config["markers"])


@pytest.mark.slow
def test_benchmarks_and_browser_tests_are_marked_slow():
    files = ["tests/billing/test_bench.py", "tests/efactura/test_bench.py", "tests/notify/test_bench.py",
             "tests/browser/test_login_page.py"]
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly",
                             "-p", "no:cacheprovider", "-m", "not slow", *files],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "no tests collected" in result.stdout and "deselected" in result.stdout, result.stdout + result.stderr


def test_no_merge_leftovers():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert [f for f in tracked if "postmerge" in f or "post_merge" in f] == []
    sources = [ROOT / f for f in tracked if f.startswith(("hostico/", "templates/")) and f.endswith((".py", ".html"))]
    assert [str(p) for p in sources if "has_endpoint" in p.read_text()] == []
