"""The ``advisor`` command: argv → one library call → render; one error funnel.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser and
sets ``handler`` to a function ``(args) -> int``. Library errors become one line on stderr and
the error's exit code; ``--debug`` (or ``ADVISOR_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from advisor.__about__ import __version__
from advisor.cli.exit import ExitCode
from advisor.cli.output import error_line
from advisor.errors import AdvisorError

COMMANDS = ("hardware", "gpus", "estimate", "recommend", "catalog", "schema", "tui")
"""Subcommand modules, registered in this order (``advisor/cli/<name>_cmd.py``)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        error_line(f"{message} (see `{self.prog} --help`)")
        raise SystemExit(ExitCode.USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every subcommand."""
    import importlib

    parser = _Parser(
        prog="advisor",
        description=(
            "Which model for this task, can this hardware serve and fine-tune it, and how. "
            "Run without a command to open the interactive app."
        ),
        epilog=(
            "examples:\n"
            "  advisor hardware\n"
            "  advisor recommend --task translation --source-lang en --target-lang sw --data 5k\n"
            "  advisor estimate llama-3.1-8b-instruct --mode training --method qlora --gpu 4090\n"
            "  advisor catalog list --task chat"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"advisor.cli.{name}_cmd")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list or os.environ.get("ADVISOR_DEBUG") == "1"
    try:
        parser = build_parser()
        if not any(a in COMMANDS for a in args_list if not a.startswith("-")) and not any(
            a in ("-h", "--help", "--version") for a in args_list
        ):
            args_list = ["tui", *args_list]
        args = parser.parse_args(args_list)
        code: int = args.handler(args)
        return code
    except AdvisorError as exc:
        if debug:
            raise
        error_line(exc.one_line())
        return exc.exit_code
    except KeyboardInterrupt:
        if debug:
            raise
        error_line("interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``advisor ... | head``); nothing more to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else ExitCode.USAGE
    except Exception as exc:
        if debug:
            raise
        error_line(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)")
        return ExitCode.FAILURE


def run() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())
