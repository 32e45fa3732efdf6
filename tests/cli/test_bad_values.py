"""Absurd sizes, over-long names and near-miss ids are usage errors (exit 2, one line naming the
flag and the range), and the one-record documents have schemas of their own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.cli import main
from advisor.models.catalog import ModelRecord, ModelSpec, repo_id_problem
from advisor.models.documents import document_schema
from advisor.models.validation import document_model
from tests.hub.fakehub import FakeHub
from tests.hub.fixtures import serve
from tests.hub.models import QWEN_REPO

LONG = "a" * 256


def _fails_with(capsys: pytest.CaptureFixture[str], argv: list[str], *words: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, err
    assert out == ""
    assert len(lines) == 1 and lines[0].startswith("advisor: error: "), err
    assert "internal error" not in err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("flag", "value", "range_text"),
    [
        ("--vram", "1e-12", "0.001 to 16384 GiB"),
        ("--vram", "1e300", "0.001 to 16384 GiB"),
        ("--vram", "20000", "0.001 to 16384 GiB"),
        ("--ram", "1e300", "0.001 to 1048576 GiB"),
        ("--ram", "0.0000001", "0.001 to 1048576 GiB"),
        ("--vram", "nan", "positive size"),
        ("--vram", "inf", "positive size"),
        ("--ram", "-1", "positive size"),
        ("--gpu-count", "99999999999", "1 to 131072"),
        ("--gpu-count", "0", "1 to 131072"),
    ],
)
@pytest.mark.parametrize("command", [["hardware"], ["estimate", "llama-3.1-8b-instruct"]])
def test_absurd_hardware_sizes_are_usage_errors(
    capsys: pytest.CaptureFixture[str], command: list[str], flag: str, value: str, range_text: str
) -> None:
    _fails_with(capsys, [*command, flag, value], f"argument {flag}:", range_text)


def test_sizes_at_the_edges_of_the_range_are_planned_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["hardware", "--json", "--vram", "16384", "--ram", "0.001"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["gpus"][0]["memory_bytes"] == 16 * 1024**4
    assert doc["ram_bytes"] == round(0.001 * 1024**3)


def test_the_library_what_if_checks_the_same_range() -> None:
    from advisor.errors import InvalidValueError
    from advisor.models.hardware import HardwareProfile
    from advisor.whatif import WhatIf, apply_whatif

    with pytest.raises(InvalidValueError, match=r"--ram must be 0\.001 to 1048576 GiB"):
        apply_whatif(WhatIf(ram_gib=1e300), HardwareProfile())


@pytest.mark.parametrize(
    ("model", "words"),
    [
        (LONG, ["MODEL", "255 bytes"]),
        ("org/" + LONG, ["MODEL", "96"]),
        ("nul\x00byte", ["nul"]),
        ("Qwen/Qwen2.5-0.5B\n", ["MODEL", "owner/name"]),
        ("owner/na--me", ["MODEL", "'--'"]),
    ],
)
def test_unusable_model_names_are_usage_errors(
    capsys: pytest.CaptureFixture[str], model: str, words: list[str]
) -> None:
    line = _fails_with(capsys, ["estimate", model, "--cpu-only"], *words)
    assert len(line) < 400  # the name is shortened, not echoed whole


@pytest.mark.parametrize("repo", ["org/" + LONG, "Qwen/Qwen2.5-0.5B\n", "a/b/c", "org./name"])
def test_catalog_add_refuses_what_is_not_a_repo_id(
    capsys: pytest.CaptureFixture[str], repo: str
) -> None:
    _fails_with(capsys, ["catalog", "add", repo], "not a Hub repo id")


@pytest.mark.parametrize("targets", [",,,", " , ", ""])
def test_lora_targets_naming_nothing_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], targets: str
) -> None:
    argv = ["estimate", "llama-3.1-8b-instruct", "--mode", "training", "--method", "lora"]
    _fails_with(capsys, [*argv, "--lora-targets", targets, "--cpu-only"], "--lora-targets")


def _record(**changes: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "tiny-model",
        "hf_repo": "owner/tiny-model",
        "name": "Tiny",
        "family": "tiny",
        "tasks": ["chat"],
        "architecture": "decoder",
        "license": "apache-2.0",
        "source": "https://example.org/card",
    }
    record.update(changes)
    return record


def test_record_id_and_repo_patterns_do_not_accept_a_trailing_newline() -> None:
    ModelRecord(**_record())  # the unchanged record is fine
    with pytest.raises(ValueError, match="lowercase letters"):
        ModelRecord(**_record(id="tiny-model\n"))
    with pytest.raises(ValueError, match="Hugging Face repo id"):
        ModelRecord(**_record(hf_repo="owner/tiny-model\n"))


@pytest.mark.parametrize(
    "repo", ["Qwen/Qwen2.5-0.5B", "meta-llama/Llama-3.1-8B", "a/b", "x_y/z.gguf"]
)
def test_real_repo_ids_are_accepted(repo: str) -> None:
    assert repo_id_problem(repo) is None


@pytest.mark.parametrize(
    "repo", ["a/b\n", "a", "a/", "/b", "a/b/c", "ä/b", "a/" + "b" * 97, "a/b..c", "a/b-"]
)
def test_near_miss_repo_ids_are_refused(repo: str) -> None:
    assert repo_id_problem(repo) is not None


@pytest.mark.parametrize("name", ["catalog-show", "catalog-add"])
def test_one_record_documents_have_a_schema(capsys: pytest.CaptureFixture[str], name: str) -> None:
    assert main(["schema", name]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == document_schema(ModelSpec)
    assert {"id", "hf_repo", "params", "origin", "schema_version"} <= set(schema["properties"])


def test_catalog_show_json_validates_against_its_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalog", "show", "llama-3.1-8b-instruct", "--json"]) == 0
    text = capsys.readouterr().out
    document_model(ModelSpec).model_validate_json(text)  # extra keys are refused
    assert set(json.loads(text)) <= set(document_schema(ModelSpec)["properties"])


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with serve(monkeypatch) as fake:
        yield fake


@pytest.mark.usefixtures("hub")
def test_catalog_add_json_validates_against_its_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalog", "add", QWEN_REPO, "--json"]) == 0
    text = capsys.readouterr().out
    document_model(ModelSpec).model_validate_json(text)
    assert set(json.loads(text)) <= set(document_schema(ModelSpec)["properties"])


CONFIGS = Path(__file__).resolve().parents[1] / "fixtures" / "configs"


@pytest.mark.parametrize(
    ("model", "change", "words"),
    [
        ("Qwen__Qwen3-8B", {"num_key_value_heads": -182}, ["'num_key_value_heads'", "negative"]),
        ("Qwen__Qwen3-8B", {"intermediate_size": 2**70}, ["'intermediate_size'", "large"]),
        ("Qwen__Qwen3-30B-A3B", {"mlp_only_layers": "abc"}, ["'mlp_only_layers'"]),
        ("Qwen__Qwen3-8B", {"architectures": True}, ["'architectures'"]),
        ("facebook__wav2vec2-base-960h", {"mask_time_prob": "high"}, ["'mask_time_prob'"]),
        ("facebook__wav2vec2-base-960h", {"conv_dim": [512, -4]}, ["'conv_dim'"]),
    ],
)
def test_impossible_config_values_name_the_key(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    model: str,
    change: dict[str, object],
    words: list[str],
) -> None:
    # Real config.json files (tests/fixtures/configs/SOURCE.txt) with one value made impossible;
    # each was an internal error (RecordError, TypeError, OverflowError) found by test_fuzz.py.
    config = json.loads((CONFIGS / model / "config.json").read_text(encoding="utf-8"))
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**config, **change}), encoding="utf-8")
    _fails_with(capsys, ["estimate", str(path), "--cpu-only"], "config.json", *words)


def test_deberta_minus_one_sentinel_is_still_read(capsys: pytest.CaptureFixture[str]) -> None:
    config = CONFIGS / "microsoft__deberta-v3-base" / "config.json"
    assert '"max_relative_positions": -1' in config.read_text(encoding="utf-8")
    assert main(["estimate", str(config), "--cpu-only", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["memory"]["total_bytes"] > 0


def test_a_five_thousand_digit_gpu_count_is_a_usage_error_on_one_short_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = _fails_with(capsys, ["hardware", "--gpu", "9" * 5000 + "x H100"], "must be 1 to 131072")
    assert len(line) < 600


def test_control_characters_in_what_the_user_typed_are_shown_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = _fails_with(capsys, ["hardware", "stray\rword\x1b[2J"], "unrecognized arguments")
    assert "stray\\rword\\x1b[2J" in line


def test_catalog_validate_with_problems_ends_with_one_error_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    faulty = Path(__file__).resolve().parents[1] / "fixtures" / "catalog" / "faults"
    assert main(["catalog", "validate", str(faulty / "unknown-licence.toml")]) == 1
    out, err = capsys.readouterr()
    assert "odd-licence: license:" in out  # the problems, one a line, on stdout
    assert err == "advisor: error: catalog has 1 problem(s), listed above\n"
