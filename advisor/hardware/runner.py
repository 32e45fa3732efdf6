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

import contextlib
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    import subprocess

DEFAULT_TIMEOUT_S = 10.0
"""Long enough for nvidia-smi on an 8-GPU node waking its driver; short enough not to stall."""

_MAX_REPORTED = 300
"""Characters of a tool's stderr quoted in an error message."""

MAX_STDOUT_BYTES = 4 * 1024**2
"""What a probe may print before it is stopped. ``nvidia-smi`` on an 8-GPU node prints about
4 KB and ``amd-smi static --json`` on 8 MI300X about 100 KB (tests/fixtures/hardware); a tool
printing megabytes is broken, and its output is not worth holding in memory."""

MAX_STDERR_BYTES = 64 * 1024
"""Of stderr only the start is kept (it is quoted, shortened, in error messages)."""


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


class ProbeTimeout(ProbeFailure):
    """The tool did not finish in time (it was killed, with every process it started)."""


class NotInstalled(ProbeFailure):
    """The tool's executable is not on this machine."""


class Runner(Protocol):
    """Runs one command given as argv; see the module docstring for the contract."""

    def run(self, args: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT_S) -> CommandResult:
        """Run ``args`` and return what it printed; raise ``NotInstalled`` or ``ProbeFailure``."""
        ...


class SubprocessRunner:
    """The real runner: argv without a shell, in the C locale, with a timeout and a byte cap.

    Each tool starts in a session (and process group) of its own, so that on a timeout the whole
    group is killed: helpers a hung tool started do not outlive it. Output beyond
    ``MAX_STDOUT_BYTES`` ends the run with a ``ProbeFailure`` instead of filling memory.
    """

    def __init__(
        self, env: Mapping[str, str] | None = None, *, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        base = dict(os.environ if env is None else env)
        # Tools print decimals and messages in the user's locale otherwise ("2,4 GHz").
        base["LC_ALL"] = "C"
        self._env = base
        self._timeout = timeout

    def run(self, args: Sequence[str], *, timeout: float | None = None) -> CommandResult:
        """Run ``args`` (``timeout`` defaults to the runner's); ``NotInstalled`` when the
        executable is missing."""
        import subprocess  # here, not at the top: a what-if run starts no tool at all
        import time

        timeout = self._timeout if timeout is None else timeout
        argv = [str(a) for a in args]
        probe = argv[0] if argv else "?"
        try:
            proc = subprocess.Popen(  # argv list, no shell: the point of this module
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._env,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise NotInstalled(probe, "not installed") from None
        except OSError as exc:
            raise ProbeFailure(probe, f"could not start: {exc}") from None
        deadline = time.monotonic() + timeout
        assert proc.stdout is not None and proc.stderr is not None
        out = _Reader(proc.stdout, MAX_STDOUT_BYTES, lambda: _kill_group(proc))
        err = _Reader(proc.stderr, MAX_STDERR_BYTES, None)
        lingered = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            # A tool stuck inside a driver call dies only when the call returns: do not wait.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1.0)
            raise ProbeTimeout(probe, f"timed out after {timeout:g} s") from None
        finally:
            # A helper the tool left behind may hold the pipes open past the tool's exit.
            for reader in (out, err):
                reader.join(max(0.0, deadline - time.monotonic()))
            lingered = out.alive() or err.alive()
            if lingered:
                _kill_group(proc)
                for reader in (out, err):
                    reader.join(1.0)
            for reader in (out, err):
                reader.close()
        if out.overflow:
            raise ProbeFailure(
                probe, f"printed more than {MAX_STDOUT_BYTES // 1024**2} MiB; output ignored"
            )
        if lingered:
            raise ProbeTimeout(probe, f"left a process running after {timeout:g} s")
        return CommandResult(tuple(argv), proc.returncode, out.text(), err.text())


class _Reader:
    """Reads one pipe on a thread, keeping at most ``cap`` bytes; ``on_overflow`` past it."""

    def __init__(self, pipe: IO[bytes], cap: int, on_overflow: Callable[[], None] | None) -> None:
        import threading

        self._pipe = pipe
        self._cap = cap
        self._on_overflow = on_overflow
        self._chunks: list[bytes] = []
        self._size = 0
        self.overflow = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while chunk := os.read(self._pipe.fileno(), 65536):
                if self._size + len(chunk) > self._cap:
                    self._chunks.append(chunk[: self._cap - self._size])
                    self._size = self._cap
                    self.overflow = True
                    if self._on_overflow is not None:
                        self._on_overflow()
                        return
                    continue  # stderr: keep draining so the tool is not blocked
                self._chunks.append(chunk)
                self._size += len(chunk)
        except (OSError, ValueError):  # the pipe was closed under us: keep what was read
            return

    def close(self) -> None:
        """Close the pipe once the thread is done with it."""
        if not self.alive():
            self._pipe.close()

    def join(self, seconds: float) -> None:
        self._thread.join(seconds)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the tool's whole process group (it leads its own session), else the tool."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows has no process groups of this kind
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def check(result: CommandResult) -> str:
    """The stdout of a command that exited 0; ``ProbeFailure`` quoting stderr otherwise."""
    if result.returncode == 0:
        return result.stdout
    probe = result.args[0] if result.args else "?"
    detail = (result.stderr.strip() or result.stdout.strip())[-_MAX_REPORTED:]
    message = f"exited with status {result.returncode}"
    raise ProbeFailure(probe, f"{message}: {detail}" if detail else message)
