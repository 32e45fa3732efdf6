"""The ``advisor`` command: argv → one library call → render; one error funnel.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser and
sets ``handler`` to a function ``(args) -> int``. Library errors become one line on stderr and
the error's exit code; ``--debug`` (or ``ADVISOR_DEBUG=1``) shows the traceback instead.

Start-up time is part of the contract (issue 5: ``advisor recommend --json`` under 0.25 s), so a
run imports only the module of the command it runs: the other commands get bare placeholder
parsers, which is all argparse needs to pick the chosen one. Help and version requests, and
argv whose command cannot be told, still build every parser.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from advisor.__about__ import __version__
from advisor.cli.exit import ExitCode
from advisor.cli.output import error_line
from advisor.errors import AdvisorError, shorten

COMMANDS = ("hardware", "gpus", "estimate", "recommend", "catalog", "schema", "tui")
"""Subcommand modules, registered in this order (``advisor/cli/<name>_cmd.py``)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        error_line(f"{shorten(message)} (see `{self.prog} --help`)")
        raise SystemExit(ExitCode.USAGE)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or, with ``only``, with that one subcommand's module
    imported and registered and bare placeholders (same names, same order) for the others."""
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
        if only is None or name == only:
            module = importlib.import_module(f"advisor.cli.{name}_cmd")
            module.register(sub)
        else:
            sub.add_parser(name)
    return parser


def _chosen_command(args: Sequence[str]) -> str | None:
    """The subcommand ``args`` runs when that is certain without building every parser.

    The top-level options take no values, so the first token not starting with ``-`` is the
    command. ``None`` (build everything) for help and version requests and unknown commands.
    """
    if any(a in ("-h", "--help", "--version") for a in args):
        return None
    first = next((a for a in args if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list or os.environ.get("ADVISOR_DEBUG") == "1"
    try:
        if not any(a in COMMANDS for a in args_list if not a.startswith("-")) and not any(
            a in ("-h", "--help", "--version") for a in args_list
        ):
            args_list = ["tui", *args_list]
        parser = build_parser(only=_chosen_command(args_list))
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
    # A command allocates many long-lived objects (the catalog's records, the estimators'
    # tables) and little cyclic garbage; with the default threshold (700) the cyclic collector
    # walks them all over and over. Collections stay on (the interactive app runs for hours),
    # just 140 times less often in the youngest generation.
    # https://docs.python.org/3/library/gc.html#gc.set_threshold
    gc.set_threshold(100_000, 10, 10)
    code = main()
    # Everything the run built lives until the process ends; freezing it spares the
    # interpreter's final garbage collection from walking it all again. Objects are still
    # released as usual. Together with the threshold: recommend --json median 97 -> 82 ms
    # (20 runs each, 2-core machine, 2026-12-03).
    gc.freeze()
    sys.exit(code)
