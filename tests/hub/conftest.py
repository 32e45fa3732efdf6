"""Fixtures of the Hub tests (see tests/hub/fixtures.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hub.fakehub import FakeHub
from tests.hub.fixtures import fill_hf_cache, serve


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with serve(monkeypatch) as hub:
        yield hub


@pytest.fixture
def hf_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return fill_hf_cache(monkeypatch, tmp_path)
