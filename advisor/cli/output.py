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
    """The one line a failed command prints (control characters in it shown escaped, so that
    a value the user typed, with a newline or an escape code, cannot break the line)."""
    sys.stderr.write(f"advisor: error: {one_line(message)}\n")


def one_line(text: str) -> str:
    """``text`` with control and format characters written as escapes (``\\n``, ``\\x1b``)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
