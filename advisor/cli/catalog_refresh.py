"""``advisor catalog refresh --task T``: propose the Hub's most-downloaded models as records.

Registered by ``catalog_cmd.register``. The work is ``advisor.hub.refresh.refresh``; this layer
draws the progress (a rich bar on stderr when stderr is a terminal, else one line per skipped
repo) and prints the summary (a table, or the JSON document).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from advisor.cli.exit import ExitCode
from advisor.cli.output import note, print_document, stdout_console

if TYPE_CHECKING:
    from advisor.hub.refresh import Outcome, RefreshResult


def register_refresh(actions: Any) -> None:
    """Add the ``refresh`` action to ``catalog``'s sub-parsers."""
    from advisor.cli.catalog_add import add_timeout

    parser: argparse.ArgumentParser = actions.add_parser(
        "refresh",
        help="add the Hub's most-downloaded models for a task, as unreviewed records",
        description=(
            "List the Hugging Face Hub's most-downloaded models for a task (its pipeline tags "
            "in catalog/tasks.toml), read each as `catalog add` does (model info, config.json, "
            "safetensors headers; no weights) and write the new ones to your user catalog, "
            "marked unreviewed. Skips gated repos, repos it cannot size, quantised copies, "
            "adapters and merges, and models already in the catalog. Running it again changes "
            "nothing; --force re-reads the repos of your own records and replaces those."
        ),
        epilog=(
            "examples:\n  advisor catalog refresh --task chat --dry-run\n"
            "  advisor catalog refresh --task speech-recognition --limit 10\n"
            "  advisor catalog refresh --task embeddings --json --timeout 120"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--task", required=True, metavar="T", help="the task (e.g. chat, asr)")
    parser.add_argument(
        "--limit", type=_limit, default=20, metavar="N", help="repos to list (default 20)"
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would change")
    parser.add_argument(
        "--force", action="store_true", help="replace your own records of listed repos"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_timeout(parser, "300; each repo also has $ADVISOR_HUB_DEADLINE or 30")
    parser.set_defaults(handler=handle_refresh)


def _limit(text: str) -> int:
    from advisor.hub.refresh import MAX_LIMIT

    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def handle_refresh(args: argparse.Namespace) -> int:
    """Refresh, with progress on stderr; print the summary."""
    from advisor.hub.refresh import refresh
    from advisor.hub.spinner import quiet
    from advisor.models.task import parse_task

    task = parse_task(args.task)
    _quiet_client()
    options = {"limit": args.limit, "dry_run": args.dry_run, "force": args.force}
    with quiet():
        if sys.stderr.isatty():
            result = _with_bar(task, args.timeout, options)
        else:
            result = refresh(task, timeout_s=args.timeout, on_outcome=_line, **options)
    if args.json:
        print_document(result)
    else:
        _summary(result)
    return ExitCode.OK


def _quiet_client() -> None:
    """huggingface_hub logs each retry of the listing ("Retrying in 2s") on stderr, between
    advisor's own lines and through the progress bar; the command reports failures itself."""
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]  # untyped upstream


def _line(outcome: Outcome) -> None:
    if outcome.action == "skipped":
        note(f"skipped {outcome.repo_id}: {outcome.reason}")


def _with_bar(task: Any, timeout: float | None, options: dict[str, Any]) -> RefreshResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from advisor.hub.refresh import refresh

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        job = bar.add_task(f"listing the Hub's {task.value} models", total=None)

        def listed(count: int) -> None:
            bar.update(job, total=count, description=f"reading {task.value} models")

        def done(outcome: Outcome) -> None:
            bar.advance(job)
            if outcome.action == "skipped":
                bar.console.print(
                    f"advisor: skipped {outcome.repo_id}: {outcome.reason}",
                    markup=False,
                    highlight=False,
                )

        return refresh(task, timeout_s=timeout, on_listed=listed, on_outcome=done, **options)


def _summary(result: RefreshResult) -> None:
    from rich.table import Table

    changed = [o for o in result.outcomes if o.action in ("added", "replaced")]
    verb = "would be " if result.dry_run else ""
    console = stdout_console()
    if changed:
        table = Table(
            title=f"{len(changed)} unreviewed record(s) {verb}written for {result.task.value}",
            title_justify="left",
        )
        for column in ("id", "Hub repo", "action", "file"):
            table.add_column(column, overflow="fold")
        for o in changed:
            action = ("would be " + o.action) if result.dry_run else o.action
            table.add_row(o.id or "-", o.repo_id, action, o.path or "-")
        console.print(table)
    counts = {a: sum(o.action == a for o in result.outcomes) for a in ("present", "skipped")}
    per_repo = result.seconds / result.listed if result.listed else 0.0
    console.print(
        f"{result.listed} listed: {len(changed)} {verb}added or replaced, "
        f"{counts['present']} already in the catalog, {counts['skipped']} skipped "
        f"({result.seconds:.1f} s, {per_repo:.2f} s per repo)",
        markup=False,
        highlight=False,
    )
