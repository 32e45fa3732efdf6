"""Host parsers (/proc/cpuinfo, /proc/meminfo, cgroup files) and the host probe on fake trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.hardware import cgroup, host
from tests.unit.hardware.hwfakes import GIB, FakeRunner, capture


@pytest.mark.parametrize(
    ("file", "name", "cores", "logical"),
    [
        ("amd-ryzen9-9950x.txt", "AMD Ryzen 9 9950X 16-Core Processor", 16, 32),
        ("intel-core-ultra9-285.txt", "Intel(R) Core(TM) Ultra 9 285", 24, 24),
        ("hygon-c86.txt", "Hygon C86-4G (OPN:5435)", 16, 32),  # ':' inside the name
        ("grace-neoverse-v2-rhel9.txt", "ARM Neoverse V2", 1, 1),  # arm64: no model name
    ],
)
def test_cpuinfo_first_block(file: str, name: str, cores: int, logical: int) -> None:
    facts = host.parse_cpuinfo(capture("proc-cpuinfo/" + file))
    assert (facts.name, facts.cores, facts.logical_cores) == (name, cores, logical)


def test_cpuinfo_full_listing_counts_distinct_cores() -> None:
    block = capture("proc-cpuinfo/hygon-c86.txt").strip()
    blocks = []
    for cpu in range(4):  # 2 cores × 2 threads, as on an SMT machine
        text = block.replace("processor\t: 0", f"processor\t: {cpu}")
        text = text.replace("core id\t\t: 0", f"core id\t\t: {cpu // 2}")
        text = text.replace("siblings\t: 32", "siblings\t: 4").replace(
            "cpu cores\t: 16", "cpu cores\t: 2"
        )
        blocks.append(text)
    facts = host.parse_cpuinfo("\n\n".join(blocks) + "\n")
    assert (facts.cores, facts.logical_cores) == (2, 4)


def test_cpuinfo_garbage_is_unknown() -> None:
    assert host.parse_cpuinfo("garbage") == host.CpuFacts(None, None, None)


@pytest.mark.parametrize(
    ("file", "total_kib", "available_kib"),
    [
        ("dell-server-1.5tb.txt", 1584505288, 1560040584),
        ("intel-core-i5-16gb.txt", 16115528, 11225936),
        ("legacy-2.4-style-header.txt", 254472, None),
    ],
)
def test_meminfo(file: str, total_kib: int, available_kib: int | None) -> None:
    mem = host.parse_meminfo(capture("proc-meminfo/" + file))
    assert mem.total_bytes == total_kib * 1024
    if available_kib is not None:
        assert mem.available_bytes == available_kib * 1024
    else:  # no MemAvailable: free + buffers + cache, still less than the total
        assert mem.available_bytes is not None and 0 < mem.available_bytes < mem.total_bytes


def _values(file: str) -> list[str]:
    """The bare numbers/words a cgroup transcript printed (prompt lines dropped)."""
    lines = capture("cgroup/" + file).splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.rstrip().endswith((":", "$"))
            and "# " not in ln and not ln.startswith("$")]  # fmt: skip


def test_cgroup_v1_unlimited_sentinels_mean_no_limit() -> None:
    assert cgroup.parse_limit(capture("cgroup/v1-limit-in-bytes-unlimited.txt")) is None
    assert cgroup.parse_limit(_values("v1-docker-u64max-limit.txt")[0]) is None


def test_cgroup_v1_real_limit() -> None:
    assert [cgroup.parse_limit(v) for v in _values("v1-nomad-limited.txt")] == [14881390592] * 2


def test_cgroup_v1_hierarchical_limit_in_memory_stat() -> None:
    text = capture("cgroup/v1-memory-stat-hierarchical-limit.txt")
    assert cgroup.parse_memory_stat_limit(text) == 4 * GIB  # the first run's, -m 4g


def test_cgroup_v2_max_and_number() -> None:
    values = _values("v2-podman-memory-max.txt")
    assert [cgroup.parse_limit(v) for v in values] == [None, 1073741824, None]


def _tree(tmp_path: Path, meminfo: str, limit: str | None, v2: bool = True) -> Path:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text(meminfo)
    (tmp_path / "proc/cpuinfo").write_text(capture("proc-cpuinfo/amd-ryzen9-9950x.txt"))
    base = tmp_path / "sys/fs/cgroup"
    if v2:
        (tmp_path / "proc/self").mkdir()
        (tmp_path / "proc/self/cgroup").write_text("0::/system.slice/db.service/libpod-1\n")
        service = base / "system.slice/db.service"
        (service / "libpod-1").mkdir(parents=True)
        (base / "cgroup.controllers").write_text("cpu memory\n")
        (service / "libpod-1/memory.max").write_text("max\n")
        (service / "libpod-1/memory.current").write_text(str(GIB // 4) + "\n")
        if limit is not None:
            (service / "memory.max").write_text(limit + "\n")
    else:
        (base / "memory").mkdir(parents=True)
        (base / "memory/memory.limit_in_bytes").write_text((limit or "9223372036854771712") + "\n")
    return tmp_path


@pytest.fixture
def linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.system", lambda: "Linux")


@pytest.mark.usefixtures("linux")
def test_probe_container_limit_below_host_ram(tmp_path: Path) -> None:
    root = _tree(tmp_path, capture("proc-meminfo/intel-core-i5-16gb.txt"), "1073741824")
    facts = host.probe(FakeRunner(), {}, sys_root=root, proc_root=root)
    assert facts.ram_total_bytes == 16115528 * 1024
    assert facts.ram_limit_bytes == GIB  # the service's limit applies to its container
    assert facts.ram_bytes == GIB
    assert facts.ram_available_bytes == GIB - GIB // 4  # limit minus what the cgroup uses
    assert facts.cpu.name == "AMD Ryzen 9 9950X 16-Core Processor"


@pytest.mark.usefixtures("linux")
def test_probe_no_limit_v1_sentinel(tmp_path: Path) -> None:
    root = _tree(tmp_path, capture("proc-meminfo/dell-server-1.5tb.txt"), None, v2=False)
    facts = host.probe(FakeRunner(), {}, sys_root=root, proc_root=root)
    assert facts.ram_limit_bytes is None
    assert facts.ram_bytes == 1584505288 * 1024
    assert facts.ram_available_bytes == 1560040584 * 1024


def test_disk_free_of_advisor_home(tmp_path: Path) -> None:
    free = host.disk_free({"ADVISOR_HOME": str(tmp_path)})
    assert free is not None and free > 0
