"""The import rules of the layout (issue 8): which part of ``newscrawl`` may import which.

The graph is read from the source with ``ast``, module-level and function-level imports
alike, so an import hidden inside a function (the usual way a cycle is kept open) counts
the same as one at the top. Nothing is imported: a broken module cannot hide an edge.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "newscrawl"

#: ``newscrawl.pages`` builds items from responses; it must not reach up into what drives it.
PAGES_MUST_NOT_IMPORT = ("families", "spiders", "pipelines", "extensions", "commands")
#: ``newscrawl.dashboard`` draws what run reports and the store hold; it must not reach into the crawl.
DASHBOARD_MUST_NOT_IMPORT = ("families", "pages", "spiders", "pipelines", "extensions", "commands", "middlewares",
                             "extract")

Edge = tuple[str, str, int]  # (importing module, imported module, line)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name ``from X import ...`` refers to, relative imports included."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports (absolute names), with the line; ``from P import m`` is ``P.m`` when m is a module."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    modules = _modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve_from(module, path.name == "__init__.py", node)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield (submodule if submodule in modules else target), node.lineno


@cache
def _edges() -> tuple[Edge, ...]:
    return tuple((module, imported, line)
                 for module, path in _modules().items() for imported, line in _imports(module, path))


def _internal_edges() -> list[Edge]:
    """Edges between two ``newscrawl`` modules (imports of a name from a package point at the package)."""
    modules = _modules()
    out: list[Edge] = []
    for source, target, line in _edges():
        while target and target not in modules and _within(target, "newscrawl"):
            target = target.rpartition(".")[0]  # ``import newscrawl.x.y`` where y is a name: the module is x
        if target in modules:
            out.append((source, target, line))
    return out


def _show(edges: list[Edge]) -> str:
    return "; ".join(f"{a} -> {b} (line {n})" for a, b, n in sorted(edges))


def _cycles(nodes: set[str], edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    graph: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b, _line in edges:
        if a in nodes and b in nodes:
            graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_graph_sees_function_level_imports() -> None:
    """The reader itself: an import inside a function is an edge (that is how cycles hide)."""
    module = "newscrawl.parsing.example"
    tree = ast.parse("def f():\n    from newscrawl.parsing import text\n    from . import dates\n")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add(_resolve_from(module, False, node))
    assert found == {"newscrawl.parsing"}
    assert len(_modules()) > 20 and "newscrawl.parsing.text" in _modules()


def test_parsing_has_no_cycles() -> None:
    parsing = {m for m in _modules() if _within(m, "newscrawl.parsing")}
    assert _cycles(parsing, _internal_edges()) == []


def test_parsing_imports_nothing_else_from_newscrawl() -> None:
    """``newscrawl.parsing`` is the bottom layer: pure functions over text and HTML."""
    upward = [e for e in _internal_edges()
              if _within(e[0], "newscrawl.parsing") and not _within(e[1], "newscrawl.parsing")]
    assert not upward, _show(upward)


#: Data modules the catalog may read: leaves themselves (attrs and the standard library only).
CATALOG_LEAVES = ("newscrawl.render.actions",)


def test_catalog_is_a_leaf() -> None:
    """The catalog is data every layer reads; it reads no newscrawl module but the leaf data
    modules of its own keys (render modes and page actions), which read none either."""
    edges = [e for e in _internal_edges() if e[0] in ("newscrawl.catalog", *CATALOG_LEAVES)
             and not (e[0] == "newscrawl.catalog" and e[1] in CATALOG_LEAVES)]
    assert not edges, _show(edges)


def test_pages_import_nothing_above_them() -> None:
    forbidden = tuple(f"newscrawl.{name}" for name in PAGES_MUST_NOT_IMPORT)
    upward = [e for e in _internal_edges()
              if _within(e[0], "newscrawl.pages") and any(_within(e[1], f) for f in forbidden)]
    assert not upward, _show(upward)


def test_newscrawl_never_imports_demo() -> None:
    """The demo is not shipped: the package must work without it."""
    edges = [e for e in _edges() if _within(e[1], "demo")]
    assert not edges, _show(edges)


def test_dashboard_reads_data_and_only_scrapy_report_uses_it() -> None:
    """The dashboard reads run reports and the store; ``scrapy report`` is its one user."""
    forbidden = tuple(f"newscrawl.{name}" for name in DASHBOARD_MUST_NOT_IMPORT)
    edges = _internal_edges()
    upward = [e for e in edges if _within(e[0], "newscrawl.dashboard") and any(_within(e[1], f) for f in forbidden)]
    assert not upward, _show(upward)
    users = [e for e in edges if _within(e[1], "newscrawl.dashboard") and not _within(e[0], "newscrawl.dashboard")]
    assert users and {e[0] for e in users} == {"newscrawl.commands.report"}, _show(users)


def test_matplotlib_is_imported_only_by_the_dashboard_charts() -> None:
    """A crawl never loads the plotting library."""
    edges = [e for e in _edges() if _within(e[1], "matplotlib")]
    assert edges and {e[0] for e in edges} == {"newscrawl.dashboard.charts"}, _show(edges)


#: The only modules that import Playwright: what runs in a crawl that renders, loaded by the download
#: handler setting and by request meta (newscrawl.render.setup imports them inside functions only).
BROWSER_MODULES = {"newscrawl.render.browser", "newscrawl.render.handler"}


def test_playwright_is_imported_only_by_the_render_modules() -> None:
    edges = [e for e in _edges() if (_within(e[1], "playwright") or _within(e[1], "scrapy_playwright"))
             # PageMethod (a plain class; its module imports no Playwright), inside render_meta
             and e[:2] != ("newscrawl.render.setup", "scrapy_playwright.page")]
    assert edges and {e[0] for e in edges} == BROWSER_MODULES, _show(edges)
    importers = [e for e in _internal_edges() if e[1] in BROWSER_MODULES and e[0] not in BROWSER_MODULES]
    assert {e[0] for e in importers} <= {"newscrawl.render.setup"}, _show(importers)


def test_celery_is_imported_only_by_the_dist_app() -> None:
    """A crawl (and every command but `scrapy jobs enqueue`) never loads Celery."""
    edges = [e for e in _edges() if _within(e[1], "celery") or _within(e[1], "kombu")]
    assert edges and {e[0] for e in edges} == {"newscrawl.dist.app"}, _show(edges)
    importers = {e[0] for e in _internal_edges() if e[1] == "newscrawl.dist.app"}
    assert importers <= {"newscrawl.dist", "newscrawl.commands.jobs"}, importers


def test_commands_load_no_heavy_library_until_they_run() -> None:
    """Scrapy imports every command module on every command (scrapy crawl too): export's pyarrow and the
    dashboard's data/matplotlib are imported only when those commands run."""
    import subprocess
    import sys

    code = ("import sys, pkgutil, importlib, newscrawl.commands as c\n"
            "for m in pkgutil.iter_modules(c.__path__): importlib.import_module('newscrawl.commands.' + m.name)\n"
            "print(','.join(m for m in ('pyarrow', 'matplotlib', 'newscrawl.dashboard.data', "
            "'newscrawl.output.dataset', 'celery', 'kombu', 'newscrawl.dist.jobs') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE_DIR.parent)
    assert out.stdout.strip() == ""


def test_export_command_formats_are_the_dataset_formats() -> None:
    from newscrawl.commands.export import DATASET_FORMATS
    from newscrawl.output.dataset import FORMATS

    assert DATASET_FORMATS == FORMATS
