"""Replays the cases of issue 16 ("What was seen") against the CLI and prints one line each.

Every case runs ``python -m advisor`` in a fresh process with its own temporary
``ADVISOR_HOME`` and ``HF_HOME``, offline unless it needs the Hub, and a PATH that holds only
the fake tools the case puts there plus /usr/bin:/bin. Hub cases use the loopback fake Hub of
the tests (tests/hub/fakehub.py) with its faults switched on. Columns: the case, the exit
code, whether stderr ended with exactly one ``advisor: error:`` line (``-`` when the command
was meant to succeed), the wall time, a figure (bytes sent, requests, what was checked) and
``held`` or ``FAILED`` for what the issue asks.

Run: ``python bench/hostile.py`` (about 90 s: two hung tools wait for the 10 s probe timeout,
two hung Hub answers for the 10 s read timeout and the 30 s command deadline).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HW = ROOT / "tests" / "fixtures" / "hardware"
MiB = 2**20
FAILED: list[str] = []


@dataclass
class Result:
    rc: int
    out: str
    err: str
    wall: float

    @property
    def one_line(self) -> bool:
        lines = self.err.strip().splitlines()
        return (
            bool(lines)
            and lines[-1].startswith("advisor: error:")
            and sum(line.startswith("advisor: error:") for line in lines) == 1
            and "internal error" not in self.err
            and "Traceback" not in self.err
        )


class Sandbox:
    """A fresh ADVISOR_HOME, HF_HOME and fake-tool folder."""

    def __init__(self, **env: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="advisor-hostile-"))
        self.home, self.bin = self.dir / "home", self.dir / "bin"
        self.home.mkdir()
        self.bin.mkdir()
        self.env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "ADVISOR_HOME": str(self.home),
            "HF_HOME": str(self.dir / "hf"),
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "LANG": "C.UTF-8",
            **env,
        }

    def tool(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)

    def overlay(self, name: str) -> Path:
        folder = self.home / "catalog"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def run(self, *argv: str, timeout: float = 90, env: dict[str, str] | None = None) -> Result:
        start = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "advisor", *argv],
                capture_output=True, text=True, errors="replace", timeout=timeout,
                env={**self.env, **(env or {})}, cwd=self.dir, stdin=subprocess.DEVNULL,
                check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else ""
            return Result(-9, out, "timed out", time.monotonic() - start)
        return Result(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


def report(case: str, r: Result, held: bool, figure: str = "", *, failing: bool = True) -> None:
    """One line; ``failing`` says whether an error line was expected."""
    one = ("yes" if r.one_line else "NO") if failing else "-"
    verdict = "held" if held else "FAILED"
    if not held:
        FAILED.append(case)
    print(f"{case:37} exit {r.rc:>3}  one-line {one:3} {r.wall:6.2f} s  {figure:44} {verdict}")
    if not held and os.environ.get("HOSTILE_VERBOSE"):
        print("   stderr:", r.err.strip()[-600:], "\n   stdout:", r.out.strip()[:300])


def fails_cleanly(r: Result, code: int | tuple[int, ...] = (1, 2)) -> bool:
    codes = (code,) if isinstance(code, int) else code
    return r.rc in codes and r.one_line


# -- cache ---------------------------------------------------------------------------------------


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def cache_cases() -> None:
    box = Sandbox()
    marker = box.dir / "PWNED"
    cache = box.home / "cache"
    cache.mkdir()
    for name in ("catalog.pickle", "gpus.pickle", "toml.pickle", "catalog.json"):
        (cache / name).write_bytes(b"key\n" + pickle.dumps(_Payload(marker)))
    for argv in (("catalog", "list"), ("recommend", "--task", "chat", "--gpu", "H100"), ("gpus",)):
        r = box.run(*argv)
        ok = r.rc == 0 and not marker.exists()
        report(
            f"planted pickle: {argv[0]}", r, ok, f"payload ran: {marker.exists()}", failing=False
        )

    box = Sandbox()
    box.run("catalog", "list", "--json")
    entry = box.home / "cache" / "catalog.json"
    entry.chmod(0o666)
    if os.geteuid() == 0:
        os.chown(entry, 65534, 65534)
    r = box.run("catalog", "list", "--json")
    info = entry.stat()
    ok = r.rc == 0 and info.st_uid == os.geteuid() and not info.st_mode & 0o022
    who = "other user's, " if os.geteuid() == 0 else ""
    figure = f"rebuilt as uid {info.st_uid} mode {info.st_mode & 0o777:o}"
    report("cache: " + who + "world-writable", r, ok, figure, failing=False)

    # A code change makes every cache stale: a copy of the package with one module edited.
    tree = Sandbox()
    shutil.copytree(ROOT / "advisor", tree.dir / "src" / "advisor",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    (tree.dir / "src" / "catalog").symlink_to(ROOT / "catalog")
    env = {"PYTHONPATH": str(tree.dir / "src")}
    tree.run("gpus", "--json", env=env)
    files = sorted((tree.home / "cache").glob("*.json"))
    before = {p.name: p.read_bytes().split(b"\n", 1)[0] for p in files}
    with (tree.dir / "src" / "advisor" / "gpus.py").open("a") as f:
        f.write("# edited\n")
    r = tree.run("gpus", "--json", env=env)
    after = {p.name: p.read_bytes().split(b"\n", 1)[0] for p in files if p.exists()}
    changed = sum(before[k] != after.get(k) for k in before)
    report("cache: stale after a code edit", r, r.rc == 0 and changed == len(before) > 0,
           f"{changed}/{len(before)} cache keys changed", failing=False)  # fmt: skip


# -- exports -------------------------------------------------------------------------------------

EXPORT = ("recommend", "--task", "chat", "--gpu", "H100", "--export")


def export_cases() -> None:
    box = Sandbox()
    out, outside = box.dir / "run", box.dir / "outside"
    out.mkdir()
    outside.mkdir()
    for name in ("README.md", "report.json", "serve.sh", "train.py"):
        (out / name).symlink_to(outside / name)
    r = box.run(*EXPORT, str(out))
    made = sorted(p.name for p in outside.iterdir())
    report("export: dangling links", r, fails_cleanly(r) and not made, f"created outside: {made}")

    box = Sandbox()
    out = box.dir / "run"
    out.mkdir()
    victim = box.dir / "victim.txt"
    victim.write_text("mine\n")
    victim.chmod(0o600)
    for name in ("README.md", "report.json", "serve.sh", "train.py"):
        (out / name).symlink_to(victim)
    r = box.run(*EXPORT, str(out), "--force")
    mode = victim.stat().st_mode & 0o777
    intact = victim.read_text() == "mine\n" and mode == 0o600
    report("export --force through links", r, intact and (r.rc == 0 or r.one_line),
           f"victim intact, mode {mode:o}" if intact else f"victim changed, mode {mode:o}",
           failing=r.rc != 0)  # fmt: skip

    box = Sandbox()
    out = box.dir / "run"
    r = box.run(*EXPORT, str(out))
    leftovers = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    report_ok = json.loads((out / "report.json").read_text())["schema_version"] is not None
    report("export: whole files, no temp left", r, r.rc == 0 and report_ok and not leftovers,
           f"{len(list(out.iterdir()))} files, leftovers {leftovers}", failing=False)  # fmt: skip
    r = box.run(*EXPORT, str(out))
    report("export: rerun without --force", r, fails_cleanly(r), "refused")

    box = Sandbox()
    r = box.run(*EXPORT, "")
    report("export ''", r, fails_cleanly(r, 2) and not list(box.dir.glob("*.json")), "usage error")


# -- Hub -----------------------------------------------------------------------------------------


def _reason(r: Result) -> str:
    """The words of the error line that say how long advisor waited."""
    import re

    found = re.search(r"(no answer within \d+ s|within the [\d.]+ s deadline|did not arrive "
                      r"within [\d.]+ s)", r.err)  # fmt: skip
    return found.group(0) if found else "?"


def hub_cases() -> None:
    from huggingface_hub import constants as hf_constants

    from tests.hub.fakehub import FakeFile, FakeHub, FakeRepo
    from tests.hub.models import TINY_CONFIG, decoder_tensors, populate, safetensors_file

    hf_constants.HF_HUB_DISABLE_TELEMETRY = True
    hub = FakeHub().start()
    populate(hub)
    config = FakeFile(json.dumps(TINY_CONFIG).encode())
    header = safetensors_file(decoder_tensors(TINY_CONFIG)).data
    hub.add(
        FakeRepo(
            "bench/big-weights",
            {"config.json": config, "model.safetensors": FakeFile(header, size=3 * 2**30)},
        )
    )
    hub.add(
        FakeRepo(
            "bench/huge-config",
            {"config.json": FakeFile(b'{"model_type": "llama", "pad": "', size=200 * MiB)},
        )
    )
    index = {"weight_map": {f"t{i}": f"model-{i:05d}-of-05000.safetensors" for i in range(5000)}}
    hub.add(
        FakeRepo(
            "bench/many-shards",
            {
                "config.json": config,
                "model.safetensors.index.json": FakeFile(json.dumps(index).encode()),
            },
        )
    )
    for i in range(3):
        hub.add(FakeRepo(f"bench/plain-{i}", {
            "config.json": config, "model.safetensors": safetensors_file(
                decoder_tensors(TINY_CONFIG))},
            info={"pipeline_tag": "text-generation", "cardData": {"license": "mit"}}))  # fmt: skip
    online = {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0"}

    def fresh() -> Sandbox:
        hub.requests.clear()
        hub.sent_bytes = 0
        hub.ignore_range, hub.hang, hub.slow = False, (), {}
        return Sandbox(**online)

    try:
        box = fresh()
        hub.ignore_range = True
        r = box.run("estimate", "bench/big-weights", "--json")
        report("hub: server ignores Range (3 GB)", r, r.rc == 0 and hub.sent_bytes < 64 * MiB,
               f"{hub.sent_bytes / MiB:.1f} MiB sent", failing=False)  # fmt: skip

        box = fresh()
        hub.hang = ("config.json",)
        r = box.run("estimate", "bench/plain-0")
        report("hub: config.json never answers", r, fails_cleanly(r) and r.wall < 40,
               f"{len(hub.requests)} requests: {_reason(r)}")  # fmt: skip

        box = fresh()
        hub.hang = ("config.json",)
        r = box.run("estimate", "bench/plain-0", env={"HF_HUB_ETAG_TIMEOUT": "60"})
        report("hub: never answers, 60 s read timeout", r, fails_cleanly(r) and r.wall < 40,
               f"{len(hub.requests)} requests: {_reason(r)}")  # fmt: skip

        box = fresh()
        hub.slow = {"config.json": 1.0}
        r = box.run("estimate", "bench/plain-1")
        report("hub: 1 byte/s body", r, fails_cleanly(r) and r.wall < 20,
               f"{hub.sent_bytes} bytes sent: {_reason(r)}")  # fmt: skip

        box = fresh()
        r = box.run("estimate", "bench/many-shards", "--json")
        report("hub: 5,000-shard index", r, len(hub.requests) < 10 and (r.rc == 0 or r.one_line),
               f"{len(hub.requests)} requests", failing=r.rc != 0)  # fmt: skip

        box = fresh()
        r = box.run("catalog", "add", "bench/huge-config")
        written = sorted(p.name for p in (box.home / "catalog").glob("*.toml"))
        later = box.run("recommend", "--task", "chat", "--gpu", "H100", "--json")
        report("hub: 200 MB config.json", r, fails_cleanly(r) and not written and later.wall < 5,
               f"{hub.sent_bytes / MiB:.1f} MiB sent, next start {later.wall:.2f} s")  # fmt: skip

        box = fresh()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "advisor", "catalog", "add", "bench/plain-2"],
                env=box.env,
                cwd=box.dir,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(8)
        ]
        start = time.monotonic()
        done = [p.communicate(timeout=120) for p in procs]
        wall = time.monotonic() - start
        added = sum("added" in out for out, _ in done)
        refused = sum("already has" in err for _, err in done)
        r = Result(0, "", "", wall)
        report("catalog add x8 at once", r, added == 1 and refused == 7,
               f"{added} added, {refused} refused", failing=False)  # fmt: skip

        box = fresh()
        token = box.dir / "token"
        os.mkfifo(token)
        r = box.run("estimate", "bench/plain-0", env={"HF_TOKEN_PATH": str(token)})
        report("hub: token file is a FIFO", r, fails_cleanly(r, 2) and r.wall < 10, "named")
    finally:
        hub.stop()

    box = Sandbox()
    for name, value in (("HF_HUB_ETAG_TIMEOUT", "0.001"), ("HF_ENDPOINT", "htp:/bad host")):
        r = box.run("estimate", "bench/plain-0", env={"HF_HUB_OFFLINE": "0", name: value})
        report(f"{name}={value}", r, fails_cleanly(r, 2), "setting error")


# -- probes --------------------------------------------------------------------------------------

QUERY_CSV = HW / "nvidia-smi-query-gpu" / "advisor-query" / "h100-sxm-8x.csv"
MIG_CSV = HW / "nvidia-smi-query-gpu" / "advisor-query" / "h100-mig.csv"
TABLE_TXT = HW / "nvidia-smi" / "h100-mig-590.txt"


def _hardware(box: Sandbox) -> tuple[Result, dict[str, Any]]:
    r = box.run("hardware", "--json")
    try:
        return r, json.loads(r.out)
    except ValueError:
        return r, {}


def _running(pid: str) -> bool:
    """Whether process ``pid`` runs (a zombie no init reaped in a container does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1]
    except OSError:
        return False
    return not state.startswith(("Z", "X"))


def probe_cases() -> None:
    box = Sandbox()
    data = json.loads((HW / "rocm-smi-json" / "mi100-4x-rocm602.json").read_text())
    for card in ("card0", "card1", "card2", "card3"):
        data[card]["VRAM Total Used Memory (B)"] = "99999999999999"
    (box.dir / "rocm.json").write_text(json.dumps(data))
    box.tool("rocm-smi", f"cat '{box.dir / 'rocm.json'}'\n")
    for argv in (
        ("hardware", "--json"),
        ("recommend", "--task", "chat", "--json"),
        ("estimate", "qwen2.5-coder-3b", "--json"),
    ):
        r = box.run(*argv)
        said = "more memory in use" in r.out  # estimate --json shows no hardware
        ok = r.rc == 0 and (said or argv[0] == "estimate")
        report(f"rocm-smi used > total: {argv[0]}", r, ok,
               "probe error" if said else "no crash", failing=False)  # fmt: skip

    box = Sandbox()
    box.tool("nvidia-smi", "yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | head -c 10000000\n")
    r, doc = _hardware(box)
    ok = r.rc == 0 and doc.get("gpus") == [] and bool(doc.get("probe_errors"))
    report("nvidia-smi: 10 MB of garbage", r, ok, f"{len(doc.get('gpus', []))} GPUs", failing=False)

    box = Sandbox()
    box.tool("nvidia-smi", "echo foo; echo bar; echo baz\n")
    r, doc = _hardware(box)
    ok = r.rc == 0 and doc.get("gpus") == [] and bool(doc.get("probe_errors"))
    report("nvidia-smi: three words, exit 0", r, ok, f"{len(doc.get('gpus', []))} GPUs",
           failing=False)  # fmt: skip

    box = Sandbox()
    text = QUERY_CSV.read_text().replace("NVIDIA H100", "NVIDIA \x1b[31mH100\u202e\x07", 1)
    (box.dir / "query.csv").write_text(text)
    box.tool("nvidia-smi", f"cat '{box.dir / 'query.csv'}'\n")
    r = box.run("hardware")
    raw = any(c in r.out + r.err for c in ("\x1b", "\u202e", "\x07"))
    report("nvidia-smi: escape/bidi in a name", r, r.rc == 0 and not raw,
           f"raw control characters printed: {raw}", failing=False)  # fmt: skip

    box = Sandbox()
    pids = box.dir / "pids"
    box.tool("nvidia-smi", f"sleep 300 & echo $! >> '{pids}'\nsleep 300\n")
    r, doc = _hardware(box)
    time.sleep(0.3)
    alive = [p for p in pids.read_text().split() if _running(p)] if pids.exists() else []
    for pid in alive:
        os.kill(int(pid), 9)
    report("hung tool with a grandchild", r, r.rc == 0 and not alive,
           f"{len(alive)} grandchildren left, {len(doc.get('probe_errors', []))} probe errors",
           failing=False)  # fmt: skip

    box = Sandbox()
    box.tool("nvidia-smi", f"case \"$*\" in\n  *--query-gpu*) cat '{MIG_CSV}' ;;\n"
             f"  -L) sleep 60 ;;\n  *) cat '{TABLE_TXT}' ;;\nesac\n")  # fmt: skip
    r, doc = _hardware(box)
    listed = [e for e in doc.get("probe_errors", []) if "-L" in json.dumps(e)]
    report("nvidia-smi -L hangs", r, r.rc == 0 and bool(listed) and r.wall < 15,
           f"probe error: {bool(listed)}", failing=False)  # fmt: skip


RECORD = (
    '[[models]]\nid = "mine"\nhf_repo = "me/mine"\nname = "Mine"\nfamily = "llama"\n'
    'tasks = ["chat"]\narchitecture = "decoder"\nparams = 1000000\nlicense = "MIT"\n'
    'source = "me"\n'
)


# -- hostile files -------------------------------------------------------------------------------


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _zero(p: Path) -> None:
    p.symlink_to("/dev/zero")


def file_cases() -> None:
    deep_toml = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"
    overlay: list[tuple[str, Callable[[Path], object]]] = [
        ("deep TOML", lambda p: p.write_text(deep_toml)),
        ("binary", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff" * 100)),
        ("FIFO", _fifo),
        ("/dev/zero", _zero),
        ("200 MB", lambda p: os.truncate(p.open("wb").name, 200 * MiB)),
    ]
    for what, make in overlay:
        box = Sandbox()
        make(box.overlay("bad.toml"))
        r = box.run("catalog", "list", timeout=30)
        report(f"overlay file: {what}", r, fails_cleanly(r) and "bad.toml" in r.err, "named")

    configs: list[tuple[str, Callable[[Path], object]]] = [
        ("deep JSON", lambda p: p.write_text("[" * 100_000 + "]" * 100_000)),
        ("binary", lambda p: p.write_bytes(b"\x00\xff" * 50)),
        ("FIFO", _fifo),
        ("/dev/zero", _zero),
    ]
    for what, make in configs:
        box = Sandbox()
        make(box.dir / "config.json")
        r = box.run("estimate", str(box.dir / "config.json"), timeout=30)
        report(f"config.json path: {what}", r, fails_cleanly(r), "named")

    from tests.hub.fakehub import FakeFile
    from tests.hub.models import write_hf_cache

    for what, make in (("FIFO", _fifo), ("/dev/zero", _zero)):
        box = Sandbox()
        hub = Path(box.env["HF_HOME"]) / "hub"
        snap = write_hf_cache(
            hub,
            "bench/cached",
            {"config.json": FakeFile(b"{}"), "model.bin": FakeFile(b"\0" * 64)},
            "7" * 40,
        )
        ref = hub / "models--bench--cached" / "refs" / "main"
        ref.unlink()
        make(ref)
        r = box.run("recommend", "--task", "chat", "--gpu", "H100", "--json", timeout=30)
        report(f"HF cache refs/main: {what}", r, r.rc == 0, "recommend scans it", failing=False)
        (snap / "config.json").unlink()
        make(snap / "config.json")
        r = box.run("estimate", "bench/cached", timeout=30)
        report(f"HF cache config.json: {what}", r, fails_cleanly(r), "named")

    box = Sandbox()
    box.overlay("mine.toml").write_text(
        RECORD.replace("params = 1000000", "params = 0")
        + '[models.config]\nmodel_type = "llama"\nhidden_size = -4096\n'
    )
    r = box.run("catalog", "validate")
    ok = r.rc == 1 and "mine: params: Input should be greater than 0" in r.out
    report("overlay: zero/negative sizes", r, fails_cleanly(r) and ok, "validate rejects")
    box.overlay("mine.toml").write_text(RECORD.replace('"mine"', '"mine\\n"', 1))
    r = box.run("catalog", "validate")
    report("overlay: record id ending in newline", r, fails_cleanly(r) and "mine.toml" in r.out,
           "validate rejects")  # fmt: skip

    box = Sandbox()
    (box.home / "tui-state.json").write_text("[" * 100_000)
    r = box.run("--gpu", "RTX 4090")
    ok = r.rc == 0 and "tui-state.json" in r.err and "Strategy:" in r.out
    report("bad tui-state.json: plain advisor", r, ok, "named, starts with defaults", failing=False)


# -- sizes and names -----------------------------------------------------------------------------


def size_cases() -> None:
    box = Sandbox()
    cases = [
        ("--vram 1e-12", ("recommend", "--task", "chat", "--vram", "1e-12")),
        ("--ram 1e300", ("recommend", "--task", "chat", "--ram", "1e300")),
        ("256-character model name", ("estimate", "m" * 256)),
        ("--lora-targets ,,,", ("estimate", "qwen2.5-coder-3b", "--lora-targets", ",,,")),
        ("repo id with a trailing newline", ("catalog", "add", "owner/name\n")),
    ]
    for case, argv in cases:
        r = box.run(*argv)
        report(case, r, fails_cleanly(r, 2), "usage error")


def main() -> int:
    start = time.monotonic()
    print(f"{'case':37} {'exit':>8}  {'one-line':12} {'wall':>6}  {'figure':44} verdict")
    for group in (cache_cases, export_cases, file_cases, size_cases, probe_cases, hub_cases):
        group()
    total = time.monotonic() - start
    print(
        f"{len(FAILED)} case(s) failed in {total:.0f} s"
        + (": " + ", ".join(FAILED) if FAILED else "")
    )
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
