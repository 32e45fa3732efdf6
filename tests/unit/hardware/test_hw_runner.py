"""The real runner against fake tools on PATH: timeouts end the whole process group, output is
capped, and a hung tool is a probe error that costs at most the timeout."""

from __future__ import annotations

import os
import signal
import stat
import sys
import time
from pathlib import Path

import pytest

from advisor.hardware import detect
from advisor.hardware.runner import (
    MAX_STDOUT_BYTES,
    NotInstalled,
    ProbeFailure,
    ProbeTimeout,
    SubprocessRunner,
)
from tests.unit.hardware.hwfakes import FIXTURES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell tools")


def _tool(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purpose.
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


def _wait_dead(pid: int, seconds: float = 3.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_timeout_kills_the_tool_and_the_processes_it_started(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    tool = _tool(tmp_path / "bin", "hangs", f"sleep 60 &\necho $! > '{pidfile}'\nsleep 60\n")
    start = time.monotonic()
    with pytest.raises(ProbeTimeout, match=r"timed out after 0\.5 s"):
        SubprocessRunner(timeout=0.5).run([str(tool)])
    assert time.monotonic() - start < 5
    grandchild = int(pidfile.read_text())
    try:
        assert _wait_dead(grandchild), "the tool's child outlived the timeout"
    finally:
        if _alive(grandchild):
            os.kill(grandchild, signal.SIGKILL)


def test_a_child_left_holding_the_output_is_ended_at_the_deadline(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    tool = _tool(tmp_path / "bin", "forks", f"sleep 60 &\necho $! > '{pidfile}'\necho done\n")
    with pytest.raises(ProbeTimeout, match="left a process running"):
        SubprocessRunner(timeout=0.5).run([str(tool)])
    assert _wait_dead(int(pidfile.read_text()))


def test_output_beyond_the_cap_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    tool = _tool(tmp_path / "bin", "floods", "exec yes 'NVIDIA GPU'\n")  # never ends by itself
    start = time.monotonic()
    with pytest.raises(ProbeFailure, match="printed more than 4 MiB"):
        SubprocessRunner(timeout=20).run([str(tool)])
    assert time.monotonic() - start < 10  # stopped at the cap, not at the timeout
    assert MAX_STDOUT_BYTES == 4 * 1024**2


def test_ordinary_tool_output_and_exit_status(tmp_path: Path) -> None:
    tool = _tool(tmp_path / "bin", "says", "echo out; echo err >&2; exit 3\n")
    result = SubprocessRunner().run([str(tool)])
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")


def test_missing_tool_is_not_installed(tmp_path: Path) -> None:
    with pytest.raises(NotInstalled):
        SubprocessRunner().run([str(tmp_path / "absent")])


def test_hung_nvidia_smi_minus_l_costs_the_timeout_and_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real captures of an H100 with MIG on (driver 590); only `nvidia-smi -L` hangs.
    query = FIXTURES / "nvidia-smi-query-gpu/advisor-query/h100-mig.csv"
    table = FIXTURES / "nvidia-smi/h100-mig-590.txt"
    bindir = tmp_path / "bin"
    _tool(
        bindir,
        "nvidia-smi",
        f"case \"$*\" in\n  *--query-gpu*) cat '{query}' ;;\n  -L) sleep 60 ;;\n"
        f"  *) cat '{table}' ;;\nesac\n",
    )
    monkeypatch.setattr("platform.system", lambda: "Linux")
    env = {"PATH": f"{bindir}{os.pathsep}/usr/bin:/bin"}
    start = time.monotonic()
    profile = detect(
        runner=SubprocessRunner(env, timeout=1.0), env={}, sysfs_root=tmp_path, proc_root=tmp_path
    )
    assert time.monotonic() - start < 6
    assert any(g.mig for g in profile.gpus)
    messages = [f"{e.probe}: {e.message}" for e in profile.probe_errors]
    assert any("-L" in m and "timed out after 1 s" in m for m in messages), messages
