"""Fixtures shared by the detection tests: a fake Linux machine under a temporary root."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.hardware.hwfakes import capture


@pytest.fixture
def linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.system", lambda: "Linux")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A fake Linux machine: 16 GB i5 meminfo, Ryzen cpuinfo, no cgroup limit, no GPUs."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text(capture("proc-meminfo/intel-core-i5-16gb.txt"))
    (tmp_path / "proc/cpuinfo").write_text(capture("proc-cpuinfo/amd-ryzen9-9950x.txt"))
    return tmp_path
