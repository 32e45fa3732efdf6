"""``advisor schema NAME``: the JSON Schema of each document advisor prints."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from advisor.cli.exit import ExitCode
from advisor.cli.output import print_json
from advisor.models.base import Frozen
from advisor.models.documents import document_schema

DOCUMENTS: dict[str, str] = {
    "hardware": "advisor.models.hardware:HardwareProfile",
    "estimate": "advisor.models.estimate:Estimate",
    "recommend": "advisor.models.report:Report",
    "catalog": "advisor.models.catalog:CatalogListing",
    "catalog-show": "advisor.models.catalog:ModelSpec",
    "catalog-add": "advisor.models.catalog:ModelSpec",
    "gpus": "advisor.models.hardware:GpuListing",
    "catalog-refresh": "advisor.hub.refresh:RefreshResult",
}
"""Document name → model class (module:Class), imported only when asked for. ``catalog`` is
``catalog list --json``; ``catalog show --json`` and ``catalog add --json`` print one record."""


def register(sub: Any) -> None:
    """Add the ``schema`` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "schema",
        help="print the JSON Schema of a --json document",
        description=(
            "Print the JSON Schema of the document `advisor NAME --json` prints "
            "(catalog-show and catalog-add: `advisor catalog show|add ... --json`)."
        ),
        epilog="examples:\n  advisor schema hardware\n  advisor schema catalog-show",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", choices=sorted(DOCUMENTS), help="which document")
    parser.set_defaults(handler=handle)


def model_for(name: str) -> type[Frozen]:
    """The record class behind document ``name``."""
    module_name, _, cls_name = DOCUMENTS[name].partition(":")
    cls: type[Frozen] = getattr(importlib.import_module(module_name), cls_name)
    return cls


def handle(args: argparse.Namespace) -> int:
    """Print the schema."""
    print_json(document_schema(model_for(args.name)))
    return ExitCode.OK
