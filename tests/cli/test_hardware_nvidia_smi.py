"""`advisor hardware --json` on a machine whose nvidia-smi reports GPUs.

A stand-in ``nvidia-smi`` on PATH replays real captured output (8x H100 SXM, driver 565), so
the whole path runs: subprocess runner, CSV parser, grouping, datasheet match, JSON document.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

QUERY = FIXTURES / "hardware" / "nvidia-smi-query-gpu" / "advisor-query" / "h100-sxm-8x.csv"
TABLE = FIXTURES / "hardware" / "nvidia-smi" / "h100-sxm-8x-565.txt"
MIB = 1024**2


def _fake_smi(tmp_path: Path) -> Path:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        f"  *--query-gpu*) cat '{QUERY}' ;;\n"
        "  *-L*) exit 0 ;;\n"
        f"  *) cat '{TABLE}' ;;\n"
        "esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bindir


def _hardware_json(tmp_path: Path, **extra_env: str) -> dict[str, object]:
    env = {**os.environ, "PATH": f"{_fake_smi(tmp_path)}{os.pathsep}{os.environ['PATH']}"}
    env.update(extra_env)
    out = subprocess.run(
        [sys.executable, "-m", "advisor", "hardware", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(out.stdout)
    assert isinstance(doc, dict)
    return doc


def test_eight_h100s_from_nvidia_smi(tmp_path: Path) -> None:
    doc = _hardware_json(tmp_path)
    gpus = doc["gpus"]
    assert isinstance(gpus, list) and len(gpus) == 1
    gpu = gpus[0]
    assert gpu["name"] == "NVIDIA H100 80GB HBM3"
    assert gpu["count"] == 8
    assert gpu["vendor"] == "nvidia"
    assert gpu["memory_bytes"] == 81559 * MIB
    assert gpu["unified_memory"] is False
    assert gpu["source"] == "nvidia-smi"
    assert gpu["compute_capability"] == "9.0"
    assert gpu["spec_id"] == "h100-sxm"
    assert gpu["memory_bandwidth_bytes_per_s"] > 3e12  # H100 SXM: 3.35 TB/s


def test_cuda_visible_devices_limits_what_is_planned_for(tmp_path: Path) -> None:
    doc = _hardware_json(tmp_path, CUDA_VISIBLE_DEVICES="0,3")
    gpus = doc["gpus"]
    assert isinstance(gpus, list)
    assert gpus[0]["count"] == 2
    assert gpus[0]["indices"] == [0, 3]


def test_cuda_visible_devices_empty_hides_all(tmp_path: Path) -> None:
    doc = _hardware_json(tmp_path, CUDA_VISIBLE_DEVICES="")
    assert doc["gpus"] == []
