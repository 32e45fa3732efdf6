"""``advisor catalog add ORG/NAME``: read a model's facts from the Hub into your catalog.

Registered by ``catalog_cmd.register`` as one more catalog action. The record is validated
before it is written to your user catalog folder, and an existing record of yours is only
replaced with ``--force``.
"""

from __future__ import annotations

import argparse
from typing import Any

from advisor.cli.exit import ExitCode
from advisor.cli.output import note, print_document


def register_add(actions: Any) -> None:
    """Add the ``add`` action to ``catalog``'s sub-parsers."""
    adder: argparse.ArgumentParser = actions.add_parser(
        "add",
        help="add a Hugging Face Hub model to your catalog",
        description=(
            "Read a model's facts from the Hugging Face Hub (model info, config.json, "
            "parameter counts from the safetensors headers; no weights are downloaded) and "
            "write them to your user catalog as a validated record. Uses HF_TOKEN or your "
            "`hf auth login` token for gated and private repos, and HF_ENDPOINT for mirrors."
        ),
        epilog=(
            "examples:\n  advisor catalog add Qwen/Qwen2.5-0.5B\n"
            "  advisor catalog add meta-llama/Llama-3.2-1B --revision main --force\n"
            "  advisor catalog add my-org/my-classifier --task text-classification --json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    adder.add_argument("repo", metavar="ORG/NAME", help="Hugging Face repo id")
    adder.add_argument("--revision", metavar="R", help="branch, tag or commit (default: main)")
    adder.add_argument(
        "--task",
        action="append",
        metavar="T",
        help="task(s) the model serves, when the Hub's pipeline tag is missing or wrong",
    )
    adder.add_argument("--force", action="store_true", help="replace your existing record")
    add_timeout(adder)
    adder.add_argument("--json", action="store_true", help="print the added record as JSON")
    adder.set_defaults(handler=handle_add)


def add_timeout(
    parser: argparse.ArgumentParser, default: str = "$ADVISOR_HUB_DEADLINE or 30"
) -> None:
    """The ``--timeout S`` flag of the commands that ask the Hub."""
    parser.add_argument(
        "--timeout",
        type=_seconds,
        metavar="S",
        help=f"seconds all Hub requests may take together (default: {default})",
    )


def _seconds(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 86400")
    return value


def handle_add(args: argparse.Namespace) -> int:
    """Fetch, validate, write; print where the record went."""
    from advisor.errors import InvalidValueError
    from advisor.hub import budget, hub_model
    from advisor.hub.record import add_to_catalog
    from advisor.models.catalog import repo_id_problem
    from advisor.models.task import parse_task

    problem = repo_id_problem(args.repo)
    if problem is not None:
        raise InvalidValueError(
            f"{args.repo!r} is not a Hub repo id: {problem}",
            "write it as owner/name, e.g. Qwen/Qwen2.5-0.5B",
        )
    tasks = [parse_task(t) for t in args.task] if args.task else None
    with budget(args.timeout):
        model = hub_model(args.repo, revision=args.revision)
    path, spec = add_to_catalog(model, tasks=tasks, force=args.force)
    if args.json:
        print_document(spec)
    else:
        params = f"{spec.params:,} parameters" if spec.params else "parameters unknown"
        print(f"added {spec.id} ({spec.hf_repo}, {params}) to {path}")
    if spec.notes:
        note(f"{spec.id}: {spec.notes}")
    return ExitCode.OK
