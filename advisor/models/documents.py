"""JSON documents: a record's fields with ``schema_version`` first.

Every ``--json`` output and every ``advisor schema`` answer comes from here: the document is the
record's ``model_dump(mode="json")`` behind ``schema_version``, and its schema is generated from
the same record's fields (``advisor.models.validation.document_model``), so the two cannot drift
apart. tests/unit/test_document_json.py validates real documents against that schema.
"""

from __future__ import annotations

from typing import Any

from advisor.models.base import SCHEMA_VERSION, Frozen, dumps


def schema_version(cls: type[Frozen]) -> str:
    """The document version of ``cls``: its own ``__schema_version__`` when a change of
    meaning bumped it (the recommend report is at 2), else ``SCHEMA_VERSION``."""
    version: str = getattr(cls, "__schema_version__", SCHEMA_VERSION)
    return version


def document_json(obj: Frozen, indent: int | None = 2) -> str:
    """The document of ``obj`` as JSON text."""
    version = schema_version(type(obj))
    return dumps({"schema_version": version, **obj.model_dump(mode="json")}, indent=indent)


def document_schema(model: type[Frozen]) -> dict[str, Any]:
    """JSON Schema of the document built from ``model``."""
    from advisor.models.validation import document_model

    schema: dict[str, Any] = document_model(model).model_json_schema(mode="serialization")
    return schema
