"""``advisor recommend``: JSON contract, exit codes, human output, exports, import hygiene."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.cli import main

HW = ["--gpu", "RTX 4090", "--ram", "64"]


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["recommend", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_json_has_schema_version_first_and_the_design_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # --goal fine-tune: the user asks for a training plan, so the top pick carries one (with the
    # default goal a better model that only fits for serving may rank first).
    doc = _json(capsys, "--task", "chat", "--data", "5k", "--goal", "fine-tune", *HW)
    assert next(iter(doc)) == "schema_version"
    for key in ("request", "hardware", "strategy", "recommendations", "excluded", "warnings"):
        assert key in doc
    assert {"approach", "reasons"} <= set(doc["strategy"])
    rec = doc["recommendations"][0]
    assert rec["rank"] == 1
    assert {"id", "hf_repo", "params", "license", "task"} <= set(rec["model"])
    assert {"precision", "memory_bytes", "fits", "decode_tokens_per_s"} <= set(rec["inference"])
    ft = rec["fine_tuning"]
    assert {"method", "memory_bytes", "fits", "devices", "engine", "hours_per_epoch"} <= set(ft)
    settings = rec["settings"]
    for key in ("epochs", "learning_rate", "weight_decay", "dropout", "warmup_ratio"):
        assert key in settings
    for key in ("early_stopping_patience", "validation_fraction", "lora"):
        assert key in settings
    assert isinstance(rec["reasons"], list) and rec["reasons"]
    assert all({"model", "reason"} <= set(e) for e in doc["excluded"])


def test_data_sizes_are_read_as_people_write_them(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(capsys, "--task", "text-classification", "--data", "1.2M", *HW)
    assert doc["data"]["examples"] == 1_200_000
    hours = _json(capsys, "--task", "speech-recognition", "--data", "10", *HW)
    assert hours["data"]["unit"] == "hours"
    assert hours["data"]["examples"] > 1000 and "s per clip" in hours["data"]["conversion"]


@pytest.mark.parametrize(
    "args",
    [
        ["--task", "chatbot-9000"],
        ["--task", "chat", "--data", "-3"],
        ["--task", "chat", "--data", "lots"],
        ["--task", "translation", "--source-lang", "xx", "--target-lang", "en"],
        ["--task", "translation", "--source-lang", "en"],
        ["--task", "chat", "--license", "NoSuchLicence-1.0"],
        ["--task", "chat", "--context", "10000000"],
        ["--task", "chat", "--budget", "-5"],
    ],
)
def test_bad_requests_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert main(["recommend", *args, *HW]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("advisor: error:")


def test_nothing_fits_exits_0_with_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(capsys, "--task", "chat", "--cpu-only", "--ram", "0.5")
    assert doc["recommendations"] == []
    assert doc["excluded"] and all(e["reason"] for e in doc["excluded"])


def test_human_report_shows_table_strategy_and_why_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["recommend", "--task", "chat", "--data", "5k", *HW]) == 0
    out = capsys.readouterr().out
    assert "Strategy" in out and "Recommended for chat" in out and "Why not" in out


def test_export_writes_files_and_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "run"
    args = ["recommend", "--task", "chat", "--data", "5k", "--goal", "fine-tune", *HW]
    args += ["--export", str(target)]
    assert main(args) == 0
    written = sorted(p.name for p in target.iterdir())
    assert "serve.sh" in written and "train.py" in written
    before = (target / "serve.sh").read_text()
    capsys.readouterr()
    assert main(args) != 0
    assert "--force" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    assert (target / "serve.sh").read_text() == before


def test_export_writes_the_report_that_json_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "run"
    args = ["recommend", "--task", "chat", "--data", "5k", *HW, "--json"]
    assert main([*args, "--export", str(target)]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((target / "report.json").read_text())
    assert saved == printed
    assert next(iter(saved)) == "schema_version"


def test_json_path_imports_neither_rich_nor_the_hub(tmp_path: Path) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from advisor.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = main(['recommend', '--task', 'chat', '--gpu', 'H100', '--json'])\n"
        "bad = [m for m in ('rich', 'textual', 'huggingface_hub') if m in sys.modules]\n"
        "print(rc, bad)\n"
    )
    env = {"ADVISOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "0 []"


def test_schema_recommend_describes_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "recommend"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert next(iter(schema["properties"])) == "schema_version"
    assert {"recommendations", "excluded", "strategy"} <= set(schema["properties"])
