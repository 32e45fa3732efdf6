"""``advisor hardware``: what advisor sees (or the what-if), as a table or JSON."""

from __future__ import annotations

import argparse
from typing import Any

from advisor.cli.common import add_hardware_flags, hardware_from_args
from advisor.cli.exit import ExitCode
from advisor.cli.output import print_document, stdout_console
from advisor.models.hardware import HardwareProfile
from advisor.units import format_bytes


def register(sub: Any) -> None:
    """Add the ``hardware`` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "hardware",
        help="show the detected hardware (or a what-if)",
        description="Show the CPU, RAM and every GPU advisor plans for.",
        epilog=(
            "examples:\n  advisor hardware\n  advisor hardware --json\n"
            '  advisor hardware --gpu "2x RTX 4090" --ram 128'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_hardware_flags(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Detect or build the profile and print it."""
    profile = hardware_from_args(args)
    if args.json:
        print_document(profile)
    else:
        render(profile)
    return ExitCode.OK


def render(profile: HardwareProfile) -> None:
    """A table for people."""
    from rich.markup import escape
    from rich.table import Table

    console = stdout_console()
    cpu = profile.cpu
    cores = f"{cpu.cores or '?'} cores / {cpu.logical_cores or '?'} threads"
    title = "Hardware (what-if)" if profile.what_if else "Hardware (detected)"
    console.print(f"[bold]{title}[/bold]")
    # Names and messages come from tools: printed as text, never read as rich markup.
    console.print(f"CPU   {escape(cpu.name or 'unknown')} ({cores})")
    ram = format_bytes(profile.ram_bytes)
    if profile.ram_limit_bytes and profile.ram_total_bytes:
        ram += f" (container limit; host has {format_bytes(profile.ram_total_bytes)})"
    console.print(f"RAM   {ram}")
    if profile.disk_free_bytes is not None:
        console.print(f"Disk  {format_bytes(profile.disk_free_bytes)} free")
    if not profile.gpus:
        console.print("GPU   none")
    else:
        table = Table(show_edge=False)
        for col in ("GPU", "count", "memory each", "bandwidth", "BF16 TFLOP/s", "source"):
            table.add_column(col)
        for gpu in profile.gpus:
            memory = format_bytes(gpu.memory_bytes)
            if gpu.unified_memory:
                memory += " (unified)"
            bandwidth = (
                f"{gpu.memory_bandwidth_bytes_per_s / 1e9:.0f} GB/s"
                if gpu.memory_bandwidth_bytes_per_s
                else "unknown"
            )
            tflops = f"{gpu.bf16_tflops:.0f}" if gpu.bf16_tflops else "unknown"
            name = escape(gpu.name) + (" \\[MIG]" if gpu.mig else "")
            table.add_row(name, str(gpu.count), memory, bandwidth, tflops, gpu.source)
        console.print(table)
    for problem in profile.probe_errors:
        console.print(f"[yellow]probe {escape(problem.probe)}: {escape(problem.message)}[/yellow]")
