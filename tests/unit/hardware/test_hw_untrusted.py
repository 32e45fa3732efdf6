"""Probe output is not trusted: garbage, impossible values and escape codes from a tool become
``probe_errors``, never records, crashes or raw terminal control sequences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.hardware import detect
from advisor.hardware.limits import MAX_DEVICES, printable
from advisor.hardware.runner import ProbeTimeout
from advisor.models.hardware import HardwareProfile
from tests.unit.hardware.hwfakes import (
    AMD_SMI,
    DISPLAYS,
    GIB,
    LIST,
    MAC_HARDWARE,
    QUERY,
    ROCM_SMI,
    TABLE,
    FakeRunner,
    capture,
    failed,
)

OURS = "nvidia-smi-query-gpu/advisor-query/"
MI100 = "rocm-smi-json/mi100-4x-rocm602.json"


pytestmark = pytest.mark.usefixtures("linux")  # the fixtures are in conftest.py


def _detect(script: dict[tuple[str, ...], Any], root: Path) -> HardwareProfile:
    return detect(runner=FakeRunner(script), env={}, sysfs_root=root, proc_root=root)


def _messages(profile: HardwareProfile) -> str:
    return " | ".join(f"{e.probe}: {e.message}" for e in profile.probe_errors)


def test_rocm_smi_reporting_more_used_than_total_is_a_probe_error(root: Path) -> None:
    # The real MI100 capture, with card0's used memory raised above its 32 GiB total.
    data = json.loads(capture(MI100))
    data["card0"]["VRAM Total Used Memory (B)"] = str(
        int(data["card0"]["VRAM Total Memory (B)"]) * 2
    )
    profile = _detect({ROCM_SMI: json.dumps(data)}, root)
    [gpus] = profile.gpus
    assert gpus.count == 3  # card0 left out, the other three kept
    assert gpus.indices == [1, 2, 3]
    assert "GPU 0" in _messages(profile) and "more memory in use" in _messages(profile)


def test_the_hardware_command_survives_used_above_total(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(capture(MI100))
    for card in ("card0", "card1", "card2", "card3"):
        data[card]["VRAM Total Used Memory (B)"] = "99999999999999"
    profile = _detect({ROCM_SMI: json.dumps(data)}, root)
    monkeypatch.setattr("advisor.hardware.detect", lambda **_: profile)
    from advisor.cli import main

    assert main(["hardware", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["gpus"] == []
    assert len(doc["probe_errors"]) == 4


def test_nvidia_smi_free_above_total_is_a_probe_error(root: Path) -> None:
    text = capture(OURS + "h100-sxm-8x.csv")
    header, first, *rest = text.splitlines()
    cells = first.split(", ")
    cells[4] = str(int(cells[3]) + 1)  # memory.free one MiB above memory.total
    profile = _detect({QUERY: "\n".join([header, ", ".join(cells), *rest])}, root)
    assert profile.gpu_count == 7
    assert "free of" in _messages(profile)


@pytest.mark.parametrize("total", ["99999999999", "1e30", "-5", "0x1p9", "inf"])
def test_absurd_memory_from_nvidia_smi_never_becomes_a_record(root: Path, total: str) -> None:
    text = capture(OURS + "h100-sxm-8x.csv")
    header, *rows = text.splitlines()
    bad = [", ".join([*r.split(", ")[:3], total, *r.split(", ")[4:]]) for r in rows]
    profile = _detect({QUERY: "\n".join([header, *bad]), TABLE: "garbage"}, root)
    assert profile.gpus == []
    assert profile.probe_errors  # said, not silently dropped


def test_ten_megabytes_of_garbage_are_not_gpus(root: Path) -> None:
    garbage = ("x" * 1023 + "\n") * 10_240
    profile = _detect({QUERY: garbage, TABLE: garbage}, root)
    assert profile.gpus == []
    assert "nvidia-smi" in _messages(profile)


def test_three_words_with_exit_zero_are_not_two_gpus(root: Path) -> None:
    profile = _detect({QUERY: "foo\nbar\nbaz\n", TABLE: "foo\nbar\nbaz\n"}, root)
    assert profile.gpus == []
    assert "unreadable" in _messages(profile)


def test_a_query_header_other_than_the_one_asked_for_is_refused(root: Path) -> None:
    # A real query output, but of other fields: its columns would be misread.
    profile = _detect({QUERY: capture("nvidia-smi-query-gpu/tesla-p100-netdata.txt")}, root)
    assert profile.gpus == []
    assert "not the fields asked for" in _messages(profile)


def test_thousands_of_gpus_from_a_tool_are_refused(root: Path) -> None:
    header, row = capture(OURS + "a40-10x.csv").splitlines()[:2]
    rows = [", ".join([str(i), *row.split(", ")[1:]]) for i in range(MAX_DEVICES + 1)]
    profile = _detect({QUERY: "\n".join([header, *rows])}, root)
    assert profile.gpus == []
    assert str(MAX_DEVICES) in _messages(profile)


def test_amd_smi_absurd_json_numbers_are_not_crashes(root: Path) -> None:
    data = json.loads(capture("amd-smi-json/mi300x-8x-static-rocm721.json"))
    entries = data["gpu_data"]
    entries[0]["vram"]["size"] = {"value": float("inf"), "unit": "MB"}
    entries[1]["vram"]["size"] = {"value": 1e30, "unit": "MB"}
    entries[2]["gpu"] = True
    entries[3]["gpu"] = 10**9
    profile = _detect({AMD_SMI: json.dumps(data)}, root)
    messages = _messages(profile)
    assert "GPU 1" in messages and "of memory" in messages  # 1e30 MB refused
    assert "index 1000000000" in messages
    assert sum(g.count for g in profile.gpus) == 6  # inf is unknown memory; 2 refused


def test_escape_and_bidi_characters_are_stripped_from_names_and_errors(root: Path) -> None:
    text = capture(OURS + "a40-10x.csv")
    hostile = "NVIDIA A40\x1b]0;pwned\x07\x1b[2J\u202egnp.exe\u200b"
    profile = _detect(
        {QUERY: text.replace("NVIDIA A40", hostile), ROCM_SMI: "\x1b[31mfailed\u2066\n"}, root
    )
    [gpus] = profile.gpus
    assert gpus.name == "NVIDIA A40 ]0;pwned [2J gnp.exe"
    for error in profile.probe_errors:
        assert not any(ch in error.message for ch in "\x1b\x07\u202e\u2066\n")


def test_deeply_nested_json_from_a_tool_is_unreadable_output(root: Path) -> None:
    deep = "[" * 200_000 + "]" * 200_000
    profile = _detect({AMD_SMI: deep, ROCM_SMI: deep}, root)
    assert profile.gpus == []
    assert "amd-smi: unreadable output: JSON nested too deeply" in _messages(profile)


def test_printable_cuts_long_text_and_keeps_ordinary_unicode() -> None:
    assert printable("Radeon™ RX 7900 XTX — 24 GB") == "Radeon™ RX 7900 XTX — 24 GB"
    assert printable("a\tb\r\nc\x00d") == "a b c d"
    cut = printable("x" * 1000)
    assert len(cut) == 128 and cut.endswith("…")


def test_a_hung_nvidia_smi_minus_l_is_a_probe_error(root: Path) -> None:
    mig = "nvidia-smi-query-gpu/advisor-query/h100-mig.csv"
    profile = _detect(
        {
            QUERY: capture(mig),
            LIST: ProbeTimeout("nvidia-smi", "timed out after 10 s"),
            TABLE: capture("nvidia-smi/h100-mig-590.txt"),
        },
        root,
    )
    assert "MIG" in " ".join(g.name for g in profile.gpus)  # slices still listed
    assert "timed out" in _messages(profile) and "-L" in _messages(profile)


def test_an_amd_timeout_is_listed_even_when_sysfs_finds_the_gpu(root: Path) -> None:
    card = root / "sys/class/drm/card0/device"
    card.mkdir(parents=True)
    (card / "vendor").write_text("0x1002\n")
    (card / "mem_info_vram_total").write_text(f"{8 * GIB}\n")
    profile = _detect({AMD_SMI: ProbeTimeout("amd-smi", "timed out after 10 s")}, root)
    assert profile.gpu_count == 1
    assert "amd-smi: timed out" in _messages(profile)


def test_sysfs_used_above_total_is_refused(root: Path) -> None:
    card = root / "sys/class/drm/card1/device"
    card.mkdir(parents=True)
    (card / "vendor").write_text("0x1002\n")
    (card / "mem_info_vram_total").write_text(f"{8 * GIB}\n")
    (card / "mem_info_vram_used").write_text(f"{9 * GIB}\n")
    profile = _detect({}, root)
    assert profile.gpus == []
    assert "sysfs" in _messages(profile)


def test_proc_files_that_are_not_regular_files_are_not_read(root: Path) -> None:
    import os

    (root / "proc/meminfo").unlink()
    os.mkfifo(root / "proc/meminfo")  # would block a plain open() forever
    (root / "proc/cpuinfo").unlink()
    (root / "proc/cpuinfo").symlink_to("/dev/zero")  # would never end
    profile = _detect({}, root)
    assert profile.cpu is not None  # detection answered, from psutil


def test_absurd_host_values_are_dropped_with_an_error(root: Path) -> None:
    (root / "proc/meminfo").write_text("MemTotal: 99999999999999999999 kB\nMemFree: 5 kB\n")
    (root / "proc/cpuinfo").write_text("processor\t: 0\ncpu cores\t: 99999\nmodel name\t: x\n")
    profile = _detect({}, root)
    messages = _messages(profile)
    assert "RAM size" in messages and "CPU core count" in messages
    assert profile.ram_total_bytes != 99999999999999999999 * 1024
    assert profile.cpu.cores != 99999


def test_mac_hung_hardware_probe_is_listed(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    profile = _detect(
        {
            DISPLAYS: capture(
                "system_profiler-SPDisplaysDataType-json/intel-vm-paravirtual-runner.json"
            ),
            MAC_HARDWARE: ProbeTimeout("system_profiler", "timed out after 10 s"),
        },
        root,
    )
    assert "system_profiler: timed out" in _messages(profile)


def test_the_hardware_table_prints_tool_text_as_text(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Square brackets would be rich markup: "[/yellow]" in a message once ended the styling
    # early, and an unbalanced closing tag is a MarkupError.
    text = capture(OURS + "a40-10x.csv").replace("NVIDIA A40", "NVIDIA [bold]A40[/]")
    profile = _detect({QUERY: text, ROCM_SMI: failed(ROCM_SMI, 1, "bad [/yellow] \x1b[2J")}, root)
    monkeypatch.setattr("advisor.hardware.detect", lambda **_: profile)
    from advisor.cli import main

    monkeypatch.setenv("COLUMNS", "200")  # one table row per GPU group, unwrapped
    assert main(["hardware"]) == 0
    out = capsys.readouterr().out
    assert "NVIDIA [bold]A40[/]" in out
    assert "[/yellow]" in out
    assert "\x1b" not in out


def test_nvml_values_are_screened_too(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.hardware.test_hw_nvidia_probe import FakeNvml

    fake = FakeNvml()
    fake.devices["d0"]["mem"] = (24 * GIB, 30 * GIB)  # more free than total
    fake.devices["d1"]["name"] = b"NVIDIA GeForce RTX 4090\x1b[5m\xff"
    monkeypatch.setattr("advisor.hardware.nvidia.load_pynvml", lambda: fake)
    monkeypatch.setenv("PATH", str(root))  # no vendor tool can be found: only NVML answers
    profile = detect(env={}, sysfs_root=root, proc_root=root)
    rtx = [g for g in profile.gpus if "4090" in g.name]
    assert [(g.name, g.count, g.indices) for g in rtx] == [("NVIDIA GeForce RTX 4090 [5m�", 1, [1])]
    assert "GPU 0" in _messages(profile) and "free of" in _messages(profile)


def test_nvml_reporting_thousands_of_devices_is_refused(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.hardware.test_hw_nvidia_probe import FakeNvml

    class Many(FakeNvml):
        def nvmlDeviceGetCount(self) -> int:
            return 10**9

        def nvmlDeviceGetHandleByIndex(self, index: int) -> str:
            return "d0"

    monkeypatch.setattr("advisor.hardware.nvidia.load_pynvml", Many)
    monkeypatch.setenv("PATH", str(root))
    profile = detect(env={}, sysfs_root=root, proc_root=root)
    assert profile.gpus == []
    assert "more than 256" in _messages(profile)


def _mutated(text: str) -> st.SearchStrategy[str]:
    """A real capture with a slice replaced by random text, cut short, or repeated."""

    def mutate(args: tuple[int, int, str, int]) -> str:
        start, length, insert, mode = args
        start %= max(len(text), 1)
        if mode == 0:
            return text[:start]
        if mode == 1:
            return text * (1 + length % 3)
        return text[:start] + insert + text[start + length :]

    return st.tuples(st.integers(0, 10**6), st.integers(0, 40), INSERTS, st.integers(0, 5)).map(
        mutate
    )


INSERTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\r", "\x00", "\n\n", "\x1b[2J", "\u202e", "9" * 30, "-1", "[N/A]", "}",
                     ",", '"', "1e400", "NaN"]),
)  # fmt: skip
"""What is spliced into a capture: random text, or the bytes that break parsers."""


TOOL_OUTPUT = {
    QUERY: OURS + "h100-mig.csv",
    TABLE: "nvidia-smi/h100-mig-590.txt",
    LIST: "nvidia-smi-L/h100-mig-590.txt",
    AMD_SMI: "amd-smi-json/strix-halo-static.json",
    ROCM_SMI: "rocm-smi-json/apu-plus-dgpu-meminfo-vram-oneline.json",
}


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(outputs=st.fixed_dictionaries({k: _mutated(capture(v)) for k, v in TOOL_OUTPUT.items()}))
def test_mangled_tool_output_never_becomes_an_impossible_record(
    root: Path, outputs: dict[tuple[str, ...], str]
) -> None:
    profile = _detect(dict(outputs), root)  # never raises
    assert profile.gpu_count <= 2 * MAX_DEVICES  # at most MAX_DEVICES per vendor
    for gpu in profile.gpus:
        assert gpu.name and gpu.name.isprintable()
        if gpu.memory_bytes is not None:
            assert 0 < gpu.memory_bytes <= 16 * 1024**4
        if gpu.memory_free_bytes is not None and gpu.memory_bytes is not None:
            assert 0 <= gpu.memory_free_bytes <= gpu.memory_bytes
    for error in profile.probe_errors:
        assert error.message.isprintable() and error.probe.isprintable()
        assert error.probe != "nvidia" and error.probe != "amd", error  # no escaped exception
