"""``advisor recommend``: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any

from advisor.cli.exit import ExitCode
from advisor.cli.output import error_line


def register(sub: Any) -> None:
    """Add the ``recommend`` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser("recommend", help="(not available yet)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Say it is not there yet."""
    error_line("`advisor recommend` is not available in this version")
    return ExitCode.FAILURE
