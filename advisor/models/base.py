"""Records: the immutable, typed structures that cross advisor's boundaries.

Every report, estimate, hardware profile and catalog entry is a ``Frozen`` record: a class with
annotated fields (``name: type = Field(...)``), keyword-only construction, no assignment after
construction, equality and hashing by value, ``model_copy(update=...)`` for changed copies, and
``model_dump`` / ``model_dump_json`` for plain data and JSON.

Why not pydantic models directly: importing pydantic and defining some sixty models took about
145 ms of every ``advisor`` run on a 2-core machine (``python -X importtime``), and building their
validators on first use 35 ms more, most of the 0.25 s that ``advisor recommend --json`` may take
(issue 5). So records are cheap plain classes on the hot path, and pydantic stays at the edges,
imported on first use:

- ``Cls(...)``: construction by typed code (mypy strict checks every call through
  ``dataclass_transform``). Unknown and missing fields, the numeric and length bounds of
  ``Field(ge=..., min_length=...)``, ``@field_check`` and ``@model_check`` rules all run here.
  Enum fields (``Task``, ``Task | None``, ``list[Task]``) also take their values (``"chat"``),
  for callers of the library, and float fields turn an ``int`` into a ``float``; nothing else
  is converted.
- ``Cls.model_validate(data)`` / ``model_validate_json(text)``: untrusted input (TOML, JSON,
  user dictionaries) validated and converted by pydantic, through a pydantic model generated from
  the record's fields (``advisor.models.validation``); errors are pydantic ``ValidationError``.
- ``Cls.model_json_schema()``: the JSON Schema of that generated model, so the schema and the
  records cannot drift apart. The JSON ``model_dump_json`` writes is checked against that schema
  and against pydantic's own serialisation by tests/unit/test_document_json.py; the record
  behaviour by tests/unit/test_records.py.

Private state (names starting with ``_``) is not a field: it is not compared, dumped or pickled,
and may be set on a frozen record (caches such as ``ModelSpec.arch()``); ``model_copy`` carries
it along, as pydantic does.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, dataclass_transform, overload

if TYPE_CHECKING:
    from typing import Self

SCHEMA_VERSION = "1"
"""Version of the JSON documents advisor prints; bumped when a stable key changes meaning."""

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


class _Missing:
    """Marks a field without a default."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class RecordError(ValueError):
    """A record was built with a value its fields do not allow (a bug in the caller, or bad
    input that skipped ``model_validate``)."""


class FieldSpec:
    """What a record knows about one field: its default and the bounds it enforces."""

    __slots__ = (
        "annotation",
        "default",
        "default_factory",
        "description",
        "ge",
        "gt",
        "le",
        "lt",
        "max_length",
        "min_length",
        "module",
        "name",
    )

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | None = None,
        description: str | None = None,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
        lt: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.description = description
        self.ge, self.gt, self.le, self.lt = ge, gt, le, lt
        self.min_length, self.max_length = min_length, max_length
        self.name = ""
        self.annotation = ""  # the annotation as written (a string: modules use PEP 563)
        self.module = ""  # the module whose namespace resolves the annotation

    @property
    def required(self) -> bool:
        """No default and no default factory."""
        return self.default is MISSING and self.default_factory is None

    def __repr__(self) -> str:
        return f"FieldSpec({self.name}: {self.annotation})"


@overload
def Field(
    default: _T,
    *,
    description: str | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> _T: ...
@overload
def Field(
    *,
    default_factory: Callable[[], _T],
    description: str | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> _T: ...
@overload
def Field(
    *,
    description: str | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> Any: ...
def Field(default: Any = MISSING, **options: Any) -> Any:
    """A record field with a default (or factory), a description, and bounds.

    ``ge``/``gt``/``le``/``lt`` bound numbers, ``min_length``/``max_length`` bound lists and
    strings; ``None`` values are not checked. The same bounds appear in the JSON Schema. (The
    overloads above give the options and their types; ``FieldSpec`` holds them.)
    """
    return FieldSpec(default, **options)


def field_check(*names: str) -> Callable[[_F], _F]:
    """Mark a static method ``check(value) -> None`` that validates the fields ``names``.

    It raises ``ValueError`` with a short reason; ``None`` values are not passed to it. Under
    ``model_validate`` the error is reported at the field, as pydantic reports its own.
    """

    def mark(fn: _F) -> _F:
        target = fn.__func__ if isinstance(fn, staticmethod) else fn
        target.__record_field_check__ = names  # type: ignore[attr-defined]  # a marker only
        return fn

    return mark


def model_check(fn: _F) -> _F:
    """Mark a method ``check(self) -> None`` that validates a whole record after construction.

    It raises ``ValueError`` (reported by ``model_validate`` as a validation error) or an
    ``AdvisorError`` subclass (which passes through untouched, for messages aimed at users).
    """
    fn.__record_model_check__ = True  # type: ignore[attr-defined]  # a marker only
    return fn


_BOUNDS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "ge": (operator.ge, ">="),
    "gt": (operator.gt, ">"),
    "le": (operator.le, "<="),
    "lt": (operator.lt, "<"),
}


def _bound_checks(spec: FieldSpec) -> list[tuple[str, Callable[[Any], bool], str]]:
    """(field, test, message) for every bound ``spec`` declares."""
    checks: list[tuple[str, Callable[[Any], bool], str]] = []
    for attr, (op, sign) in _BOUNDS.items():
        bound = getattr(spec, attr)
        if bound is not None:
            test = functools.partial(_compare, op, bound)
            checks.append((spec.name, test, f"must be {sign} {bound}"))
    if spec.min_length is not None:
        test = functools.partial(_length_at_least, spec.min_length)
        checks.append((spec.name, test, f"must hold at least {spec.min_length} items"))
    if spec.max_length is not None:
        test = functools.partial(_length_at_most, spec.max_length)
        checks.append((spec.name, test, f"must hold at most {spec.max_length} items"))
    return checks


def _compare(op: Callable[[Any, Any], bool], bound: Any, value: Any) -> bool:
    return op(value, bound)


def _length_at_least(n: int, value: Any) -> bool:
    return len(value) >= n


def _length_at_most(n: int, value: Any) -> bool:
    return len(value) <= n


_CONVERTIBLE = re.compile(
    r"^(?:None \| )?(?:(list|tuple)\[)?([A-Za-z_][\w.]*)(?:, \.\.\.)?(\])?(?: \| None)?$"
)
"""``X``, ``X | None``, ``list[X]``, ``tuple[X, ...]``: the annotations whose values convert."""


def _converter(
    owner: str, name: str, annotation: str, namespace: Mapping[str, Any]
) -> Callable[[Any], Any] | None:
    """How a field's non-None value is brought to its type, where the type is simple enough:
    an enum from its value (``"chat"`` to ``Task.CHAT``), one by one in a list or tuple of enums,
    and an ``int`` to ``float`` in a float field (JSON then writes ``10.0``, as pydantic did).
    None for any other annotation, or a name not defined yet."""
    match = _CONVERTIBLE.match(annotation)
    if match is None or bool(match.group(1)) != bool(match.group(3)):
        return None
    target = match.group(2)
    if target == "float" and not match.group(1):
        return _to_float
    found: Any = namespace.get(target.rpartition(".")[2])
    if not (isinstance(found, type) and issubclass(found, Enum)):
        return None
    one = functools.partial(_to_enum, found, f"{owner}.{name}")
    if match.group(1):
        return functools.partial(_each, one)
    return one


def _to_float(value: Any) -> Any:
    return float(value) if type(value) is int else value


def _to_enum(enum: type[Enum], where: str, value: Any) -> Any:
    if type(value) is enum:
        return value
    try:
        return enum(value)
    except (TypeError, ValueError):
        allowed = ", ".join(str(member.value) for member in enum)
        raise RecordError(f"{where}: {value!r} is not one of {allowed}") from None


def _each(convert: Callable[[Any], Any], values: Any) -> Any:
    return type(values)(convert(item) for item in values)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(Field,))
class Frozen:
    """Base of every record: immutable, keyword-built, strict about unknown fields."""

    model_fields: ClassVar[dict[str, FieldSpec]] = {}
    """The record's fields in declaration order (inherited ones first)."""
    __record_names__: ClassVar[tuple[str, ...]] = ()
    __record_nameset__: ClassVar[frozenset[str]] = frozenset()
    __record_required__: ClassVar[frozenset[str]] = frozenset()
    __record_defaults__: ClassVar[dict[str, Any]] = {}
    __record_factories__: ClassVar[tuple[tuple[str, Callable[[], Any]], ...]] = ()
    __record_checks__: ClassVar[tuple[tuple[str, Callable[[Any], bool], str], ...]] = ()
    __record_field_checks__: ClassVar[tuple[tuple[str, Callable[[Any], None]], ...]] = ()
    __record_model_checks__: ClassVar[tuple[Callable[[Any], None], ...]] = ()
    __record_converters__: ClassVar[tuple[tuple[str, Callable[[Any], Any]], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__annotations__")  # noqa: RUF063 (inspect costs ~7 ms to import)
        if own is None and "__annotate__" in cls.__dict__:  # Python 3.14+: lazy annotations
            own = cls.__annotations__
        fields = dict(cls.model_fields)  # the parent's, in order
        # Checks by name: a subclass method of the same name replaces its parent's.
        field_checks = {(f, fn.__name__): fn for f, fn in cls.__record_field_checks__}
        model_checks = {fn.__name__: fn for fn in cls.__record_model_checks__}
        for name, annotation in (own or {}).items():
            if not isinstance(annotation, str):
                raise TypeError(
                    f"{cls.__name__}.{name}: record modules must start with"
                    " `from __future__ import annotations` (fields are read from their text)"
                )
            if name.startswith("_") or annotation.startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = cls.__dict__.get(name, MISSING)
            spec = value if isinstance(value, FieldSpec) else FieldSpec(default=value)
            if isinstance(spec.default, (list, dict, set)):
                raise TypeError(
                    f"{cls.__name__}.{name}: a mutable default would be shared by every record;"
                    " use Field(default_factory=...)"
                )
            spec.name, spec.annotation, spec.module = name, annotation, cls.__module__
            fields[name] = spec
            if value is not MISSING:
                delattr(cls, name)  # instances always hold their own value
        for attr in cls.__dict__.values():
            target = attr.__func__ if isinstance(attr, staticmethod) else attr
            names = getattr(target, "__record_field_check__", None)
            if names is not None:
                field_checks.update({(name, target.__name__): target for name in names})
            if getattr(attr, "__record_model_check__", False):
                model_checks[attr.__name__] = attr
        unknown = {name for name, _ in field_checks} - fields.keys()
        if unknown:
            raise TypeError(f"{cls.__name__}: field_check names unknown fields {sorted(unknown)}")
        cls.model_fields = fields
        cls.__record_names__ = tuple(fields)
        cls.__record_nameset__ = frozenset(fields)
        cls.__record_required__ = frozenset(n for n, s in fields.items() if s.required)
        cls.__record_defaults__ = {
            n: s.default for n, s in fields.items() if s.default is not MISSING
        }
        cls.__record_factories__ = tuple(
            (n, s.default_factory) for n, s in fields.items() if s.default_factory is not None
        )
        cls.__record_checks__ = tuple(c for s in fields.values() for c in _bound_checks(s))
        cls.__record_field_checks__ = tuple((f, fn) for (f, _), fn in field_checks.items())
        cls.__record_model_checks__ = tuple(model_checks.values())
        converters = []
        for name, spec in fields.items():
            namespace = vars(sys.modules[spec.module])
            convert = _converter(cls.__name__, name, spec.annotation, namespace)
            if convert is not None:
                converters.append((name, convert))
        cls.__record_converters__ = tuple(converters)

    @classmethod
    def _reject_unknown(cls, given: Mapping[str, Any]) -> None:
        if not given.keys() <= cls.__record_nameset__:
            unknown = sorted(set(given) - cls.__record_nameset__)
            raise RecordError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)}")

    @classmethod
    def _fill(cls, values: dict[str, Any], given: Mapping[str, Any]) -> None:
        """Put the defaults, the factories' values for fields not given, then ``given``."""
        values.update(cls.__record_defaults__)
        for name, factory in cls.__record_factories__:
            if name not in given:
                values[name] = factory()
        values.update(given)

    def __init__(self, **data: Any) -> None:
        cls = type(self)
        cls._reject_unknown(data)
        values = self.__dict__
        cls._fill(values, data)
        if len(values) != len(cls.__record_names__):
            missing = sorted(cls.__record_required__ - data.keys())
            raise RecordError(f"{cls.__name__}: missing field(s) {', '.join(missing)}")
        for name, convert in cls.__record_converters__:
            value = values[name]
            if value is not None:
                values[name] = convert(value)
        for name, test, message in cls.__record_checks__:
            value = values[name]
            if value is not None and not test(value):
                raise RecordError(f"{cls.__name__}.{name} {message}, got {value!r}")
        for name, check in cls.__record_field_checks__:
            if values[name] is not None:
                check(values[name])
        for model_check_fn in cls.__record_model_checks__:
            model_check_fn(self)

    # -- immutability, equality, pickling -------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        raise AttributeError(
            f"{type(self).__name__} is frozen; make a changed copy with model_copy(update=...)"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def _values(self) -> tuple[Any, ...]:
        values = self.__dict__
        return tuple([values[name] for name in type(self).__record_names__])

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Frozen)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        values = self.__dict__
        body = ", ".join(f"{n}={values[n]!r}" for n in type(self).__record_names__)
        return f"{type(self).__name__}({body})"

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """(name, value) of each field, so ``dict(record)`` gives its fields (as in pydantic)."""
        values = self.__dict__
        for name in type(self).__record_names__:
            yield name, values[name]

    def __getstate__(self) -> dict[str, Any]:
        values = self.__dict__
        return {name: values[name] for name in type(self).__record_names__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def model_construct(cls, **values: Any) -> Self:
        """A record from values already known to be valid: defaults filled, nothing checked."""
        obj = cls.__new__(cls)
        cls._fill(obj.__dict__, values)
        return obj

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy with the fields in ``update`` replaced (values not checked, as in pydantic).

        Private state is copied along, as pydantic copies private attributes: a copy shares its
        original's caches (``ModelSpec.arch()``), so an update must not change what a cache was
        derived from.
        """
        cls = type(self)
        copy = cls.__new__(cls)
        copy.__dict__.update(self.__dict__)
        if update:
            cls._reject_unknown(update)
            copy.__dict__.update(update)
        return copy

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """Validate untrusted data (a mapping, or a record) with pydantic; convert values."""
        if type(data) is cls:
            return data
        from advisor.models.validation import adapter

        result: Self = adapter(cls).validate_python(data)
        return result

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Self:
        """Validate a JSON document with pydantic."""
        from advisor.models.validation import adapter

        result: Self = adapter(cls).validate_json(data)
        return result

    @classmethod
    def model_json_schema(
        cls, mode: Literal["validation", "serialization"] = "validation"
    ) -> dict[str, Any]:
        """JSON Schema of the record (generated by pydantic from its fields)."""
        from advisor.models.validation import shadow

        schema: dict[str, Any] = shadow(cls).model_json_schema(mode=mode)
        return schema

    # -- plain data -------------------------------------------------------------------------

    def model_dump(
        self, *, mode: Literal["python", "json"] = "python", exclude_none: bool = False
    ) -> dict[str, Any]:
        """The fields as a dictionary, nested records included.

        ``mode="json"``: only JSON types (enums by value, tuples as lists, dates as ISO text,
        non-finite floats as ``None``), as pydantic's ``model_dump(mode="json")``.
        """
        dumped: dict[str, Any] = _dump(self, mode == "json", exclude_none)
        return dumped

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """The record as JSON text (UTF-8 characters kept, as pydantic writes them)."""
        return dumps(self.model_dump(mode="json"), indent=indent)


def dumps(data: Any, indent: int | None = None) -> str:
    """JSON text of plain data: compact without ``indent``, as pydantic writes it."""
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(data, indent=indent, ensure_ascii=False, separators=separators)


_PLAIN = frozenset({str, int, bool, type(None)})


def _dump(value: Any, as_json: bool, exclude_none: bool) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if not as_json or math.isfinite(value) else None
    if isinstance(value, Frozen):
        state = value.__dict__
        out: dict[str, Any] = {}
        for name in kind.__record_names__:
            item = state[name]
            if item is None and exclude_none:
                continue
            out[name] = item if type(item) in _PLAIN else _dump(item, as_json, exclude_none)
        return out
    if isinstance(value, Enum):
        return value.value if as_json else value
    if kind is list or kind is tuple:
        items = [_dump(item, as_json, exclude_none) for item in value]
        return items if as_json or kind is list else tuple(items)
    if isinstance(value, Mapping):
        return {
            _dump(key, as_json, exclude_none): _dump(item, as_json, exclude_none)
            for key, item in value.items()
        }
    if isinstance(value, date):
        return value.isoformat() if as_json else value
    if isinstance(value, Iterable) and as_json and not isinstance(value, (str, bytes)):
        return [_dump(item, as_json, exclude_none) for item in value]
    return value
