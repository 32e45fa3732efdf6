"""`advisor hardware`: the JSON contract on this machine and for what-ifs; bad input exits 2."""

from __future__ import annotations

import json
import os

import psutil
import pytest

from advisor.cli import main

GIB = 1024**3


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["hardware", "--json", *argv]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert isinstance(doc, dict)
    return doc


def test_detected_machine_reports_real_cores_and_ram(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run_json(capsys)
    assert next(iter(doc)) == "schema_version"
    cpu = doc["cpu"]
    assert isinstance(cpu, dict)
    assert cpu["logical_cores"] == os.cpu_count()
    assert cpu["cores"] == psutil.cpu_count(logical=False)
    ram = doc["ram_bytes"]
    assert isinstance(ram, int)
    # usable RAM is the host's, or a container limit below it
    assert 0 < ram <= psutil.virtual_memory().total
    assert isinstance(doc["gpus"], list)
    assert isinstance(doc["probe_errors"], list)


def test_what_if_two_4090s(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run_json(capsys, "--gpu", "2x RTX 4090")
    gpus = doc["gpus"]
    assert isinstance(gpus, list) and len(gpus) == 1
    gpu = gpus[0]
    assert "4090" in gpu["name"]
    assert gpu["count"] == 2
    assert gpu["vendor"] == "nvidia"
    assert gpu["memory_bytes"] == 24 * GIB
    assert gpu["unified_memory"] is False
    assert gpu["source"] == "what-if"


def test_what_if_gpu_count_and_ram(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run_json(capsys, "--gpu", "H100", "--gpu-count", "8", "--ram", "1024")
    gpu = doc["gpus"][0]  # type: ignore[index]
    assert gpu["count"] == 8
    assert gpu["memory_bytes"] == 80 * GIB
    assert doc["ram_bytes"] == 1024 * GIB


def test_cpu_only_has_no_gpus(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run_json(capsys, "--cpu-only", "--ram", "8")
    assert doc["gpus"] == []
    assert doc["ram_bytes"] == 8 * GIB


def test_human_table_names_the_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hardware", "--gpu", "A100 40GB"]) == 0
    out = capsys.readouterr().out
    assert "A100" in out
    assert "40.0 GiB" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--gpu", "RTX 9999 Ultra"], "unknown GPU"),
        (["--gpu", "-2x A100"], "A100"),
        (["--gpu", "x4090"], "x4090"),
        (["--vram", "-8"], "-8"),
        (["--ram", "lots"], "lots"),
        (["--gpu-count", "0", "--gpu", "H100"], "0"),
        (["--cpu-only", "--gpu", "H100"], "cpu-only"),
    ],
)
def test_bad_hardware_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    assert main(["hardware", "--json", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert needle in lines[0]


def test_unknown_gpu_suggests_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hardware", "--gpu", "RTX 4900"]) == 2
    assert "4090" in capsys.readouterr().err
