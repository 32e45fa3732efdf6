"""`advisor catalog refresh` against the fake Hub, with the real huggingface_hub client: what it
lists, what it skips and why, what it writes, and that a second run changes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from advisor.cli import main
from advisor.hub.refresh import derivative
from advisor.paths import user_catalog_dir
from tests.hub.fakehub import FakeFile, FakeHub, FakeRepo
from tests.hub.models import (
    BROKEN_REPO,
    GATED_REPO,
    GGUF_REPO,
    MISTRAL_REPO,
    QWEN_PARAMS,
    QWEN_REPO,
    SCORED_REPO,
    TINY_CONFIG,
    decoder_tensors,
    safetensors_file,
)

BIN_ONLY = "example-org/bin-only"
LORA = "example-org/qwen-lora"
QUANT = "example-org/qwen-int-copy"
TINY = "example-org/tiny-chat"


def _tiny(**info: Any) -> dict[str, FakeFile]:
    return {
        "config.json": FakeFile(json.dumps(TINY_CONFIG).encode()),
        "model.safetensors": safetensors_file(decoder_tensors(TINY_CONFIG), "F32"),
    }


@pytest.fixture
def listing(fake_hub: FakeHub) -> FakeHub:
    """A text-generation listing with one of each kind of repo refresh meets."""
    gen = {"pipeline_tag": "text-generation"}
    fake_hub.add(FakeRepo(TINY, _tiny(), info={**gen, "downloads": 900,
        "cardData": {"license": "apache-2.0", "language": ["en"]}}))  # fmt: skip
    fake_hub.add(FakeRepo(BIN_ONLY, {
        "config.json": FakeFile(json.dumps(TINY_CONFIG).encode()),
        "pytorch_model.bin": FakeFile(b"PK", size=4_000_000),
    }, info={**gen, "downloads": 800}))  # fmt: skip
    fake_hub.add(FakeRepo(LORA, {"adapter_config.json": FakeFile(b"{}")}, info={
        **gen, "downloads": 700, "library_name": "peft",
        "tags": ["peft", f"base_model:adapter:{QWEN_REPO}"]}))  # fmt: skip
    fake_hub.add(FakeRepo(QUANT, _tiny(), info={**gen, "downloads": 600,
        "tags": [f"base_model:quantized:{QWEN_REPO}"]}))  # fmt: skip
    fake_hub.repos[GGUF_REPO].info["downloads"] = 500
    fake_hub.repos[GATED_REPO].info["downloads"] = 400
    fake_hub.repos[BROKEN_REPO].info["downloads"] = 300
    fake_hub.repos[MISTRAL_REPO].info["downloads"] = 200
    return fake_hub


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["catalog", "refresh", *args])
    out, err = capsys.readouterr()
    return code, out, err


def refresh_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, "--task", "text-generation", "--json", *args)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def by_repo(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["repo_id"]: o for o in doc["outcomes"]}


def test_a_refresh_adds_real_candidates_and_says_why_it_skips_the_rest(
    listing: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    doc = refresh_json(capsys)
    seen = by_repo(doc)
    assert doc["listed"] == 9 and doc["schema_version"]
    assert [o["repo_id"] for o in doc["outcomes"]][:2] == [QWEN_REPO, TINY]  # by downloads
    assert seen[QWEN_REPO]["action"] == "added" and seen[TINY]["action"] == "added"
    reasons = {repo: seen[repo]["reason"] for repo in seen if seen[repo]["action"] == "skipped"}
    assert "cannot size it" in reasons[BIN_ONLY]
    assert reasons[LORA].startswith(f"an adapter of {QWEN_REPO}")
    assert reasons[QUANT].startswith(f"a quantised copy of {QWEN_REPO}")
    assert reasons[GGUF_REPO].startswith("a quantised copy (GGUF)")
    assert reasons[GATED_REPO].startswith("gated")
    assert "config.json is not valid JSON" in reasons[BROKEN_REPO]
    assert seen[MISTRAL_REPO]["action"] == "present"  # shipped: de-duplicated by hf_repo
    assert "already in the shipped catalog as" in seen[MISTRAL_REPO]["reason"]
    # Gated, quantised and adapter repos are skipped from the listing alone: no reads.
    asked = {r.path.split("/resolve/")[0].removeprefix("/api/models/").strip("/")
             for r in listing.requests if r.path != "/api/models"}  # fmt: skip
    assert not asked & {GATED_REPO, GGUF_REPO, LORA, QUANT, MISTRAL_REPO}

    _code, out, _err = main(["catalog", "show", "qwen2.5-0.5b", "--json"]), *capsys.readouterr()
    record = json.loads(out)
    assert record["reviewed"] is False and record["params"] == QWEN_PARAMS
    assert record["tasks"] == ["text-generation"]
    main(["catalog", "show", "qwen2.5-0.5b"])
    assert "(unreviewed: made by `catalog refresh`" in capsys.readouterr().out
    main(["catalog", "list", "--task", "text-generation"])
    assert "qwen2.5-0.5b (user) (unreviewed)" in capsys.readouterr().out


def test_a_second_refresh_changes_nothing(
    listing: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    refresh_json(capsys)
    files = {p: p.read_bytes() for p in user_catalog_dir().glob("*.toml")}
    stamps = {p: p.stat().st_mtime_ns for p in files}
    asked = len(listing.requests)
    second = refresh_json(capsys)
    assert {o["action"] for o in second["outcomes"]} == {"present", "skipped"}
    assert {p: p.read_bytes() for p in user_catalog_dir().glob("*.toml")} == files
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    assert len(listing.requests) - asked <= 1 + 2  # the listing; the cached repos ask nothing


def test_dry_run_writes_nothing(listing: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--task", "text-generation", "--dry-run")
    assert code == 0, err
    assert "would be added" in out and QWEN_REPO in out
    assert not user_catalog_dir().exists() or not list(user_catalog_dir().glob("*.toml"))
    assert any(
        line.startswith(f"advisor: skipped {GATED_REPO}: gated") for line in err.splitlines()
    )
    assert len(err.splitlines()) == 6  # one line per skipped repo, nothing else


def test_a_misbehaving_repo_is_skipped_and_the_rest_go_on(
    listing: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_HUB_DEADLINE", "0.5")  # the per-repo deadline
    listing.hang = (f"{TINY}/resolve/{'a' * 40}/config.json",)
    start = time.monotonic()
    doc = refresh_json(capsys, "--limit", "3")
    seen = by_repo(doc)
    assert time.monotonic() - start < 3
    assert "0.5 s deadline" in seen[TINY]["reason"]
    assert seen[QWEN_REPO]["action"] == "added"


def test_the_overall_timeout_bounds_the_listing(
    listing: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    listing.hang = ("/api/models",)
    start = time.monotonic()
    code, out, err = run(capsys, "--task", "chat", "--timeout", "0.4")
    assert code == 1 and out == ""
    assert time.monotonic() - start < 1.5
    assert err.count("\n") == 1 and "within the 0.4 s deadline" in err


def test_offline_is_one_line_and_exit_1(
    listing: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, out, err = run(capsys, "--task", "chat")
    assert (code, out) == (1, "")
    assert err.strip().splitlines() == [
        "advisor: error: cannot list the Hub's models: offline mode is on (HF_HUB_OFFLINE) "
        "(go online (unset HF_HUB_OFFLINE) to refresh; your catalog keeps working as it is)"
    ]
    assert listing.requests == []


def test_chat_lists_conversational_text_generation(
    listing: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    listing.repos[TINY].info["tags"] = ["conversational"]
    code, out, err = run(capsys, "--task", "chat", "--json")
    assert code == 0, err
    assert [o["repo_id"] for o in json.loads(out)["outcomes"]] == [TINY]


def test_force_replaces_only_your_own_records(
    listing: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    refresh_json(capsys, "--limit", "2")
    record = next(user_catalog_dir().glob("tiny-chat.toml"))
    edited = record.read_text().replace('name = "tiny-chat"', 'name = "My tiny chat"')
    assert edited != record.read_text()
    record.write_text(edited)
    again = by_repo(refresh_json(capsys, "--limit", "2"))
    assert again[TINY]["action"] == "present"  # without --force: left alone
    forced = by_repo(refresh_json(capsys, "--limit", "9", "--force"))
    assert forced[TINY]["action"] == "replaced"
    assert 'name = "tiny-chat"' in record.read_text()
    assert forced[MISTRAL_REPO]["action"] == "present"  # shipped records are never replaced


@pytest.mark.parametrize(
    ("repo", "tags", "library", "expected"),
    [
        ("TheBloke/Llama-2-7B-AWQ", [], None, "a quantised copy (AWQ)"),
        ("mlx-community/Qwen2.5-7B-Instruct-4bit", [], "mlx", "a quantised copy (4bit)"),
        ("org/model", ["gptq"], None, "a quantised copy (gptq)"),
        ("org/model", ["base_model:merge:a/b"], None, "a merge of a/b"),
        ("org/model", ["mergekit"], None, "a merge"),
        ("org/model", ["base_model:finetune:a/b"], None, None),
        ("meta-llama/Llama-3.1-8B-Instruct", ["conversational"], "transformers", None),
        ("org/ggufless-name", [], None, None),
    ],
)
def test_derivatives(repo: str, tags: list[str], library: str | None, expected: str | None) -> None:
    assert derivative(repo, tags, library) == expected


def test_every_task_maps_to_hub_pipeline_tags() -> None:
    from advisor.hub.refresh import hub_tags
    from advisor.models.task import Task

    for task in Task:
        assert hub_tags(task).pipeline_tags, task


def test_refresh_shows_up_in_validate_as_clean(
    listing: FakeHub, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    refresh_json(capsys)
    assert main(["catalog", "validate"]) == 0, capsys.readouterr()


def test_unreviewed_records_rank_below_curated_ones_with_the_same_evidence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.catalog import load_catalog
    from advisor.hub.record import dumps_record

    monkeypatch.setenv("COLUMNS", "200")
    curated = load_catalog().get("mmbert-small")  # a curated record without scores
    assert not curated.quality  # the copy below carries exactly the same facts
    copy = curated.model_copy(update={"id": "aaa-bert-copy", "hf_repo": "someone/bert-copy",
                                      "reviewed": False, "origin": None})  # fmt: skip
    user_catalog_dir().mkdir(parents=True)
    (user_catalog_dir() / "copy.toml").write_text(dumps_record(copy))
    args = ["recommend", "--task", "text-classification", "--data", "2000", "--cpu-only"]
    assert main([*args, "--top", "50", "--json"]) == 0
    ranked = [r["model"] for r in json.loads(capsys.readouterr().out)["recommendations"]]
    ids = [m["id"] for m in ranked]
    assert ids.index("mmbert-small") + 1 == ids.index("aaa-bert-copy")  # ids: reversed
    assert next(m for m in ranked if m["id"] == "aaa-bert-copy")["reviewed"] is False
    assert main([*args, "--top", "50"]) == 0
    assert "aaa-bert-copy (unreviewed)" in capsys.readouterr().out


def test_on_a_terminal_a_progress_bar_and_the_skip_lines_go_to_stderr(
    listing: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, "--task", "text-generation", "--dry-run")
    assert code == 0, err
    assert f"advisor: skipped {GATED_REPO}: gated" in err
    assert "reading text-generation models" in err or "\x1b[" in err  # the live bar
    assert "would be added" in out and "advisor:" not in out


def test_the_refresh_document_matches_its_schema(
    listing: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    from advisor.hub.refresh import RefreshResult
    from advisor.models.validation import document_model

    code, out, err = run(capsys, "--task", "text-generation", "--json", "--limit", "4")
    assert code == 0, err
    validated = document_model(RefreshResult).model_validate_json(out)  # extra keys forbidden
    assert validated.model_dump(mode="json") == json.loads(out)
    assert main(["schema", "catalog-refresh"]) == 0
    assert "outcomes" in json.loads(capsys.readouterr().out)["properties"]


def test_a_hung_listing_gets_the_per_command_deadline_not_the_whole_timeout(
    listing: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_HUB_DEADLINE", "0.3")
    listing.hang = ("/api/models",)
    start = time.monotonic()
    code, _, err = run(capsys, "--task", "chat")  # --timeout: its default of 300 s
    assert code == 1 and time.monotonic() - start < 2.0
    assert "within the 0.3 s deadline" in err


def test_refresh_records_carry_the_cards_model_index_scores(
    fake_hub: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stand-in's card states openai/whisper-medium's model-index (tests/hub/models.py)."""
    code, out, err = run(capsys, "--task", "speech-recognition", "--json")
    assert code == 0, err
    assert by_repo(json.loads(out))[SCORED_REPO]["action"] == "added"
    _code, out, _err = (
        main(["catalog", "show", "wav2vec2-with-card-scores", "--json"]),
        *capsys.readouterr(),
    )
    record = json.loads(out)
    assert record["reviewed"] is False
    assert [(q["metric"], q["value"], q.get("test_set")) for q in record["quality"]] == [
        ("wer", 2.9, "librispeech-test-clean"),
        ("wer", 5.9, "librispeech-test-other"),
        ("wer", 53.87, None),
    ]
    assert all(q["source"].endswith(f"/blob/{'7' * 40}/README.md") for q in record["quality"])
    files = {p: p.read_bytes() for p in user_catalog_dir().glob("*.toml")}
    again = run(capsys, "--task", "speech-recognition", "--json")
    assert by_repo(json.loads(again[1]))[SCORED_REPO]["action"] == "present"
    assert {p: p.read_bytes() for p in user_catalog_dir().glob("*.toml")} == files
