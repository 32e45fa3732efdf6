"""Start-up shortcuts of the CLI (issue 5) change nothing a user or a script can see.

The CLI registers only the chosen command's parser, tunes the garbage collector and reads the
catalog, GPU and policy records from a cache. These tests hold the output to what the library's
own serialisation gives, and check that a ``--json`` run loads none of what it does not need
(pydantic included: records are validated when the caches are built, not on a warm start).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from advisor.cli import COMMANDS, build_parser, main
from advisor.cli.recommend_cmd import build_request
from advisor.models.documents import document_json
from advisor.models.hardware import CpuInfo, HardwareProfile
from advisor.recommend import recommend
from advisor.whatif import WhatIf, apply_whatif

HOST = HardwareProfile(
    cpu=CpuInfo(name="Test CPU", cores=8, logical_cores=16, arch="x86_64"),
    ram_bytes=64 * 2**30,
    ram_total_bytes=64 * 2**30,
    ram_available_bytes=48 * 2**30,
    disk_free_bytes=500 * 10**9,
    os="Linux test",
)
"""A fixed host, so the CLI and the library see the same machine."""

REQUESTS = [
    shlex.split(line)
    for line in (
        '--task chat --data 5k --gpu "RTX 4090"',
        '--task chat --data 50k --gpu "8x H100" --goal fine-tune --top 8',
        "--task translation --source-lang sw --target-lang yo --cpu-only --ram 8",
        '--task text-classification --data 1.2M --license commercial --gpu "A100 40GB"',
        "--task speech-recognition --data 20 --data-unit hours --budget 100 --gpu L4",
        "--task chat --min-tokens-per-s 30 --goal serve --vram 12",
    )
]


def _library_json(args: list[str]) -> str:
    """The document of the report the library gives for these flags."""
    ns = build_parser().parse_args(["recommend", *args, "--json"])
    whatif = WhatIf(
        gpus=list(ns.gpu),
        gpu_count=ns.gpu_count,
        vram_gib=ns.vram,
        ram_gib=ns.ram,
        cpu_only=ns.cpu_only,
    )
    request = build_request(ns)
    report = recommend(request, apply_whatif(whatif, HOST)).trimmed(request.top)
    return document_json(report) + "\n"


@pytest.mark.parametrize("args", REQUESTS, ids=lambda a: " ".join(a[:2]))
def test_recommend_json_is_the_reports_own_serialisation(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("advisor.hardware.detect", lambda **_: HOST)
    assert main(["recommend", *args, "--json"]) == 0
    printed = capsys.readouterr().out
    assert printed == _library_json(args)
    assert json.loads(printed)["recommendations"] or "--min-tokens-per-s" in args


def _without_live_facts(doc: dict[str, Any]) -> dict[str, Any]:
    """The document minus what this machine measures anew at each run."""
    hardware = dict(doc["hardware"])
    for key in ("disk_free_bytes", "ram_available_bytes"):
        hardware.pop(key, None)
    return {**doc, "hardware": hardware}


def _console(argv: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """``python -m advisor ARGV`` as a user runs it (the console entry point)."""
    env = {"ADVISOR_HOME": str(home), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "advisor", *argv], capture_output=True, text=True, env=env
    )


def test_console_entry_point_prints_what_the_library_reports(tmp_path: Path) -> None:
    args = shlex.split("--task translation --source-lang sw --target-lang yo --cpu-only --ram 8")
    first = _console(["recommend", *args, "--json"], tmp_path)  # fills the caches
    again = _console(["recommend", *args, "--json"], tmp_path)  # reads them
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    cached = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert [n for n in cached if n.startswith("toml-")], "the policy files were not cached"
    assert "catalog.json" in cached and not [n for n in cached if n.endswith(".pickle")]
    ns = build_parser().parse_args(["recommend", *args, "--json"])
    from advisor.hardware import detect

    host = apply_whatif(WhatIf(cpu_only=True, ram_gib=8), detect(gpus=False))
    request = build_request(ns)
    expected = json.loads(document_json(recommend(request, host).trimmed(request.top)))
    for run in (first, again):
        assert _without_live_facts(json.loads(run.stdout)) == _without_live_facts(expected)


def test_a_json_run_loads_only_what_it_needs(tmp_path: Path) -> None:
    code = (
        "import io, contextlib, json, sys\n"
        "sys.argv = ['advisor', 'recommend', '--task', 'chat', '--gpu', 'H100', '--json']\n"
        "from advisor.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        run()\n"
        "    except SystemExit as exc:\n"
        "        code = exc.code\n"
        "print(code, json.dumps(sorted(sys.modules)))\n"
    )
    env = {"ADVISOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    for _ in range(2):  # the second run starts with warm caches
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
    status, modules = out.stdout.split(" ", 1)
    loaded = set(json.loads(modules))
    assert status == "0"
    unwanted = {"rich", "textual", "huggingface_hub", "psutil", "tomllib", "importlib.metadata"}
    unwanted |= {"pydantic", "pydantic_core", "advisor.models.validation"}
    unwanted |= {f"advisor.cli.{name}_cmd" for name in COMMANDS if name != "recommend"}
    unwanted |= {"advisor.hardware.nvidia", "advisor.hardware.amd", "advisor.hardware.apple"}
    assert sorted(loaded & unwanted) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["recommend", "--task", "chat", "--gpu", "2x RTX 4090", "--data", "5k", "--json"],
        shlex.split("--debug recommend --task translation --source-lang en --target-lang sw"),
        ["hardware", "--gpu", "H100", "--json"],
        ["estimate", "llama-3.1-8b-instruct", "--mode", "training", "--gpu", "4090"],
        ["catalog", "list", "--task", "chat"],
        ["gpus", "--json"],
    ],
)
def test_one_command_parser_reads_argv_as_the_full_parser_does(argv: list[str]) -> None:
    command = next(a for a in argv if not a.startswith("-"))
    full = build_parser().parse_args(argv)
    only = build_parser(only=command).parse_args(argv)
    assert vars(only) == vars(full)


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s+\S", listing, flags=re.M), f"{name} missing from --help"
    assert main(["recommend", "--help"]) == 0
    assert "--source-lang" in capsys.readouterr().out


def test_misplaced_words_are_still_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "--task", "chat", "--json", "estimate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("advisor: error:") and "estimate" in err and err.count("\n") == 1


def test_only_the_chosen_command_gets_a_real_parser() -> None:
    """The others are bare placeholders under the same names, in the same order."""
    sub = next(
        a
        for a in build_parser(only="recommend")._actions
        if isinstance(a, argparse._SubParsersAction)
    )
    assert list(sub.choices) == list(COMMANDS)
    registered = [name for name, p in sub.choices.items() if len(p._actions) > 1]
    assert registered == ["recommend"]
