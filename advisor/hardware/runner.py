"""One way to run hardware tools: argv only (no shell), a timeout, text out, failures typed.

Every probe goes through a ``Runner`` so tests replace the machine with a fake. The contract:

- ``run`` returns a ``CommandResult`` whatever the exit status; callers decide what a non-zero
  status means (``check`` turns it into a ``ProbeFailure``).
- A tool that is not installed raises ``NotInstalled``. That is normal (most machines lack most
  vendors' tools) and probes stay silent about it, unless the vendor's driver is visibly present
  (device nodes, a loaded kernel module): then the missing tool is worth telling the user about.
- A tool that hangs past the timeout, cannot be started, or crashes raises ``ProbeFailure``,
  which ``detect()`` records in ``probe_errors``; detection itself never raises.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

DEFAULT_TIMEOUT_S = 10.0
"""Long enough for nvidia-smi on an 8-GPU node waking its driver; short enough not to stall."""

_MAX_REPORTED = 300
"""Characters of a tool's stderr quoted in an error message."""


class CommandResult(NamedTuple):
    """What a finished command printed, and how it exited."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class ProbeFailure(Exception):
    """A probe could not get an answer (timeout, crash, unreadable output)."""

    def __init__(self, probe: str, message: str) -> None:
        super().__init__(f"{probe}: {message}")
        self.probe = probe
        self.message = message


class NotInstalled(ProbeFailure):
    """The tool's executable is not on this machine."""


class Runner(Protocol):
    """Runs one command given as argv; see the module docstring for the contract."""

    def run(self, args: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT_S) -> CommandResult:
        """Run ``args`` and return what it printed; raise ``NotInstalled`` or ``ProbeFailure``."""
        ...


class SubprocessRunner:
    """The real runner: ``subprocess.run`` without a shell, in the C locale, with a timeout."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        base = dict(os.environ if env is None else env)
        # Tools print decimals and messages in the user's locale otherwise ("2,4 GHz").
        base["LC_ALL"] = "C"
        self._env = base

    def run(self, args: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT_S) -> CommandResult:
        """Run ``args``; ``NotInstalled`` when the executable is missing."""
        import subprocess  # here, not at the top: a what-if run starts no tool at all

        argv = [str(a) for a in args]
        probe = argv[0] if argv else "?"
        try:
            done = subprocess.run(  # argv list, no shell: the point of this module
                argv,
                capture_output=True,
                text=True,
                errors="replace",
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                env=self._env,
                check=False,
            )
        except FileNotFoundError:
            raise NotInstalled(probe, "not installed") from None
        except subprocess.TimeoutExpired:
            raise ProbeFailure(probe, f"timed out after {timeout:g} s") from None
        except OSError as exc:
            raise ProbeFailure(probe, f"could not start: {exc}") from None
        return CommandResult(tuple(argv), done.returncode, done.stdout, done.stderr)


def check(result: CommandResult) -> str:
    """The stdout of a command that exited 0; ``ProbeFailure`` quoting stderr otherwise."""
    if result.returncode == 0:
        return result.stdout
    probe = result.args[0] if result.args else "?"
    detail = (result.stderr.strip() or result.stdout.strip())[-_MAX_REPORTED:]
    message = f"exited with status {result.returncode}"
    raise ProbeFailure(probe, f"{message}: {detail}" if detail else message)
