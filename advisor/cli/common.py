"""Flags shared by several commands, and turning them into library inputs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from advisor.errors import InvalidValueError
from advisor.models.hardware import HardwareProfile
from advisor.units import parse_count, parse_gib

T = TypeVar("T")

if TYPE_CHECKING:
    from advisor.whatif import WhatIf


def add_hardware_flags(parser: argparse.ArgumentParser) -> None:
    """The what-if flags every command takes; any of them replaces detection."""
    group = parser.add_argument_group(
        "hardware (what-if; replaces detection)",
        "Plan for hardware other than this machine's. Without these flags advisor detects it.",
    )
    group.add_argument(
        "--gpu",
        action="append",
        default=[],
        metavar="NAME",
        help='GPU to plan for, e.g. "RTX 4090", "2x RTX 4090", "8xH100"; repeat for mixed',
    )
    group.add_argument("--gpu-count", type=_gpu_count, metavar="N", help="number of --gpu devices")
    group.add_argument("--vram", type=_vram, metavar="GIB", help="memory per GPU, in GiB")
    group.add_argument("--ram", type=_ram, metavar="GIB", help="system RAM, in GiB")
    group.add_argument("--cpu-only", action="store_true", help="plan for no GPU at all")


def whatif_from_args(args: argparse.Namespace) -> WhatIf:
    """The what-if the hardware flags describe (empty when none was given)."""
    from advisor.whatif import WhatIf

    return WhatIf(
        gpus=list(args.gpu),
        gpu_count=args.gpu_count,
        vram_gib=args.vram,
        ram_gib=args.ram,
        cpu_only=args.cpu_only,
    )


def hardware_from_args(args: argparse.Namespace) -> HardwareProfile:
    """Detect the machine, or build the what-if the flags describe."""
    from advisor.hardware import detect
    from advisor.whatif import apply_whatif

    whatif = whatif_from_args(args)
    if whatif.is_empty():
        return detect()
    replaces_gpus = bool(whatif.gpus) or whatif.vram_gib is not None or whatif.cpu_only
    return apply_whatif(whatif, detect(gpus=not replaces_gpus))


def argtype(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type`` from a parser that raises ``InvalidValueError``: argparse then names
    the flag in the one-line error (``argument --vram: memory must be ...``), exit 2."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except InvalidValueError as exc:
            raise argparse.ArgumentTypeError(exc.one_line()) from None

    convert.__name__ = parse.__name__.strip("_")  # argparse shows it for other failures
    return convert


@argtype
def _positive_int(text: str) -> int:
    value = parse_count(text, "count")
    if value < 1:
        raise InvalidValueError(f"must be at least 1, got {text!r}")
    return value


@argtype
def _gpu_count(text: str) -> int:
    from advisor.models.hardware import MAX_GPUS

    value = parse_count(text, "count")
    if not 1 <= value <= MAX_GPUS:
        raise InvalidValueError(f"must be 1 to {MAX_GPUS}, got {text!r}")
    return value


def _size_gib(text: str, flag: str) -> float:
    """A size in GiB within what ``flag`` accepts (``whatif.size_problem``)."""
    from advisor.whatif import size_problem

    value = parse_gib(text)
    problem = size_problem(value, flag)
    if problem is not None:
        raise InvalidValueError(problem)
    return value


@argtype
def _vram(text: str) -> float:
    return _size_gib(text, "--vram")


@argtype
def _ram(text: str) -> float:
    return _size_gib(text, "--ram")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (accepts 2k, 1.5M)."""
    return _positive_int(text)


@argtype
def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0 (accepts 5k, 1.2M)."""
    return parse_count(text)
