"""JSON documents: a model's fields with ``schema_version`` first.

Every ``--json`` output and every ``advisor schema`` answer comes from here, so the document and
its JSON Schema can never drift apart.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from advisor.models.base import SCHEMA_VERSION


@cache
def document_model(model: type[BaseModel]) -> type[BaseModel]:
    """A frozen model with ``schema_version`` followed by the fields of ``model``."""
    fields: dict[str, Any] = {
        "schema_version": (
            Literal["1"],
            Field(default=SCHEMA_VERSION, description="Version of this document's layout."),
        )
    }
    for name, info in model.model_fields.items():
        fields[name] = (info.annotation, info)
    created: type[BaseModel] = create_model(
        model.__name__.removesuffix("Profile") + "Document",
        __config__=ConfigDict(frozen=True, extra="forbid"),
        __doc__=model.__doc__,
        **fields,
    )
    return created


def to_document(obj: BaseModel) -> BaseModel:
    """Wrap a model instance as its document (same values, ``schema_version`` first)."""
    doc_cls = document_model(type(obj))
    return doc_cls.model_construct(
        schema_version=SCHEMA_VERSION, **{k: getattr(obj, k) for k in type(obj).model_fields}
    )


_PLAIN_CONFIG = frozenset({"frozen", "extra", "defer_build"})
"""Config keys that do not change how a model serialises (the rest send ``document_json`` the
long way round)."""


def document_json(obj: BaseModel, indent: int | None = 2) -> str:
    """``to_document(obj).model_dump_json(indent=indent)``, without building the document class.

    The document holds ``schema_version`` and then the model's own fields, with the same field
    definitions, so its JSON is the model's JSON with that one key in front. Building the
    document class and its serialiser costs a few milliseconds of every ``--json`` run; this
    splices the key in instead. Models whose JSON could differ from their fields' (computed
    fields, a model serialiser, extra fields, a serialisation setting in their config) take the
    long way.
    """
    cls = type(obj)
    decorators = cls.__pydantic_decorators__
    plain = (
        set(cls.model_config) <= _PLAIN_CONFIG
        and cls.model_config.get("extra") != "allow"
        and not decorators.computed_fields
        and not decorators.model_serializers
    )
    body = obj.model_dump_json(indent=indent) if plain else ""
    if not body.startswith("{\n"):  # not plain, or a model without fields ("{}")
        return to_document(obj).model_dump_json(indent=indent)
    return f'{{\n{" " * (indent or 0)}"schema_version": "{SCHEMA_VERSION}",\n{body[2:]}'


def document_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema of the document built from ``model``."""
    return document_model(model).model_json_schema(mode="serialization")
