"""``advisor recommend``: which model for this task and data, on this hardware, and how.

Flags build a ``Request``; ``advisor.recommend.recommend`` answers it; the answer is a rich
report (ranked table, strategy, settings, why-not list) or, with ``--json``, the recommend
document (DESIGN.md §3). ``--export DIR`` writes ready-to-run training/serving files for the top
pick and never overwrites without ``--force``. The ``--json`` path imports neither rich nor
the Hub client. "Nothing fits" is an answer (exit 0); a request that cannot be understood is one
line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.atomic import check_folder
from advisor.cli.common import add_hardware_flags, argtype, hardware_from_args, positive_int
from advisor.cli.exit import ExitCode
from advisor.cli.output import note, print_document
from advisor.errors import InvalidValueError
from advisor.units import parse_count

if TYPE_CHECKING:
    from advisor.models.report import Report

EXAMPLES = """\
examples:
  advisor recommend --task chat --data 5k --gpu "RTX 4090"
  advisor recommend --task translation --source-lang sw --target-lang yo --cpu-only --ram 8
  advisor recommend --task text-classification --data 1.2M --license commercial --json
  advisor recommend --task chat --data 50k --gpu "8x H100" --goal fine-tune --export ./run
  advisor recommend --task speech-recognition --data 20 --data-unit hours --budget 100
"""


def register(sub: Any) -> None:
    """Add the ``recommend`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "recommend",
        help="rank models for a task and plan serving and fine-tuning on this hardware",
        description=(
            "Rank the catalog's models for a task and data size on this hardware (or a what-if):"
            " the serving set-up and fine-tuning plan that fit, the strategy, the training"
            " settings, and why the others were left out."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_request_flags(p)
    add_hardware_flags(p)
    p.add_argument("--json", action="store_true", help="print the recommend JSON document")
    p.add_argument("--export", type=argtype(check_folder), metavar="DIR",
                   help="write training and serving configs for the top pick into DIR")  # fmt: skip
    p.add_argument("--force", action="store_true", help="let --export overwrite files")
    p.set_defaults(handler=handle)


def add_request_flags(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, task_required: bool = True
) -> None:
    """The flags that describe a request, shared with ``advisor tui`` (where all are optional
    and a missing ``--task`` means the last request)."""
    p = parser
    p.add_argument("--task", required=task_required, default=None,
                   help="chat, translation, text-classification, ...")  # fmt: skip
    p.add_argument("--data", type=_count, default=0, metavar="N",
                   help="training data in the task's unit: 0, 800, 5k, 1.2M")  # fmt: skip
    p.add_argument("--data-unit", choices=["examples", "tokens", "hours", "images"],
                   help="unit of --data when not the task's own (converted)")  # fmt: skip
    p.add_argument("--source-lang", metavar="L", help="translation: ISO 639 code, e.g. en")
    p.add_argument("--target-lang", metavar="L", help="translation: ISO 639 code, e.g. sw")
    p.add_argument("--languages", metavar="L,L", default="",
                   help="other text tasks: languages the model must cover, e.g. de,fr")  # fmt: skip
    p.add_argument("--license", default="any", metavar="WHICH",
                   help="commercial, any (default), or licence ids: Apache-2.0,MIT")  # fmt: skip
    p.add_argument("--context", type=positive_int, metavar="N",
                   help="tokens the model must handle (prompt + answer)")  # fmt: skip
    p.add_argument("--min-tokens-per-s", type=_positive_float, metavar="T",
                   help="slowest acceptable generation speed at batch 1")  # fmt: skip
    p.add_argument("--budget", type=_positive_float, metavar="USD",
                   help="most a fine-tuning run (all epochs) may cost")  # fmt: skip
    p.add_argument("--goal", choices=["serve", "fine-tune", "both"], default="both")
    p.add_argument("--top", type=positive_int, default=5, metavar="K",
                   help="how many models to recommend (default 5)")  # fmt: skip


REQUEST_FLAGS = (
    "task",
    "data",
    "data_unit",
    "source_lang",
    "target_lang",
    "languages",
    "license",
    "context",
    "min_tokens_per_s",
    "budget",
    "goal",
    "top",
)
"""Destinations of the flags ``add_request_flags`` adds."""


@argtype
def _count(text: str) -> int:
    return parse_count(text, "data size")


@argtype
def _positive_float(text: str) -> float:
    cleaned = text.strip().lstrip("$").replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidValueError(f"cannot read {text!r} as a number", "e.g. 20 or 49.5") from None
    if not value > 0 or value == float("inf"):
        raise InvalidValueError(f"must be a positive number, got {text!r}", None)
    return value


def build_request(args: argparse.Namespace) -> Any:
    """The ``Request`` the flags describe (raises ``UsageError`` for bad values)."""
    from advisor.models.request import Goal, Request
    from advisor.models.task import parse_task

    languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    return Request(
        task=parse_task(args.task),
        data=args.data,
        data_unit=args.data_unit,
        source_lang=args.source_lang,
        target_lang=args.target_lang,
        languages=languages,
        license=args.license,
        context=args.context,
        min_tokens_per_s=args.min_tokens_per_s,
        budget_usd=args.budget,
        goal=Goal(args.goal),
        top=args.top,
    )


def handle(args: argparse.Namespace) -> int:
    """Answer the request and render it."""
    from advisor.recommend import recommend

    request = build_request(args)
    hardware = hardware_from_args(args)
    # The library plans every model that fits; --top trims what is printed.
    report = recommend(request, hardware).trimmed(request.top)
    if args.export is not None:
        _export(report, args.export, args.force, quiet=args.json)
    if args.json:
        print_document(report)
    else:
        from advisor.cli.recommend_view import render

        render(report)
    return ExitCode.OK


def _export(report: Report, directory: Path, force: bool, *, quiet: bool) -> None:
    from advisor.export import write_exports
    from advisor.models.documents import document_json
    from advisor.recommend.explain import export_plan

    plan = export_plan(report)
    if plan is None:
        note("nothing to export: no model was recommended")
        return
    written = write_exports(plan, directory, force=force, report_json=document_json(report))
    if not quiet or written:
        note(f"wrote {len(written)} file(s) to {directory}")
