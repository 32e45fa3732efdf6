"""``advisor tui`` (also plain ``advisor``): the interactive app.

Takes the request flags of ``advisor recommend`` (copied from its parser, so the two never
drift) and the hardware flags. ``--task`` is optional here: without request flags the app
reopens the last request it ranked (remembered under the advisor home), else a chat request.
Without hardware flags the app detects this machine in a worker, after the first paint.

When stdout is not a terminal (CI, a pipe) no app starts: the command prints the same report
``advisor recommend`` prints, so ``advisor > plan.txt`` is still useful.
"""

from __future__ import annotations

import argparse
import copy
import sys
from typing import TYPE_CHECKING, Any

from advisor.cli.common import add_hardware_flags
from advisor.cli.exit import ExitCode
from advisor.cli.output import note
from advisor.cli.recommend_cmd import REQUEST_FLAGS, add_request_flags

if TYPE_CHECKING:
    from advisor.models.request import Request

DEFAULT_TASK = "chat"


def register(sub: Any) -> None:
    """Add the ``tui`` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "tui",
        help="open the interactive app (also: advisor with no command)",
        description=(
            "Open the interactive app: hardware, request, ranked models, detail and export."
            " Without request flags it reopens the last request; without hardware flags it"
            " detects this machine. When stdout is not a terminal it prints the recommend"
            " report instead."
        ),
        epilog=(
            "examples:\n  advisor\n  advisor tui --task translation --gpu 'RTX 4090'\n"
            "  advisor tui --task chat --data 20k --gpu H100 --gpu-count 8"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_argument_group("request (as in advisor recommend; all optional here)")
    add_request_flags(group, task_required=False)
    add_hardware_flags(parser)
    parser.set_defaults(handler=handle)


def _given(args: argparse.Namespace) -> bool:
    """Whether any request flag differs from its default."""
    probe = argparse.ArgumentParser(add_help=False)
    add_request_flags(probe, task_required=False)
    defaults = vars(probe.parse_args([]))
    return any(getattr(args, dest) != defaults[dest] for dest in REQUEST_FLAGS)


def request_from_args(args: argparse.Namespace, last: Request | None = None) -> Request:
    """The request to open with: the flags, else the last request, else a chat request."""
    from advisor.cli.recommend_cmd import build_request

    if not _given(args) and last is not None:
        return last
    filled = copy.copy(args)
    if filled.task is None:
        filled.task = last.task.value if last is not None else DEFAULT_TASK
    request: Request = build_request(filled)
    return request


def handle(args: argparse.Namespace) -> int:
    """Open the app, or print the report when stdout is not a terminal."""
    from advisor.cli.common import hardware_from_args, whatif_from_args
    from advisor.tui.state import read_last_request

    last, problem = read_last_request()
    if problem is not None:
        note(problem)  # also shown in the app, where stderr is hidden
    request = request_from_args(args, last)
    if not sys.stdout.isatty():
        from advisor.cli.recommend_view import render
        from advisor.recommend import recommend

        render(recommend(request, hardware_from_args(args)).trimmed(request.top))
        return ExitCode.OK
    whatif = whatif_from_args(args)
    # Flags are checked here (exit 2 before the screen changes); detection waits for the app.
    hardware = None if whatif.is_empty() else hardware_from_args(args)
    from advisor.tui.app import create_app

    create_app(request, hardware, notice=problem).run()
    return ExitCode.OK
