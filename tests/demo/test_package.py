"""``pip wheel .`` ships the crawler and only the crawler (issue 8).

Why: the demo, the tests, the scripts and the deployment files are run from the checkout;
a wheel carrying them would install a top-level ``demo`` or ``tests`` package into the
user's environment. The package data (catalog, JSON schema) must be in it, or an
installed crawler fails at start-up.
"""

from __future__ import annotations

import email.parser
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
#: Not copied for the build: environments, outputs, caches and earlier builds at the top of
#: the checkout (a stale ``*.egg-info`` would feed old file lists to setuptools) ...
_NOT_SOURCES_AT_ROOT = {".git", ".venv", "venv", "output", "build", "dist", ".hypothesis", ".mypy_cache", ".ruff_cache",
                        ".pytest_cache", ".newscrawl", ".scrapy"}
#: ... and at any depth.
_NOT_SOURCES_ANYWHERE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """``copytree`` filter; the top-level names only at the top (``newscrawl/output/`` is source)."""
    skipped = set(_NOT_SOURCES_ANYWHERE(folder, names))
    return skipped | (_NOT_SOURCES_AT_ROOT & set(names) if Path(folder) == ROOT else set())


_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)")


def _runtime_pins() -> dict[NormalizedName, str]:
    """The ``name==version`` lines of requirements.txt from ``# Runtime`` to the next comment heading."""
    pins: dict[NormalizedName, str] = {}
    section = None
    for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines():
        if line.startswith("#"):
            section = line.lstrip("# ").strip()
        elif section == "Runtime" and (match := _PIN.match(line.strip())):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_project_dependencies_are_the_runtime_pins_as_ranges() -> None:
    """A runtime pin added to requirements.txt must reach ``[project] dependencies`` (and satisfy it)."""
    pins = _runtime_pins()
    ranges = {canonicalize_name(r.name): r for r in map(Requirement, PYPROJECT["project"]["dependencies"])}
    assert pins, "no '# Runtime' pins found in requirements.txt"
    assert sorted(ranges) == sorted(pins), "pyproject dependencies and requirements.txt runtime pins name other packages"
    outside = {name: f"{pins[name]} not in {ranges[name].specifier}" for name in pins
               if not ranges[name].specifier.contains(pins[name], prereleases=True)}
    assert not outside, outside


@pytest.mark.build
def test_wheel_holds_newscrawl_with_its_data_and_nothing_else(tmp_path: Path) -> None:
    # Built from a copy, so the checkout gets no build/ or *.egg-info and a stale one cannot leak in.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=_not_sources, symlinks=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"pip wheel failed (setuptools from requirements.txt installed?):\n{proc.stderr}"
    wheels = list((tmp_path / "dist").glob("*.whl"))
    version = PYPROJECT["project"]["version"]
    assert [w.name for w in wheels] == [f"newscrawl-{version}-py3-none-any.whl"]
    with zipfile.ZipFile(wheels[0]) as whl:
        names = set(whl.namelist())
        metadata = email.parser.Parser().parsestr(whl.read(f"newscrawl-{version}.dist-info/METADATA").decode())

    assert {n.split("/")[0] for n in names} == {"newscrawl", f"newscrawl-{version}.dist-info"}, \
        "only the newscrawl package belongs in the wheel"
    for left_out in ("demo", "tests", "scripts", "deploy"):
        assert not any(n.startswith(f"{left_out}/") for n in names), f"{left_out}/ is in the wheel"
    package = ROOT / "newscrawl"  # the checkout, not the copy: a copying mistake must not hide a module
    data = {"newscrawl/catalog.toml", *(f"newscrawl/schema/{p.name}" for p in (package / "schema").glob("*.json"))}
    assert "newscrawl/schema/article.schema.json" in data
    assert data <= names, f"package data missing: {sorted(data - names)}"
    modules = {p.relative_to(ROOT).as_posix() for p in package.rglob("*.py")}
    assert modules <= names, f"modules missing (a folder without __init__.py?): {sorted(modules - names)}"
    assert metadata["Requires-Python"] == PYPROJECT["project"]["requires-python"]
    shipped = {canonicalize_name(r.name): r.specifier for r in map(Requirement, metadata.get_all("Requires-Dist") or [])}
    declared = {canonicalize_name(r.name): r.specifier for r in map(Requirement, PYPROJECT["project"]["dependencies"])}
    assert shipped == declared
