"""``advisor`` and ``advisor tui``: the flags of ``recommend``, and what happens off a terminal."""

from __future__ import annotations

import sys

import pytest

from advisor.cli import main
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.tui.app import AdvisorApp
from advisor.tui.state import save_last_request

FLAGS = ["--task", "translation", "--source-lang", "en", "--target-lang", "de", "--data", "5k"]
HARDWARE = ["--gpu", "RTX 4090", "--ram", "64"]


def test_off_a_terminal_prints_the_recommend_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", *FLAGS, *HARDWARE]) == 0
    expected = capsys.readouterr().out
    assert main(["tui", *FLAGS, *HARDWARE]) == 0
    assert capsys.readouterr().out == expected
    assert main([*FLAGS, *HARDWARE]) == 0  # no command: the same as `advisor tui`
    assert capsys.readouterr().out == expected
    assert "RTX 4090" in expected


def test_without_request_flags_the_last_request_is_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    remembered = Request(task=Task.TRANSLATION, source_lang="en", target_lang="de", data=5000)
    assert save_last_request(remembered)
    assert main(HARDWARE) == 0
    from_memory = capsys.readouterr().out
    assert main(["recommend", *FLAGS, *HARDWARE]) == 0
    assert from_memory == capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["tui", "--gpu", "NoSuchGPU 9000"], "unknown GPU"),
        (["tui", "--task", "chat", "--data", "-5"], "--data"),
        (["tui", "--task", "nonsense-task"], "unknown task"),
        (["tui", "--cpu-only", "--gpu", "H100"], "--cpu-only"),
    ],
)
def test_bad_flags_exit_2_before_any_screen(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert needle in captured.err


def _opened(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> AdvisorApp:
    """Run the command as if on a terminal; return the app it would have opened."""
    opened: list[AdvisorApp] = []
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(AdvisorApp, "run", lambda self, *a, **k: opened.append(self))
    assert main(argv) == 0
    assert len(opened) == 1
    return opened[0]


def test_on_a_terminal_the_app_opens_prefilled(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _opened(monkeypatch, ["tui", *FLAGS, "--gpu", "2x RTX 4090"])
    assert (app.request.task, app.request.data, app.request.target_lang) == (
        Task.TRANSLATION,
        5000,
        "de",
    )
    assert app.hardware is not None and app.hardware.what_if
    assert app.hardware.gpu_count == 2


def test_without_hardware_flags_detection_waits_for_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _opened(monkeypatch, [])
    assert app.hardware is None  # detected in a worker after the first paint
    assert app.request.task == Task.CHAT  # nothing remembered yet: the default request
