"""Models already in the user's Hugging Face cache are marked in the report, with their size."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.catalog import load_catalog
from advisor.models.hardware import HardwareProfile
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.whatif import WhatIf, apply_whatif


def _cache_repo(hub: Path, repo: str, weights: bytes | None) -> None:
    """Lay out a repo as huggingface_hub does: blobs/, refs/main, snapshots/REV/ links."""
    folder = hub / ("models--" + repo.replace("/", "--"))
    rev = "0123456789abcdef0123456789abcdef01234567"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text(rev)
    snap = folder / "snapshots" / rev
    snap.mkdir(parents=True)
    blobs = folder / "blobs"
    blobs.mkdir()
    files = {"config.json": b"{}"}
    if weights is not None:
        files["model.safetensors"] = weights
    for number, (name, data) in enumerate(files.items()):
        blob = blobs / f"blob{number}"
        blob.write_bytes(data)
        (snap / name).symlink_to(blob)


def test_cached_weights_are_marked_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    hardware = apply_whatif(WhatIf(gpus=["RTX 4090"]), HardwareProfile())
    request = Request(task=Task.CHAT, data=0, top=10)
    before = recommend(request, hardware=hardware, catalog=load_catalog())
    assert all(r.downloaded is False for r in before.recommendations)
    assert all(r.size_on_disk_bytes is None for r in before.recommendations)

    first, second = before.recommendations[0].model, before.recommendations[1].model
    assert first.hf_repo and second.hf_repo
    _cache_repo(hub, first.hf_repo, weights=b"\0" * 4096)
    _cache_repo(hub, second.hf_repo, weights=None)  # config only: not a download
    after = recommend(request, hardware=hardware, catalog=load_catalog())
    marked = {r.model.id: r for r in after.recommendations}
    assert marked[first.id].downloaded is True
    assert marked[first.id].size_on_disk_bytes == 4096 + 2
    assert marked[second.id].downloaded is False
