"""Set-ups shared by the Hub tests: the fake Hub server, and a populated HF cache.

Plain functions (each test module wraps them in its own fixtures), so the library and the
CLI tests share one definition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.hub.fakehub import FakeFile, FakeHub
from tests.hub.models import (
    QWEN_CONFIG,
    QWEN_REPO,
    decoder_tensors,
    populate,
    safetensors_file,
    write_hf_cache,
)

CACHED_COMMIT = "9" * 40


@contextmanager
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A running fake Hub on 127.0.0.1, selected with HF_ENDPOINT, network mode on."""
    from huggingface_hub import constants as hf_constants

    hub = FakeHub().start()
    populate(hub)
    # huggingface_hub read HF_HUB_DISABLE_TELEMETRY when first imported, perhaps by another
    # test; with telemetry on, its user-agent code fetches an "agent harness" list from the
    # endpoint it saw at import, which may be the real Hub. Tests never reach the internet.
    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "5")
    try:
        yield hub
    finally:
        hub.stop()


def fill_hf_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An HF cache (HF_HOME) holding Qwen2.5-0.5B with weights, and a config-only repo."""
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    cache = home / "hub"
    write_hf_cache(
        cache,
        QWEN_REPO,
        {
            "config.json": FakeFile(json.dumps(QWEN_CONFIG).encode()),
            "model.safetensors": safetensors_file(decoder_tensors(QWEN_CONFIG, qkv_bias=True)),
        },
        CACHED_COMMIT,
    )
    write_hf_cache(
        cache,
        "example-org/config-only",
        {"config.json": FakeFile(b'{"model_type": "bert"}')},
        "8" * 40,
    )
    return cache
