"""``advisor catalog list|show|validate|add|refresh``: browse and check the curated catalog.

``list`` and ``show`` read the catalog as every command does (shipped + user overlay);
``validate`` runs every check, the parameter arithmetic included, and prints one line per
problem (``file: model: field: why``), exiting 1 when there is any. Further actions (``add``,
``refresh``) register their own sub-parser in ``register``. Records that ``refresh`` made and no
person has reviewed are labelled "unreviewed".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor.cli.exit import ExitCode
from advisor.cli.output import error_line, print_document, stdout_console
from advisor.models.catalog import CatalogListing, ModelSpec
from advisor.units import format_count


def register(sub: Any) -> None:
    """Add ``catalog`` and its actions."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "catalog",
        help="list, show and validate the curated model catalog",
        description=(
            "The curated catalog: models with their tasks, sizes, licences and quality "
            "signals. Your own records in the user catalog folder (see `advisor catalog "
            "validate --help`) are added, or replace shipped ones with the same id."
        ),
        epilog=(
            "examples:\n  advisor catalog list --task translation\n"
            "  advisor catalog show llama-3.1-8b-instruct --json\n"
            "  advisor catalog validate ~/my-models.toml"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    lister = actions.add_parser(
        "list",
        help="list catalog models",
        description="List catalog models, optionally only those serving one task.",
        epilog="examples:\n  advisor catalog list\n  advisor catalog list --task asr --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lister.add_argument("--task", help="only models serving this task (e.g. chat, ner, asr)")
    lister.add_argument("--json", action="store_true", help="print one JSON document")
    lister.set_defaults(handler=handle_list)

    shower = actions.add_parser(
        "show",
        help="show one model's full record",
        description="Show everything the catalog records about one model.",
        epilog="examples:\n  advisor catalog show whisper-large-v3\n"
        "  advisor catalog show nllb-200-distilled-600m --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    shower.add_argument("id", metavar="ID", help="catalog id (see `advisor catalog list`)")
    shower.add_argument("--json", action="store_true", help="print one JSON document")
    shower.set_defaults(handler=handle_show)

    validator = actions.add_parser(
        "validate",
        help="check catalog files",
        description=(
            "Check catalog files: TOML syntax, the record schema, unique ids, known licences, "
            "tasks, metrics and ISO 639 language codes, dates, and stated parameters against "
            "the count derived from [models.config] (within 2%%). Without PATH: the shipped "
            "catalog plus your user catalog folder. Exit 1 with one line per problem."
        ),
        epilog="examples:\n  advisor catalog validate\n"
        "  advisor catalog validate ./my-catalog\n  advisor catalog validate models.toml --notes",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validator.add_argument(
        "path", metavar="PATH", nargs="?", type=Path, help="a catalog folder or one .toml file"
    )
    validator.add_argument(
        "--notes", action="store_true", help="also list what could not be checked"
    )
    validator.set_defaults(handler=handle_validate)

    from advisor.cli.catalog_add import register_add
    from advisor.cli.catalog_refresh import register_refresh

    register_add(actions)
    register_refresh(actions)


def handle_list(args: argparse.Namespace) -> int:
    """Print the models (all, or those serving ``--task``)."""
    from advisor.catalog import load_catalog
    from advisor.models.task import parse_task

    task = parse_task(args.task) if args.task else None
    catalog = load_catalog()
    models = list(catalog.for_task(task) if task else catalog.models)
    if args.json:
        print_document(CatalogListing(models=models))
        return ExitCode.OK
    from rich.table import Table

    title = f"Catalog: {len(models)} models" + (f" for {task.value}" if task else "")
    table = Table(title=title, title_justify="left")
    for column in ("id", "params", "tasks", "licence", "commercial", "context"):
        table.add_column(column, justify="right" if column in ("params", "context") else "left")
    for model in models:
        table.add_row(
            model.id
            + (" (user)" if model.origin and model.origin.kind == "user" else "")
            + ("" if model.reviewed else " (unreviewed)"),
            format_count(model.params) if model.params else "?",
            ", ".join(t.value for t in model.tasks),
            model.license,
            _yes_no(model.commercial_use),
            format_count(model.context_length) if model.context_length else "-",
        )
    stdout_console().print(table)
    return ExitCode.OK


def handle_show(args: argparse.Namespace) -> int:
    """Print one model's record."""
    from advisor.catalog import load_catalog

    catalog = load_catalog()
    model = catalog.get(args.id)
    if args.json:
        print_document(model)
        return ExitCode.OK
    console = stdout_console()
    console.print(f"[bold]{model.name}[/bold] ({model.id})", markup=True)
    licence = catalog.licence(model.license)
    params = f"{model.params:,}" if model.params else "not stated"
    if model.active_params:
        params += f" ({model.active_params:,} active per token)"
    rows = [
        ("Hub repo", model.hf_repo + (" (gated)" if model.gated else "")),
        ("family", model.family),
        ("tasks", ", ".join(t.value for t in model.tasks)),
        ("architecture", model.architecture.value),
        ("parameters", params),
        ("weights", model.native_dtype or "not stated"),
        ("context", f"{model.context_length:,} tokens" if model.context_length else "not stated"),
        ("licence", model.license + (f" ({licence.name})" if licence else "")),
        ("commercial use", _yes_no(model.commercial_use)),
        ("conditions", licence.conditions if licence and licence.conditions else "-"),
        ("languages", _languages(model)),
        ("released", str(model.release_date) if model.release_date else "not stated"),
        ("source", model.source),
        ("record", _origin(model)),
    ]
    for label, value in rows:
        console.print(f"{label:<15}{value}", markup=False, highlight=False)
    for signal in model.quality:
        console.print(
            f"{'quality':<15}{signal.metric} = {signal.value:g} ({signal.benchmark}; "
            f"{signal.source})",
            markup=False,
        )
    if model.notes:
        console.print(f"{'notes':<15}{model.notes}", markup=False)
    return ExitCode.OK


def handle_validate(args: argparse.Namespace) -> int:
    """Print every problem; exit 1 if any is an error."""
    from advisor.catalog import check_catalog

    path: Path | None = args.path.expanduser() if args.path else None
    count, problems = check_catalog(path, with_user=path is None)
    errors = [p for p in problems if p.severity == "error"]
    notes = [p for p in problems if p.severity == "note"]
    for problem in errors:
        sys.stdout.write(problem.line() + "\n")
    for problem in (p for p in problems if p.severity == "warning"):
        sys.stdout.write(f"warning: {problem.line()}\n")
    if args.notes:
        for problem in notes:
            sys.stdout.write(f"note: {problem.line()}\n")
    if errors:
        error_line(f"catalog has {len(errors)} problem(s), listed above")
        return ExitCode.FAILURE
    noted = f" ({len(notes)} notes: run with --notes to list them)" if notes else ""
    sys.stdout.write(f"catalog OK: {count} models{'' if args.notes else noted}\n")
    return ExitCode.OK


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _languages(model: ModelSpec) -> str:
    if not model.languages:
        return "not stated"
    if len(model.languages) <= 12:
        return ", ".join(model.languages)
    return f"{len(model.languages)} languages: {', '.join(model.languages[:12])}, …"


def _origin(model: ModelSpec) -> str:
    if model.origin is None:
        return "-"
    text = f"{model.origin.kind.value}: {model.origin.path}"
    if model.origin.overrides:
        text += f" (replaces the record in {model.origin.overrides})"
    if not model.reviewed:
        text += " (unreviewed: made by `catalog refresh` from Hub facts; check it)"
    return text
