"""Reading a model's facts from a Hub that answers like huggingface.co (a local fake)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.hub import cached_config, hub_arch, hub_model, local_models
from advisor.hub import errors as hub_errors
from advisor.paths import cache_dir
from tests.hub.fakehub import FakeHub
from tests.hub.fixtures import CACHED_COMMIT
from tests.hub.models import (
    BROKEN_REPO,
    GATED_REPO,
    GGUF_FILES,
    GGUF_PARAMS,
    GGUF_REPO,
    MISTRAL_PARAMS,
    MISTRAL_REPO,
    QWEN_PARAMS,
    QWEN_REPO,
    QWEN_V1,
    TINY_PARAMS,
)

GRANTED = "hf_granted_token_0123456789"


def test_parameter_count_comes_from_the_safetensors_header(fake_hub: FakeHub) -> None:
    model = hub_model(QWEN_REPO)
    assert model.params == QWEN_PARAMS
    assert model.params_by_dtype == {"BF16": QWEN_PARAMS}
    assert model.params_source == "safetensors-headers"
    assert model.pipeline_tag == "text-generation"
    assert model.license == "apache-2.0"
    assert model.languages == ["en"]
    assert model.gated is False
    assert model.downloads == 1_234_567
    assert model.config is not None and model.config["model_type"] == "qwen2"


def test_the_config_estimate_matches_the_real_count_within_one_percent(fake_hub: FakeHub) -> None:
    arch, _ = hub_arch(QWEN_REPO)
    assert abs(arch.params_total - QWEN_PARAMS) <= 0.01 * QWEN_PARAMS
    assert any(fake_hub.url in note for note in arch.notes)  # the estimate says where from


def test_no_weights_are_downloaded(fake_hub: FakeHub) -> None:
    hub_model(QWEN_REPO)
    # Only the header is read: one Range request of ~100 kB, not the ~1 GB file.
    assert 0 < fake_hub.served_bytes(".safetensors") <= 100_001
    assert all(r.range for r in fake_hub.requests if r.path.endswith(".safetensors"))


def test_sharded_checkpoints_are_counted_through_their_index(fake_hub: FakeHub) -> None:
    model = hub_model(MISTRAL_REPO)
    assert model.params == MISTRAL_PARAMS
    assert model.safetensors_files == [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ]
    assert fake_hub.served_bytes(".safetensors") <= 2 * 100_001


def test_gguf_repos_list_their_files_and_quant_types(fake_hub: FakeHub) -> None:
    model = hub_model(GGUF_REPO)
    quants = {f.filename.removeprefix("Llama-3.2-1B-Instruct-"): f.quant for f in model.gguf_files}
    assert quants == {"Q4_K_M.gguf": "Q4_K_M", "Q8_0.gguf": "Q8_0", "IQ3_M.gguf": "IQ3_M",
                      "f16.gguf": "F16"}  # fmt: skip
    assert {f.filename: f.size_bytes for f in model.gguf_files} == GGUF_FILES
    assert model.params == GGUF_PARAMS
    assert model.params_source == "gguf-metadata"
    arch, _ = hub_arch(GGUF_REPO)
    assert arch.params_total == GGUF_PARAMS
    assert not any(r.method == "GET" and r.path.endswith(".gguf") for r in fake_hub.requests)


def test_revision_reads_that_commit(fake_hub: FakeHub) -> None:
    model = hub_model(QWEN_REPO, revision="v1")
    assert model.sha == QWEN_V1
    assert any(f"/resolve/{QWEN_V1}/config.json" in r.path for r in fake_hub.requests)


def test_missing_revision(fake_hub: FakeHub) -> None:
    with pytest.raises(hub_errors.RevisionNotFound) as err:
        hub_model(QWEN_REPO, revision="no-such-branch")
    assert "'no-such-branch'" in err.value.one_line()
    assert err.value.exit_code == 1


def test_missing_repo(fake_hub: FakeHub) -> None:
    with pytest.raises(hub_errors.RepoNotFound) as err:
        hub_model("nobody/no-such-model")
    assert "check the name" in err.value.one_line()


def test_gated_repo_without_access_says_to_accept_the_licence(fake_hub: FakeHub) -> None:
    with pytest.raises(hub_errors.GatedRepoError) as err:
        hub_model(GATED_REPO)
    line = err.value.one_line()
    assert f"{fake_hub.url}/{GATED_REPO}" in line and "accept the licence" in line
    assert "HF_TOKEN" in line  # no token was sent: logging in is part of the fix


def test_gated_repo_with_a_token_that_has_access(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", GRANTED)
    model = hub_model(GATED_REPO)
    assert model.params == TINY_PARAMS
    assert model.gated is True
    hub_calls = [r for r in fake_hub.requests if r.path != "/api/agent-harnesses"]
    assert all(r.authorization == f"Bearer {GRANTED}" for r in hub_calls)
    cached = "".join(p.read_text() for p in (cache_dir() / "hub").rglob("*.json"))
    assert GRANTED not in cached


def test_token_file_in_hf_home_is_used(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    (tmp_path / "token").write_text(GRANTED + "\n")
    assert hub_model(GATED_REPO).params == TINY_PARAMS


def test_wrong_token_on_gated_repo(fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_other_token")
    with pytest.raises(hub_errors.GatedRepoError) as err:
        hub_model(GATED_REPO)
    assert "with the account of your token" in err.value.one_line()
    assert "hf_other_token" not in err.value.one_line()


def test_rate_limit(fake_hub: FakeHub) -> None:
    fake_hub.rate_limited = True
    with pytest.raises(hub_errors.RateLimited) as err:
        hub_model(QWEN_REPO)
    assert "wait 42 s" in err.value.one_line()
    assert len(fake_hub.requests) == 1  # a 429 is not retried at once


def test_malformed_config(fake_hub: FakeHub) -> None:
    with pytest.raises(hub_errors.MalformedConfig) as err:
        hub_model(BROKEN_REPO)
    assert "config.json is not valid JSON" in err.value.one_line()


def test_one_retry_after_a_server_error(fake_hub: FakeHub) -> None:
    fake_hub.fail_next = 1
    assert hub_model(QWEN_REPO).params == QWEN_PARAMS
    info_calls = [r for r in fake_hub.requests if r.path == f"/api/models/{QWEN_REPO}"]
    assert len(info_calls) == 2


def test_only_one_retry(fake_hub: FakeHub) -> None:
    fake_hub.fail_next = 2
    with pytest.raises(hub_errors.HubServerError) as err:
        hub_model(QWEN_REPO)
    assert "HTTP 503" in err.value.one_line()
    assert len(fake_hub.requests) == 2


def test_unreachable_hub(fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_hub.stop()
    with pytest.raises(hub_errors.HubUnreachable) as err:
        hub_model(QWEN_REPO)
    assert fake_hub.url in err.value.one_line() and "check your connection" in err.value.one_line()


def test_a_silent_hub_times_out(fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "1")
    fake_hub.delay_s = 3.0
    with pytest.raises(hub_errors.HubUnreachable) as err:
        hub_model(QWEN_REPO)
    assert "no answer within 1 s" in err.value.one_line()
    assert len(fake_hub.requests) == 1  # a stalled server is not asked again


def test_answers_are_cached_and_reused(fake_hub: FakeHub) -> None:
    first = hub_model(QWEN_REPO)
    asked = len(fake_hub.requests)
    again = hub_model(QWEN_REPO)
    assert len(fake_hub.requests) == asked  # no request at all
    assert again.origin == "advisor-cache" and again.params == first.params
    files = list((cache_dir() / "hub").glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["params"] == QWEN_PARAMS


def test_expired_answers_are_fetched_again(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub_model(QWEN_REPO)
    asked = len(fake_hub.requests)
    monkeypatch.setenv("ADVISOR_HUB_TTL", "0")
    assert hub_model(QWEN_REPO).origin == "hub"
    assert len(fake_hub.requests) > asked


def test_offline_uses_a_stale_cached_answer(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub_model(QWEN_REPO)
    monkeypatch.setenv("ADVISOR_HUB_TTL", "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    asked = len(fake_hub.requests)
    model = hub_model(QWEN_REPO)
    assert model.params == QWEN_PARAMS and len(fake_hub.requests) == asked
    assert any("offline" in n for n in model.notes)


def test_offline_without_any_cache() -> None:
    with pytest.raises(hub_errors.HubOffline) as err:
        hub_model(QWEN_REPO)
    assert "HF_HUB_OFFLINE" in err.value.one_line()


def test_offline_reads_the_hf_cache(hf_cache: Path) -> None:
    model = hub_model(QWEN_REPO)
    assert model.origin == "hf-cache" and model.sha == CACHED_COMMIT
    assert model.params == QWEN_PARAMS  # from the cached file's header, without the Hub
    assert cached_config(QWEN_REPO) == model.config
    assert cached_config("example-org/not-cached") is None


def test_local_models_lists_downloaded_weights(hf_cache: Path) -> None:
    found = local_models()
    assert list(found) == [QWEN_REPO]  # the config-only repo is not "downloaded"
    qwen = found[QWEN_REPO]
    assert qwen.revision == CACHED_COMMIT and qwen.has_weights
    blobs = hf_cache / "models--Qwen--Qwen2.5-0.5B" / "blobs"
    assert qwen.size_bytes == sum(p.stat().st_size for p in blobs.iterdir())
    assert qwen.size_bytes > 2 * QWEN_PARAMS  # bf16 weights: two bytes a parameter
    everything = local_models(weights_only=False)
    assert set(everything) == {QWEN_REPO, "example-org/config-only"}


def test_local_models_without_a_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "nothing-here"))
    assert local_models() == {}
