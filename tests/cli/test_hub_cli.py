"""Hub commands end to end: `advisor estimate ORG/NAME` and `advisor catalog add ORG/NAME`
against a local fake Hub (tests/hub/fakehub.py); each failure is one line and exit 1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.cli import main
from advisor.paths import advisor_home, user_catalog_dir
from tests.hub.fakehub import FakeHub
from tests.hub.fixtures import fill_hf_cache, serve
from tests.hub.models import (
    BROKEN_REPO,
    GATED_REPO,
    GGUF_PARAMS,
    GGUF_REPO,
    QWEN_PARAMS,
    QWEN_REPO,
    SCORED_PARAMS,
    SCORED_REPO,
)

SECRET = "hf_secret_never_shown_0123456789"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with serve(monkeypatch) as fake:
        yield fake


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_estimate_of_a_model_known_only_to_the_hub(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(capsys, "estimate", QWEN_REPO, "--cpu-only")
    assert abs(doc["model"]["params"] - QWEN_PARAMS) <= 0.01 * QWEN_PARAMS
    weights = doc["memory"]["breakdown"]["weights_bytes"]
    assert 0.98 * 2 * QWEN_PARAMS <= weights <= 1.05 * 2 * QWEN_PARAMS  # bf16 by default
    assert any(hub.url in line for line in doc["assumptions"])


def test_estimate_of_a_gguf_repo_uses_its_parameter_count(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(capsys, "estimate", GGUF_REPO, "--cpu-only", "--precision", "gguf-q4_k_m")
    assert doc["model"]["params"] == GGUF_PARAMS


def test_repeated_estimates_ask_the_hub_once(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_json(capsys, "estimate", QWEN_REPO, "--cpu-only")
    asked = len(hub.requests)
    second = run_json(capsys, "estimate", QWEN_REPO, "--cpu-only")
    assert len(hub.requests) == asked
    assert second["memory"] == first["memory"]


@pytest.mark.parametrize(
    ("args", "setup", "expected"),
    [
        ([GATED_REPO], None, "accept the licence"),
        (["nobody/no-such-model"], None, "check the name"),
        ([QWEN_REPO, "--revision", "nope"], None, "has no revision 'nope'"),
        ([QWEN_REPO], "rate_limited", "rate-limiting"),
        ([BROKEN_REPO], None, "config.json is not valid JSON"),
        ([QWEN_REPO], "stopped", "cannot reach the Hub"),
        ([QWEN_REPO], "offline", "offline mode is on"),
    ],
    ids=["gated", "missing-repo", "missing-revision", "rate-limit", "malformed", "down", "offline"],
)
@pytest.mark.parametrize("command", [["estimate"], ["catalog", "add"]], ids=["estimate", "add"])
def test_each_failure_is_one_clear_line(
    hub: FakeHub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    args: list[str],
    setup: str | None,
    expected: str,
) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    if setup == "rate_limited":
        hub.rate_limited = True
    elif setup == "stopped":
        hub.stop()
    elif setup == "offline":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, out, err = run(capsys, *command, *args)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("advisor: error:") and expected in lines[0]
    assert "Traceback" not in err and SECRET not in err


def test_the_token_is_never_printed_or_stored(
    hub: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.repos[GATED_REPO].allowed_tokens.add(SECRET)
    monkeypatch.setenv("HF_TOKEN", SECRET)
    code, out, err = run(capsys, "estimate", GATED_REPO, "--cpu-only")
    assert code == 0, err
    code, out2, err2 = run(capsys, "catalog", "add", GATED_REPO, "--json")
    assert code == 0, err2
    assert SECRET not in out + err + out2 + err2
    for path in advisor_home().rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_catalog_add_writes_a_validated_user_record(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "catalog", "add", QWEN_REPO)
    assert code == 0, err
    files = list(user_catalog_dir().glob("*.toml"))
    assert len(files) == 1 and str(files[0]) in out
    shown = run_json(capsys, "catalog", "show", "qwen2.5-0.5b")
    assert shown["hf_repo"] == QWEN_REPO
    assert shown["params"] == QWEN_PARAMS
    assert shown["license"] == "Apache-2.0" and shown["commercial_use"] is True
    assert shown["tasks"] == ["text-generation"] and shown["languages"] == ["en"]
    assert shown["native_dtype"] == "bf16" and shown["context_length"] == 32768
    assert hub.url in shown["source"]
    assert shown["config"]["num_hidden_layers"] == 24
    code, _, err = run(capsys, "catalog", "validate", str(files[0]))
    assert code == 0, err
    # The added model is now a catalog model: estimates need no Hub.
    hub.stop()
    doc = run_json(capsys, "estimate", "qwen2.5-0.5b", "--cpu-only")
    assert abs(doc["model"]["params"] - QWEN_PARAMS) <= 0.01 * QWEN_PARAMS


def test_catalog_add_imports_the_cards_model_index_scores(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stand-in's card states openai/whisper-medium's model-index: LibriSpeech clean and
    other test WER 2.9 and 5.9, Common Voice 11.0 Hindi test WER 53.87."""
    code, _, err = run(capsys, "catalog", "add", SCORED_REPO)
    assert code == 0, err
    record = next(user_catalog_dir().glob("*.toml"))
    assert record.read_text().count("[[models.quality]]") == 3
    code, _, err = run(capsys, "catalog", "validate", str(record))
    assert code == 0, err
    shown = run_json(capsys, "catalog", "show", "wav2vec2-with-card-scores")
    assert shown["params"] == SCORED_PARAMS and shown["tasks"] == ["speech-recognition"]
    got = [
        (q["metric"], q["value"], q.get("test_set"), q.get("language")) for q in shown["quality"]
    ]
    assert got == [
        ("wer", 2.9, "librispeech-test-clean", None),
        ("wer", 5.9, "librispeech-test-other", None),
        ("wer", 53.87, None, "hi"),
    ]
    card = f"{hub.url}/{SCORED_REPO}/blob/{'7' * 40}/README.md"
    assert all(q["source"] == card for q in shown["quality"])
    assert all("from the card's model-index" in q["benchmark"] for q in shown["quality"])
    # the recommender ranks it by the imported score (the LibriSpeech clean WER)
    doc = run_json(capsys, "recommend", "--task", "speech-recognition", "--cpu-only", "--top", "50")
    row = next(r for r in doc["recommendations"] if r["model"]["id"] == "wav2vec2-with-card-scores")
    assert row["model"]["reviewed"] is True  # `catalog add` is the user's own choice
    assert (row["quality"]["metric"], row["quality"]["value"]) == ("wer", 2.9)
    assert row["quality"]["scored"] is True


def test_catalog_add_never_overwrites_without_force(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "catalog", "add", QWEN_REPO)[0] == 0
    record = next(user_catalog_dir().glob("*.toml"))
    record.write_text(record.read_text().replace('name = "Qwen2.5-0.5B"', 'name = "Mine"'))
    code, out, err = run(capsys, "catalog", "add", QWEN_REPO)
    assert code == 1 and "--force" in err and out == ""
    assert 'name = "Mine"' in record.read_text()
    code, _, err = run(capsys, "catalog", "add", QWEN_REPO, "--force")
    assert code == 0, err
    assert 'name = "Mine"' not in record.read_text()


def test_catalog_add_of_a_gguf_repo(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "catalog", "add", GGUF_REPO)
    assert doc["params"] == GGUF_PARAMS
    assert doc["license"] == "LicenseRef-Llama-3.2" and doc["commercial_use"] is True
    assert doc["languages"] == ["en", "de", "fr"]
    assert doc["context_length"] == 131072


def test_estimate_reads_a_cached_model_without_the_network(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fill_hf_cache(monkeypatch, tmp_path)  # HF_HUB_OFFLINE=1 (tests/conftest.py), no server
    doc = run_json(capsys, "estimate", QWEN_REPO, "--cpu-only")
    assert abs(doc["model"]["params"] - QWEN_PARAMS) <= 0.01 * QWEN_PARAMS


def test_commands_without_a_hub_lookup_do_not_import_huggingface_hub() -> None:
    code = (
        "import io, contextlib, sys\n"
        "from advisor.cli import main\n"
        "import advisor.hub\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        "    main(['recommend', '--json'])\n"
        "    main(['catalog', 'list', '--json'])\n"
        "    main(['estimate', 'llama-3.1-8b-instruct', '--cpu-only', '--json'])\n"
        "    advisor.hub.local_models()\n"
        "print('huggingface_hub' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_catalog_add_timeout_flag_bounds_the_look_up(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    hub.hang = ("config.json",)
    start = time.monotonic()
    code, out, err = run(capsys, "catalog", "add", QWEN_REPO, "--timeout", "0.4")
    assert code == 1 and out == ""
    assert time.monotonic() - start < 1.5
    assert err.strip().splitlines() == [
        f"advisor: error: the Hub at {hub.url} did not answer for {QWEN_REPO} within the "
        "0.4 s deadline (retry later, or allow more time with --timeout or ADVISOR_HUB_DEADLINE)"
    ]


@pytest.mark.parametrize("value", ["0", "-3", "soon", "inf"])
def test_catalog_add_rejects_a_bad_timeout(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, out, err = run(capsys, "catalog", "add", QWEN_REPO, f"--timeout={value}")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "is not a number of seconds" in err


def test_a_record_too_large_for_the_overlay_is_refused(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.hub.fakehub import FakeFile, FakeRepo
    from tests.hub.models import TINY_CONFIG, decoder_tensors, safetensors_file

    config = {**TINY_CONFIG, "pad": ["x" * 1000] * 2000}  # 2 MB: under the read cap of 4 MiB
    hub.add(FakeRepo("evil/fat-config", {
        "config.json": FakeFile(json.dumps(config).encode()),
        "model.safetensors": safetensors_file(decoder_tensors(TINY_CONFIG), "F32"),
    }, info={"pipeline_tag": "text-generation"}))  # fmt: skip
    code, _out, err = run(capsys, "catalog", "add", "evil/fat-config")
    assert code == 1
    assert "more than the 1,024 KiB advisor writes into your catalog" in err
    assert not list(user_catalog_dir().glob("*.toml"))


def test_label_maps_are_shrunk_to_fit_the_overlay(
    hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.hub.fakehub import FakeFile, FakeRepo
    from tests.hub.models import TINY_CONFIG, decoder_tensors, safetensors_file

    labels = {str(i): f"a rather long class name number {i}" for i in range(21843)}
    config = {**TINY_CONFIG, "id2label": labels, "label2id": {v: k for k, v in labels.items()}}
    hub.add(FakeRepo("example-org/many-labels", {
        "config.json": FakeFile(json.dumps(config).encode()),
        "model.safetensors": safetensors_file(decoder_tensors(TINY_CONFIG), "F32"),
    }, info={"pipeline_tag": "text-generation"}))  # fmt: skip
    code, _out, err = run(capsys, "catalog", "add", "example-org/many-labels")
    assert code == 0, err
    [record] = user_catalog_dir().glob("*.toml")
    assert record.stat().st_size < 64 << 10
    assert "num_labels = 21843" in record.read_text()
