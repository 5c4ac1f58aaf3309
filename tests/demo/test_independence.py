"""The demo's truth never runs the crawler's code (issue 8).

Why: the truth is what the crawl is graded against. Computed with newscrawl's parsing,
page or pipeline code, a bug there would be copied into the expected answer and every
end-to-end comparison would still pass. So the demo package must not import those
packages, directly or through another newscrawl module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import demo

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = Path(demo.__file__).resolve().parent
FORBIDDEN = ("newscrawl.parsing", "newscrawl.pages", "newscrawl.pipelines")

# Runs in a fresh interpreter: this test process has long imported newscrawl itself.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
import demo
names = sorted(m.name for m in pkgutil.walk_packages(demo.__path__, "demo."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "newscrawl": sorted(m for m in sys.modules if m.split(".")[0] == "newscrawl")}))
"""


def _module_name(path: Path) -> str:
    parts = path.relative_to(DEMO_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_importing_every_demo_module_loads_no_parsing_pages_or_pipelines() -> None:
    proc = subprocess.run([sys.executable, "-c", _IMPORT_ALL], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[-1])
    expected = {_module_name(p) for p in DEMO_DIR.rglob("*.py")} - {"demo"}
    assert expected <= set(report["imported"]), f"not imported: {sorted(expected - set(report['imported']))}"
    leaked = [m for m in report["newscrawl"] if _forbidden(m)]
    assert not leaked, f"importing the demo loads crawler code its truth must not use: {leaked}"


def _newscrawl_imports(path: Path) -> list[tuple[int, list[str], bool]]:
    """(line, modules it may load, at module level) of every import of newscrawl in ``path``.

    ``from newscrawl import parsing`` may load ``newscrawl.parsing``, so the imported names
    count as modules too.
    """
    tree = ast.parse(path.read_text("utf-8"), str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        modules = [m for m in modules if m.split(".")[0] == "newscrawl"]
        if modules:
            found.append((node.lineno, modules, id(node) in top_level))
    return found


def test_demo_imports_newscrawl_only_at_module_level_and_never_the_forbidden_packages() -> None:
    """An import inside a function is invisible to the ``sys.modules`` check above, so none is allowed."""
    problems = []
    for path in sorted(DEMO_DIR.rglob("*.py")):
        for line, modules, top in _newscrawl_imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if bad := [m for m in modules if _forbidden(m)]:
                problems.append(f"{where} imports {bad[0]}")
            elif not top:
                problems.append(f"{where} imports {modules[0]} inside a function or block (import it at module level)")
    assert not problems, "\n".join(problems)
