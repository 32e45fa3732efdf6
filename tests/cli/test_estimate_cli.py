"""``advisor estimate``: JSON contract, numbers that move the right way, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from advisor.cli import main
from advisor.errors import UnknownModelError
from advisor.estimate.config import arch_from_config, load_config
from advisor.models.arch import ModelArch

CONFIGS = Path(__file__).parents[1] / "fixtures" / "configs"
LLAMA = str(CONFIGS / "meta-llama__Llama-2-7b-hf")
GPU = ["--gpu", "RTX 4090"]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["estimate", *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_json_document_has_the_stable_keys(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, LLAMA, *GPU)
    assert next(iter(doc)) == "schema_version"
    breakdown = doc["memory"]["breakdown"]
    for key in ("weights", "kv_cache", "activations", "gradients", "optimizer", "overhead"):
        assert isinstance(breakdown[f"{key}_bytes"], int)
    assert doc["memory"]["total_bytes"] >= sum(
        breakdown[f"{k}_bytes"]
        for k in ("weights", "kv_cache", "activations", "gradients", "optimizer")
    )
    assert doc["model"]["params"] == 6_738_415_616
    assert set(doc["throughput"]) >= {
        "decode_tokens_per_s",
        "prefill_tokens_per_s",
        "train_tokens_per_s",
    }
    assert doc["fits"] is True  # 7B in bf16 fits a 24 GiB card at batch 1
    assert isinstance(doc["assumptions"], list)


def test_weights_are_about_two_bytes_per_param_in_bf16(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, LLAMA, "--cpu-only")
    weights = doc["memory"]["breakdown"]["weights_bytes"]
    assert 0.98 * 2 * 6_738_415_616 <= weights <= 1.02 * 2 * 6_738_415_616
    assert doc["fits"] is None  # nothing to judge against


def test_training_needs_more_than_inference(capsys: pytest.CaptureFixture[str]) -> None:
    inference = run_json(capsys, LLAMA, "--cpu-only")
    training = run_json(capsys, LLAMA, "--cpu-only", "--mode", "training")
    assert training["memory"]["total_bytes"] > inference["memory"]["total_bytes"]
    assert training["memory"]["breakdown"]["optimizer_bytes"] > 0


def test_lora_needs_less_than_full_and_qlora_less_than_lora(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = [LLAMA, "--cpu-only", "--mode", "training", "--gradient-checkpointing"]
    full = run_json(capsys, *base, "--method", "full")
    lora = run_json(capsys, *base, "--method", "lora")
    qlora = run_json(capsys, *base, "--method", "qlora")
    assert lora["memory"]["total_bytes"] < full["memory"]["total_bytes"]
    assert qlora["memory"]["total_bytes"] < lora["memory"]["total_bytes"]
    assert qlora["setup"]["precision"] == "nf4"  # qlora's default base


def test_lora_rank_and_targets_change_trainable_params(capsys: pytest.CaptureFixture[str]) -> None:
    base = [LLAMA, "--cpu-only", "--mode", "training", "--method", "lora"]
    qv = run_json(capsys, *base, "--lora-rank", "8", "--lora-targets", "q_proj,v_proj")
    # PEFT reports 4,194,304 trainable parameters for this set-up.
    assert qv["model"]["trainable_params"] == 4_194_304
    wide = run_json(capsys, *base, "--lora-rank", "64")
    assert wide["model"]["trainable_params"] > qv["model"]["trainable_params"]


def test_longer_sequences_and_bigger_batches_need_more_kv_cache(
    capsys: pytest.CaptureFixture[str],
) -> None:
    short = run_json(capsys, LLAMA, "--cpu-only", "--seq", "512")
    long = run_json(capsys, LLAMA, "--cpu-only", "--seq", "4096", "--batch", "4")
    kv = "kv_cache_bytes"
    assert long["memory"]["breakdown"][kv] > 4 * short["memory"]["breakdown"][kv]


def test_quantised_weights_are_smaller(capsys: pytest.CaptureFixture[str]) -> None:
    bf16 = run_json(capsys, LLAMA, "--cpu-only")
    q4 = run_json(capsys, LLAMA, "--cpu-only", "--precision", "GGUF-Q4_K_M")
    w = "weights_bytes"
    assert q4["memory"]["breakdown"][w] < 0.4 * bf16["memory"]["breakdown"][w]
    assert q4["setup"]["precision"] == "gguf-q4_k_m"


def test_zero3_shards_training_state_over_gpus(capsys: pytest.CaptureFixture[str]) -> None:
    base = [LLAMA, "--cpu-only", "--mode", "training"]
    one = run_json(capsys, *base)
    eight = run_json(capsys, *base, "--gpus", "8", "--zero", "3")
    assert eight["memory"]["devices"] == 8
    assert eight["memory"]["total_bytes"] < one["memory"]["total_bytes"]


def test_folder_and_file_give_the_same_answer(capsys: pytest.CaptureFixture[str]) -> None:
    by_folder = run_json(capsys, LLAMA, "--cpu-only")
    by_file = run_json(capsys, LLAMA + "/config.json", "--cpu-only")
    assert by_folder["memory"] == by_file["memory"]


def test_encoder_decoder_and_moe_configs_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    t5 = run_json(capsys, str(CONFIGS / "google-t5__t5-base"), "--cpu-only")
    assert t5["model"]["arch_type"] == "encoder-decoder"
    mixtral = run_json(capsys, str(CONFIGS / "mistralai__Mixtral-8x7B-v0.1"), "--cpu-only")
    assert mixtral["model"]["params_active"] < mixtral["model"]["params"]


def test_human_output_shows_the_breakdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", LLAMA, *GPU]) == 0
    out = capsys.readouterr().out
    for word in ("weights", "KV cache", "overhead", "total", "fits", "GiB"):
        assert word in out


def _bad(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["estimate", *args])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_missing_config_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    line = _bad(capsys, str(tmp_path / "nothing" / "config.json"), "--cpu-only")
    assert "no such file" in line


def test_malformed_config_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{ nope")
    assert "not valid JSON" in _bad(capsys, str(tmp_path), "--cpu-only")
    (tmp_path / "config.json").write_text('{"model_type": "llama", "hidden_size": 4096}')
    line = _bad(capsys, str(tmp_path), "--cpu-only")
    assert "num_hidden_layers" in line and "config.json" in line


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--precision", "fp7"], "unknown precision"),
        (["--seq", "0"], "--seq"),
        (["--batch", "0"], "--batch"),
        (["--batch", "-2"], "negative"),
        (["--zero", "3"], "inference"),
        (["--mode", "training", "--method", "qlora", "--precision", "bf16"], "4-bit"),
        (["--mode", "training", "--method", "lora", "--lora-targets", "nonsense"], "LoRA targets"),
        (["--mode", "training", "--zero", "2", "--fsdp"], "--fsdp"),
        (["--mode", "serve"], "--mode"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], flags: list[str], words: str
) -> None:
    assert words in _bad(capsys, LLAMA, "--cpu-only", *flags)


class _Spec:
    """Stands in for a catalog ModelSpec: an id and its architecture."""

    id = "tiny-llama"

    def arch(self) -> ModelArch:
        return arch_from_config(load_config(CONFIGS / "meta-llama__Llama-2-7b-hf"))


class _Catalog:
    def find(self, model_id: str) -> _Spec | None:
        return _Spec() if model_id == "tiny-llama" else None

    def by_repo(self, repo: str) -> _Spec | None:
        return _Spec() if repo == "meta-llama/Llama-2-7b-hf" else None

    def get(self, model_id: str) -> _Spec:
        raise UnknownModelError(f"no catalog model {model_id!r}", "run `advisor catalog list`")


@pytest.fixture
def fake_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    import advisor.catalog

    monkeypatch.setattr(advisor.catalog, "load_catalog", lambda *a, **k: _Catalog())


@pytest.mark.usefixtures("fake_catalog")
def test_catalog_id_and_known_repo_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    by_id = run_json(capsys, "tiny-llama", "--cpu-only")
    assert by_id["model"]["id"] == "tiny-llama"
    by_repo = run_json(capsys, "meta-llama/Llama-2-7b-hf", "--cpu-only")
    assert by_repo["model"]["params"] == by_id["model"]["params"] == 6_738_415_616


@pytest.mark.usefixtures("fake_catalog")
def test_unknown_repo_id_offline_is_one_line_runtime_failure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Tests run with HF_HUB_OFFLINE=1: a repo id nobody cached is a runtime failure (exit 1)
    # that says what to do, while a bare unknown id is a usage error (exit 2).
    code = main(["estimate", "some-org/not-in-catalog", "--cpu-only"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "offline mode is on" in err
    assert "no catalog model" in _bad(capsys, "no-such-model", "--cpu-only")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--mode", "training", "--zero", "3", "--gpus", "16", "--gpu", "8x H100"], "the 8"),
        (["--mode", "training", "--fsdp", "--gpus", "4", "--gpu", "2x A100"], "FSDP"),
        (["--mode", "training", "--zero", "2", "--gpus", "1000000"], "131072"),
        (["--gpus", "3", "--gpu", "4x A100"], "attention heads"),
    ],
)
def test_more_gpus_than_can_be_used_is_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    config = CONFIGS / "meta-llama__Llama-2-7b-hf" / "config.json"
    assert needle in _bad(capsys, str(config), *args)
