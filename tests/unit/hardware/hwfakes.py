"""Test helpers for the hardware probes: captured fixtures and a scripted runner."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from advisor.hardware.runner import CommandResult, NotInstalled, ProbeFailure

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hardware"
MIB = 1024**2
GIB = 1024**3


def capture(relative: str) -> str:
    """The text of a captured tool output under tests/fixtures/hardware."""
    return (FIXTURES / relative).read_text(encoding="utf-8")


Reply = CommandResult | ProbeFailure | str | Callable[[Sequence[str]], CommandResult]


class FakeRunner:
    """Answers commands from a script; anything unscripted is "not installed".

    A key matches an argv of the same length whose words start with the key's words, so
    ``QUERY`` matches every ``nvidia-smi --query-gpu=...`` call. A ``str`` reply is the stdout
    of a successful run; a ``ProbeFailure`` is raised; a ``CommandResult`` is returned as is.
    """

    def __init__(self, script: Mapping[tuple[str, ...], Reply] | None = None) -> None:
        self.script = dict(script or {})
        self.calls: list[tuple[str, ...]] = []

    def run(self, args: Sequence[str], *, timeout: float = 10.0) -> CommandResult:
        argv = tuple(args)
        self.calls.append(argv)
        for key, reply in self.script.items():
            if len(key) == len(argv) and all(
                a.startswith(k) for k, a in zip(key, argv, strict=True)
            ):
                if isinstance(reply, ProbeFailure):
                    raise reply
                if isinstance(reply, CommandResult):
                    return reply
                if isinstance(reply, str):
                    return CommandResult(argv, 0, reply, "")
                return reply(argv)
        raise NotInstalled(argv[0], "not installed")


QUERY = ("nvidia-smi", "--query-gpu=", "--format=")
TABLE = ("nvidia-smi",)
LIST = ("nvidia-smi", "-L")
AMD_SMI = ("amd-smi", "static", "--json")
ROCM_SMI = (
    "rocm-smi",
    "--showproductname",
    "--showmeminfo",
    "vram",
    "--showdriverversion",
    "--json",
)
DISPLAYS = ("system_profiler", "SPDisplaysDataType", "-json")
MAC_HARDWARE = ("system_profiler", "SPHardwareDataType", "-json")
SYSCTL = ("sysctl", "hw", "machdep.cpu")


def failed(args: Sequence[str], code: int, stderr: str = "", stdout: str = "") -> CommandResult:
    """A command that exited with ``code``."""
    return CommandResult(tuple(args), code, stdout, stderr)
