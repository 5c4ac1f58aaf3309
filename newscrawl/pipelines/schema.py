"""The article JSON Schema compiled once into a plain Python predicate, for the check of every item.

``jsonschema`` walks the schema again for each instance, with a generator and an error object
per keyword: about as much CPU per item as the rest of validation together. :func:`compile_schema`
turns the schema into nested closures once, for the keywords ``newscrawl/schema/article.schema.json``
uses, with ``jsonschema``'s Draft 2020-12 semantics for each:

* ``type`` (string, null, integer (an int, or a float without fraction; never a bool), number,
  boolean, array (a list), object (a dict)), ``properties``, ``required``, ``additionalProperties``
  (a boolean or a schema; no ``patternProperties``), ``items`` (a boolean or a schema; no
  ``prefixItems``), ``pattern`` (``re.search``, on strings only), ``minLength`` (code points, on
  strings only), ``minimum`` (on numbers only);
* annotations that assert nothing: ``$schema``, ``$id``, ``title``, ``description``, and ``format``
  (``jsonschema`` checks formats only when given a format checker, and the pipeline never gave one).

Any other keyword is a ``ValueError`` when the schema is compiled: a schema edit that uses one must
extend this module (and its equivalence test, ``tests/unit/test_schema.py``) instead of being
silently not checked. The predicate only says *whether* a record is valid; the validate pipeline
asks ``jsonschema`` for the reasons of the rare record that is not, so a reject's ``schema:<field>``
reasons are the same as before.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

#: Keywords that assert nothing (``format`` without a format checker, as jsonschema runs it here).
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "format"})
KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items", "pattern",
                      "minLength", "minimum"})


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _type_check(spec: Any) -> Check:
    names = [spec] if isinstance(spec, str) else list(spec)
    unknown = [n for n in names if n not in TYPES]
    if unknown:
        raise ValueError(f"unsupported JSON Schema type {unknown[0]!r}")
    if names == ["string"]:
        return lambda v: isinstance(v, str)
    if sorted(names) == ["null", "string"]:
        return lambda v: v is None or isinstance(v, str)
    checks = [TYPES[n] for n in names]

    def check_any(value: Any) -> bool:
        for check in checks:
            if check(value):
                return True
        return False
    return check_any


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def compile_schema(schema: Any) -> Check:
    """A predicate that is True exactly when ``jsonschema`` (Draft 2020-12, no format checker) finds
    no error in the instance; ``ValueError`` for a keyword this module does not implement."""
    if schema is True:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, dict):
        raise ValueError(f"not a JSON Schema: {schema!r}")
    unknown = sorted(set(schema) - KEYWORDS - ANNOTATIONS)
    if unknown:
        raise ValueError(f"unsupported JSON Schema keyword {unknown[0]!r} (newscrawl/pipelines/schema.py)")
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type_check(schema["type"]))
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    if "minLength" in schema:
        min_length = int(schema["minLength"])
        checks.append(lambda v: not isinstance(v, str) or len(v) >= min_length)
    if "minimum" in schema:
        minimum = schema["minimum"]
        checks.append(lambda v: not _is_number(v) or not v < minimum)
    if "required" in schema:
        required = frozenset(schema["required"])
        checks.append(lambda v: not isinstance(v, dict) or required.issubset(v))
    properties = {name: compile_schema(sub) for name, sub in schema.get("properties", {}).items()}
    extra = compile_schema(schema.get("additionalProperties", True))
    if properties or extra is not _always:
        def check_object(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for key, item in value.items():
                check = properties.get(key, extra)
                if not check(item):
                    return False
            return True
        checks.append(check_object)
    if "items" in schema:
        each = compile_schema(schema["items"])
        def check_items(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            for item in value:
                if not each(item):
                    return False
            return True
        checks.append(check_items)
    return _all(checks)


def _all(checks: list[Check]) -> Check:
    """One predicate for all ``checks`` (no generator per call: this runs for every field of every item)."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def check_all(value: Any) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True
    return check_all
