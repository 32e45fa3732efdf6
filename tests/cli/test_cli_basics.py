"""The command's contract: version, help, exit codes, one-line errors, JSON on stdout only."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from advisor.__about__ import __version__
from advisor.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"advisor {__version__}"


def test_python_dash_m_runs_the_same_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "advisor", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"advisor {__version__}"


def test_unknown_flag_is_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hardware", "--no-such-flag"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--no-such-flag" in err[0]


def test_schema_hardware_is_a_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "hardware"]) == 0
    schema = json.loads(capsys.readouterr().out)
    props = schema["properties"]
    assert next(iter(props)) == "schema_version"
    for key in ("cpu", "ram_bytes", "gpus", "probe_errors"):
        assert key in props


def test_debug_shows_traceback_instead_of_one_line() -> None:
    cmd = [sys.executable, "-m", "advisor", "hardware", "--gpu", "NoSuchGPU 9000"]
    plain = subprocess.run(cmd, capture_output=True, text=True)
    assert plain.returncode == 2
    assert len(plain.stderr.strip().splitlines()) == 1
    debug = subprocess.run([*cmd[:3], "--debug", *cmd[3:]], capture_output=True, text=True)
    assert "Traceback" in debug.stderr
