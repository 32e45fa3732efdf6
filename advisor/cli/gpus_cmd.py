"""``advisor gpus``: the accelerators advisor knows, with the names it accepts for them."""

from __future__ import annotations

import argparse
from typing import Any

from advisor.cli.exit import ExitCode
from advisor.cli.output import print_document, stdout_console
from advisor.models.hardware import GpuListing, Vendor
from advisor.units import format_bytes


def register(sub: Any) -> None:
    """Add the ``gpus`` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "gpus",
        help="list the GPUs --gpu accepts, with their datasheet facts",
        description="List the accelerators in catalog/gpus.toml and the names --gpu accepts.",
        epilog="examples:\n  advisor gpus\n  advisor gpus --vendor apple\n  advisor gpus --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--vendor", choices=[v.value for v in Vendor], help="only this vendor")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the table or the document."""
    from advisor.gpus import load_gpus

    specs = [g for g in load_gpus() if args.vendor is None or g.vendor == args.vendor]
    if args.json:
        print_document(GpuListing(gpus=specs))
        return ExitCode.OK
    from rich.table import Table

    table = Table(show_edge=False)
    for col in ("id", "name", "memory", "bandwidth", "BF16 TFLOP/s", "FP8", "also accepted"):
        table.add_column(col)
    for g in specs:
        bandwidth = (
            f"{g.memory_bandwidth_bytes_per_s / 1e9:.0f} GB/s"
            if g.memory_bandwidth_bytes_per_s
            else "unknown"
        )
        tflops = f"{g.tensor_tflops:.0f}" if g.tensor_tflops else "unknown"
        memory = format_bytes(g.memory_bytes) + (" unified" if g.unified_memory else "")
        aliases = ", ".join(g.aliases[:3])
        table.add_row(g.id, g.name, memory, bandwidth, tflops, "yes" if g.fp8 else "no", aliases)
    stdout_console().print(table)
    return ExitCode.OK
