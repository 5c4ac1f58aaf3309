"""newscrawl uses Scrapy through its public API only: no private attribute, no private override.

Private names (``_x``) of Scrapy change between releases without notice; code that reached
into the feed exporter's slots or overrode a sitemap parser's private hooks broke silently.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import newscrawl

PACKAGE = Path(newscrawl.__file__).parent
#: Underscore names that are public API: namedtuple's methods, and what abc.ABCMeta puts on every ABC.
PUBLIC = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults", "_abc_impl"})


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name not in PUBLIC


def _own_names() -> set[str]:
    """Every private name newscrawl defines itself (functions, classes, attributes it assigns)."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return {n for n in names if _private(n)}


def test_no_private_attribute_of_anything_but_our_own() -> None:
    own = _own_names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert not found, f"private attributes of other packages: {found}"


def test_no_class_overrides_a_private_scrapy_method() -> None:
    found = []
    for module_info in pkgutil.walk_packages([str(PACKAGE)], "newscrawl."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name in cls.__dict__:
                if not _private(name):
                    continue
                for base in cls.__mro__[1:]:
                    if base.__module__.startswith(("scrapy", "twisted")) and name in base.__dict__:
                        found.append(f"{cls.__module__}.{cls.__qualname__}.{name} overrides {base.__qualname__}")
    assert not found, found
