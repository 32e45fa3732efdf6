"""The remembered last request: round trip, atomic write, and damage that must be ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.models.request import Request
from advisor.models.task import Task
from advisor.tui.state import load_last_request, save_last_request, state_path


def test_round_trip_under_the_advisor_home(_isolated_home: Path) -> None:
    request = Request(task=Task.TRANSLATION, source_lang="sw", target_lang="yo", data=800)
    assert save_last_request(request)
    assert state_path().parent == _isolated_home
    assert load_last_request() == request
    assert [p.name for p in _isolated_home.iterdir()] == [state_path().name]  # no temp left


def test_nothing_saved_yet_is_none() -> None:
    assert load_last_request() is None


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        json.dumps({"version": 999, "request": {"task": "chat"}}),
        json.dumps({"version": 1, "request": {"task": "no-such-task"}}),
        json.dumps({"version": 1, "request": {"task": "chat", "data": -3}}),
        json.dumps({"version": 1, "request": {"task": "chat", "unknown_field": 1}}),
    ],
)
def test_damaged_or_foreign_files_are_ignored(content: str) -> None:
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().write_text(content)
    assert load_last_request() is None


def test_unwritable_home_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("ADVISOR_HOME", str(blocker))
    assert save_last_request(Request(task=Task.CHAT)) is False
    assert load_last_request() is None
