"""The pydantic edge of the records: validation of untrusted data, and JSON Schemas.

For each record class a pydantic model with the same name, docstring, fields, annotations,
defaults, descriptions and bounds is generated on first use (``shadow``). Validation runs that
model in lax mode (``"chat"`` becomes ``Task.CHAT``, a list becomes a tuple) and turns each
validated object into the record, running the record's own checks; ``field_check`` rules run as
field validators, so an error names its field. JSON Schemas come from the same generated models.

This module is imported by ``model_validate``, ``model_validate_json`` and
``model_json_schema`` on first use, never on a warm ``advisor recommend --json`` run (see
``advisor.models.base``; tests/cli/test_startup.py checks that pydantic stays unloaded there).
The readers of catalog, GPU and policy files import pydantic's ``ValidationError`` to turn its
errors into their own messages, when a file is read rather than taken from the cache.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, TypeAdapter, create_model
from pydantic import Field as PydanticField
from pydantic.fields import FieldInfo

from advisor.models.base import MISSING, FieldSpec, Frozen

_CONFIG = ConfigDict(frozen=True, extra="forbid", from_attributes=True)


def _resolve(spec: FieldSpec) -> Any:
    """The field's annotation as a type, evaluated in the module that declared it."""
    namespace = vars(sys.modules[spec.module])
    try:
        return eval(spec.annotation, namespace)
    except NameError as exc:  # a name imported under TYPE_CHECKING only
        raise TypeError(f"field {spec.name}: cannot resolve {spec.annotation!r}: {exc}") from exc


def _swap(tp: Any, convert: bool) -> Any:
    """``tp`` with every record class replaced by its pydantic model."""
    if isinstance(tp, type) and issubclass(tp, Frozen):
        model = shadow(tp, convert)
        return Annotated[model, AfterValidator(_to_record(tp))] if convert else model
    origin = get_origin(tp)
    if origin is None or origin is Literal:
        return tp
    args = tuple(_swap(arg, convert) for arg in get_args(tp))
    if origin is Union or origin is types.UnionType:
        return Union[args]  # noqa: UP007 (built from a tuple)
    if origin is Annotated:
        return Annotated[(args[0], *tp.__metadata__)]
    return origin[args]


def _to_record(cls: type[Frozen]) -> Callable[[Any], Frozen]:
    names = cls.__record_names__

    def to_record(validated: Any) -> Frozen:  # a validated pydantic object of the record's model
        return cls(**{name: getattr(validated, name) for name in names})

    return to_record


def _checked(check: Callable[[Any], None]) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        if value is not None:
            check(value)
        return value

    return run


def _field(spec: FieldSpec) -> FieldInfo:
    bounds = {
        key: value
        for key in ("ge", "gt", "le", "lt", "min_length", "max_length")
        if (value := getattr(spec, key)) is not None
    }
    info: FieldInfo
    if spec.default_factory is not None:
        info = PydanticField(
            default_factory=spec.default_factory, description=spec.description, **bounds
        )
    elif spec.default is not MISSING:
        info = PydanticField(default=spec.default, description=spec.description, **bounds)
    else:
        info = PydanticField(description=spec.description, **bounds)
    return info


_SHADOWS: dict[tuple[type[Frozen], bool], type[BaseModel]] = {}
_ADAPTERS: dict[type[Frozen], TypeAdapter[Any]] = {}
_DOCUMENTS: dict[type[Frozen], type[BaseModel]] = {}


def shadow(cls: type[Frozen], convert: bool = False) -> type[BaseModel]:
    """The pydantic model of record class ``cls`` (built once per process).

    With ``convert`` nested records are validated into record objects (for ``model_validate``);
    without it the model is plain pydantic (for schemas and for cross-checking JSON).
    """
    found = _SHADOWS.get((cls, convert))
    if found is None:
        found = _SHADOWS[cls, convert] = _build_shadow(cls, convert)
    return found


def _build_shadow(cls: type[Frozen], convert: bool) -> type[BaseModel]:
    checks: dict[str, list[Callable[[Any], None]]] = {}
    for name, check in cls.__record_field_checks__:
        checks.setdefault(name, []).append(check)
    fields: dict[str, Any] = {}
    for name, spec in cls.model_fields.items():
        annotation = _swap(_resolve(spec), convert)
        for check in checks.get(name, ()):
            annotation = Annotated[annotation, AfterValidator(_checked(check))]
        fields[name] = (annotation, _field(spec))
    model: type[BaseModel] = create_model(
        cls.__name__,
        __config__=_CONFIG,
        __doc__=cls.__doc__,
        __module__=cls.__module__,
        **fields,
    )
    return model


def adapter(cls: type[Frozen]) -> TypeAdapter[Any]:
    """Validates untrusted data into a ``cls`` record (built once per process)."""
    found = _ADAPTERS.get(cls)
    if found is None:
        target: Any = Annotated[shadow(cls, True), AfterValidator(_to_record(cls))]
        found = _ADAPTERS[cls] = TypeAdapter(target)
    return found


def document_model(cls: type[Frozen]) -> type[BaseModel]:
    """The pydantic model of ``cls``'s JSON document: ``schema_version``, then its fields."""
    found = _DOCUMENTS.get(cls)
    if found is None:
        found = _DOCUMENTS[cls] = _build_document(cls)
    return found


def _build_document(cls: type[Frozen]) -> type[BaseModel]:
    from advisor.models.documents import schema_version

    base = shadow(cls)
    version = schema_version(cls)
    fields: dict[str, Any] = {
        "schema_version": (
            Literal[version],
            PydanticField(default=version, description="Version of this document's layout."),
        )
    }
    for name, info in base.model_fields.items():
        fields[name] = (info.annotation, info)
    created: type[BaseModel] = create_model(
        cls.__name__.removesuffix("Profile") + "Document",
        __config__=ConfigDict(frozen=True, extra="forbid"),
        __doc__=cls.__doc__,
        **fields,
    )
    return created


__all__ = ["adapter", "document_model", "shadow"]
