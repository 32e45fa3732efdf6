"""Records to plain JSON data and back, without pydantic: the format of advisor's data caches.

``to_json(value)`` writes a record (or a tuple of records, a ``NamedTuple``, plain data) as JSON
text: records as objects of their fields (those left at their default are left out, which
halves the catalog's cache), enums by value, dates as ISO text, tuples as arrays.
``decoder(kind)`` gives the way back: a function that turns what ``json.loads`` returned into a
value of ``kind`` by following the record classes' own field annotations, and raises
``ShapeError`` at the first value that does not fit (a missing or unknown field, text where a
number belongs, an enum value nobody defined, a nested list where a record belongs, a number
outside its field's bounds). Records are built directly from the checked values, the way
``model_construct`` builds them: every field present and of its declared type, every bound of
``Field(ge=..., ...)`` held, but the records' own ``@field_check`` / ``@model_check`` rules are
not run again (they ran when the data was first built from the catalog files, and running them
on every start costs more than the rest of the read). pydantic is never imported.

Nothing here can run code named by the data: the only classes built are those the annotations
name, and the data only supplies field values. The annotations understood are the ones records
use: ``X``, ``X | None``, ``list[X]``, ``tuple[X, ...]``, ``tuple[X, Y]``, ``frozenset[X]``,
``dict[K, X]`` (keys text or enums of text), ``Literal[...]``, ``Any`` (plain JSON kept as it
is), scalars, ``date``, enums, ``Frozen`` records and ``NamedTuple`` classes. Any other
annotation makes ``decoder`` raise ``TypeError``, so a record that cannot be read back is simply
not cached.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import date
from enum import Enum
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from advisor.models.base import Frozen

Decode = Callable[[Any], Any]

_DECODERS: dict[object, Decode] = {}
_TOKEN = re.compile(r"\s*(\.\.\.|[A-Za-z_][\w.]*|'[^']*'|\"[^\"]*\"|[\[\],|])")


class ShapeError(ValueError):
    """JSON data that does not have the shape of the record it should hold."""


def _json_default(value: Any) -> Any:
    if isinstance(value, Frozen):  # fields left at their default are left out
        defaults = type(value).__record_defaults__
        return {
            name: item
            for name, item in value
            if name not in defaults
            or item != defaults[name]
            or type(item) is not type(defaults[name])
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset):  # in a stable order, so equal sets write equal caches
        return sorted(value, key=repr)
    raise TypeError(f"{type(value).__name__} has no JSON form here")


def to_json(value: Any) -> str:
    """JSON text of ``value``; ``ValueError`` for a non-finite float, ``TypeError`` for a value
    JSON cannot hold (neither is cached)."""
    return json.dumps(
        value, default=_json_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def decoder(kind: Any) -> Decode:
    """The function that turns JSON data into a ``kind``; ``TypeError`` if ``kind`` is not
    one this module can read (see the module's docstring)."""
    found = _DECODERS.get(kind)
    if found is None:
        found = _DECODERS[kind] = _from_type(kind)
    return found


# -- kinds given as Python objects (the root, and resolved annotation names) -----------------


def _from_type(kind: Any) -> Decode:
    if kind is Any:
        return _same
    if kind in _SCALARS:
        return _SCALARS[kind]
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(decoder(args[0]), tuple)
    if origin is tuple and args and Ellipsis not in args:
        return _fixed_tuple([decoder(a) for a in args])
    if origin is list and len(args) == 1:
        return _sequence(decoder(args[0]), list)
    if origin is frozenset and len(args) == 1:
        return _sequence(decoder(args[0]), frozenset)
    if origin is dict and len(args) == 2:
        return _mapping(decoder(args[0]), decoder(args[1]))
    if origin is Literal:
        return _literal(frozenset(args))
    if origin in (Union, UnionType) and len(args) == 2 and type(None) in args:
        return _optional(decoder(next(a for a in args if a is not type(None))))
    if isinstance(kind, type):
        if issubclass(kind, Frozen):
            return _record(kind)
        if issubclass(kind, Enum):
            return _enum(kind)
        if issubclass(kind, tuple) and hasattr(kind, "_fields"):
            return _named_tuple(kind)
    raise TypeError(f"no JSON reader for {kind!r}")


def _same(value: Any) -> Any:
    return value


def _str(value: Any) -> Any:
    if type(value) is not str:
        raise ShapeError(f"expected text, got {type(value).__name__}")
    return value


def _int(value: Any) -> Any:
    if type(value) is not int:
        raise ShapeError(f"expected an integer, got {type(value).__name__}")
    return value


def _float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
    raise ShapeError(f"expected a number, got {kind.__name__}")


def _bool(value: Any) -> Any:
    if type(value) is not bool:
        raise ShapeError(f"expected true or false, got {type(value).__name__}")
    return value


def _date(value: Any) -> Any:
    if type(value) is not str:
        raise ShapeError("expected an ISO date")
    return date.fromisoformat(value)  # ValueError: not a date


def _dict(value: Any) -> Any:
    if type(value) is not dict:
        raise ShapeError("expected an object")
    return value


def _list(value: Any) -> Any:
    if type(value) is not list:
        raise ShapeError("expected an array")
    return value


_NONE = type(None)
_JSON_TYPES = frozenset({str, int, float, bool, _NONE, list, dict})
_PASSES: dict[Decode, frozenset[object]] = {
    _same: _JSON_TYPES,
    _str: frozenset({str}),
    _int: frozenset({int}),
    _float: frozenset({float}),
    _bool: frozenset({bool}),
    _dict: frozenset({dict}),
    _list: frozenset({list}),
}
"""JSON types a decoder returns unchanged: a record's fields of these types are taken as they
are, without a call (a warm start decodes some 10,000 fields)."""

_SCALARS: dict[Any, Decode] = {
    str: _str,
    int: _int,
    float: _float,
    bool: _bool,
    date: _date,
    dict: _dict,
    list: _list,
}


def _optional(inner: Decode) -> Decode:
    def convert(value: Any) -> Any:
        return None if value is None else inner(value)

    _PASSES[convert] = _PASSES.get(inner, frozenset()) | {_NONE}
    return convert


def _sequence(item: Decode, container: type) -> Decode:
    passes = _PASSES.get(item, frozenset())

    def convert(value: Any) -> Any:
        if type(value) is not list:
            raise ShapeError("expected an array")
        return container([v if type(v) in passes else item(v) for v in value])

    return convert


def _fixed_tuple(items: list[Decode]) -> Decode:
    """``tuple[X, Y]``: an array of exactly that many values, each read as its own kind."""

    def convert(value: Any) -> Any:
        if type(value) is not list or len(value) != len(items):
            raise ShapeError(f"expected an array of {len(items)} values")
        return tuple(item(v) for item, v in zip(items, value, strict=True))

    return convert


def _mapping(key: Decode, item: Decode) -> Decode:
    def convert(value: Any) -> Any:
        if type(value) is not dict:
            raise ShapeError("expected an object")
        if key is _str and item is _same:  # free-form data (a model's config): kept as read
            return value
        if key is _str:
            return {k: item(v) for k, v in value.items()}
        return {key(k): item(v) for k, v in value.items()}

    return convert


def _literal(allowed: frozenset[Any]) -> Decode:
    def convert(value: Any) -> Any:
        if type(value) not in (str, int) or value not in allowed:
            raise ShapeError(f"expected one of {sorted(allowed)}")
        return value

    return convert


def _enum(kind: type[Enum]) -> Decode:
    members = {member.value: member for member in kind}

    def convert(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):
            raise ShapeError(f"not a {kind.__name__}: {value!r:.40}") from None

    return convert


def _record(kind: type[Frozen]) -> Decode:
    names = frozenset(kind.__record_names__)
    required = kind.__record_required__
    fields: dict[str, tuple[frozenset[object], Decode]] = {}
    checks = kind.__record_checks__

    def convert(value: Any) -> Any:
        if not fields:  # resolved on first use: a record may name classes defined after it
            for name, spec in kind.model_fields.items():
                conv = _annotation(spec.annotation, spec.module)
                fields[name] = (_PASSES.get(conv, frozenset()), conv)
        if type(value) is not dict or not required <= value.keys() <= names:
            raise ShapeError(f"not the fields of {kind.__name__}")
        built = kind.__new__(kind)
        state = built.__dict__
        kind._fill(state, {})  # defaults, and factories' values, for the fields left out
        for name, item in value.items():
            passes, conv = fields[name]
            state[name] = item if type(item) in passes else conv(item)
        for name, test, message in checks:
            found = state[name]
            if found is not None and not test(found):
                raise ShapeError(f"{kind.__name__}.{name} {message}")
        return built

    return convert


def _named_tuple(kind: type) -> Decode:
    annotations: dict[str, Any] = kind.__annotations__
    names: tuple[str, ...] = getattr(kind, "_fields", ())
    texts = [getattr(annotations[n], "__forward_arg__", annotations[n]) for n in names]
    fields = [_annotation(str(text), kind.__module__) for text in texts]

    def convert(value: Any) -> Any:
        if type(value) is not list or len(value) != len(fields):
            raise ShapeError(f"not the fields of {kind.__name__}")
        return kind(*[conv(v) for conv, v in zip(fields, value, strict=True)])

    return convert


# -- kinds given as annotation text (record fields, under PEP 563) ----------------------------


def _annotation(text: str, module: str) -> Decode:
    """The decoder of one field's annotation, names resolved in ``module``."""
    tokens = _TOKEN.findall(text)
    if "".join(tokens) != text.replace(" ", ""):
        raise TypeError(f"cannot read the annotation {text!r}")
    namespace = vars(sys.modules[module])
    result, end = _union(tokens, 0, namespace)
    if end != len(tokens):
        raise TypeError(f"cannot read the annotation {text!r}")
    return result


def _union(tokens: list[str], at: int, namespace: dict[str, Any]) -> tuple[Decode, int]:
    parts: list[Decode | None] = []
    while True:
        if tokens[at] == "None":
            parts.append(None)
            at += 1
        else:
            part, at = _term(tokens, at, namespace)
            parts.append(part)
        if at < len(tokens) and tokens[at] == "|":
            at += 1
            continue
        break
    real = [p for p in parts if p is not None]
    if len(real) != 1:
        raise TypeError(f"unions other than X | None are not read: {tokens}")
    return (_optional(real[0]) if None in parts else real[0]), at


def _term(tokens: list[str], at: int, namespace: dict[str, Any]) -> tuple[Decode, int]:
    name = tokens[at]
    at += 1
    if at < len(tokens) and tokens[at] == "[":
        if name == "Literal":
            values: list[str] = []
            while tokens[at] in ("[", ","):
                values.append(tokens[at + 1][1:-1])
                at += 2
            return _literal(frozenset(values)), _expect(tokens, at, "]")
        args: list[Decode | None] = []
        while tokens[at] in ("[", ","):
            if tokens[at + 1] == "...":
                args.append(None)
                at += 2
            else:
                arg, at = _union(tokens, at + 1, namespace)
                args.append(arg)
        at = _expect(tokens, at, "]")
        if name == "list" and len(args) == 1 and args[0] is not None:
            return _sequence(args[0], list), at
        if name == "tuple" and len(args) == 2 and args[0] is not None and args[1] is None:
            return _sequence(args[0], tuple), at
        if name == "tuple" and args and all(a is not None for a in args):
            return _fixed_tuple([a for a in args if a is not None]), at
        if name == "frozenset" and len(args) == 1 and args[0] is not None:
            return _sequence(args[0], frozenset), at
        if name == "dict" and len(args) == 2 and args[0] is not None and args[1] is not None:
            return _mapping(args[0], args[1]), at
        raise TypeError(f"cannot read {name}[...] in {tokens}")
    if name == "Any":
        return _same, at
    builtin = {"str": str, "int": int, "float": float, "bool": bool, "date": date}.get(name)
    found = builtin if builtin is not None else namespace.get(name.rpartition(".")[2])
    if found is None:
        raise TypeError(f"cannot resolve {name!r}")
    return decoder(found), at


def _expect(tokens: list[str], at: int, token: str) -> int:
    if at >= len(tokens) or tokens[at] != token:
        raise TypeError(f"expected {token!r} in {tokens}")
    return at + 1
