"""One place that writes to the terminal: JSON documents to stdout, notes to stderr.

Rich is imported lazily so ``--json`` paths never pay for it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from advisor.models.base import Frozen


def print_document(obj: Frozen) -> None:
    """Print ``obj`` as one JSON document (``schema_version`` first) on stdout."""
    from advisor.models.documents import document_json

    sys.stdout.write(document_json(obj, indent=2))
    sys.stdout.write("\n")


def print_json(data: Any) -> None:
    """Print plain JSON data (a schema, a list) on stdout."""
    import json

    sys.stdout.write(json.dumps(data, indent=2))
    sys.stdout.write("\n")


def stdout_console() -> Console:
    """A rich console on stdout for human output."""
    from rich.console import Console

    return Console(highlight=False)


def note(message: str) -> None:
    """A line for people on stderr (never mixed into JSON on stdout)."""
    sys.stderr.write(f"advisor: {message}\n")


def error_line(message: str) -> None:
    """The one line a failed command prints."""
    sys.stderr.write(f"advisor: error: {message}\n")
