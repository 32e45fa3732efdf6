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


def document_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema of the document built from ``model``."""
    return document_model(model).model_json_schema(mode="serialization")
