"""What the screens look like, pinned: main (wide and 80x24), light theme, detail, help.

Hardware is a what-if and the catalog a frozen copy, so the pictures are the same on any
machine. After a deliberate change, look at the new pictures and accept them with
``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from advisor.models.request import Request
from advisor.models.task import Task
from advisor.tui.app import AdvisorApp
from tests.tui.conftest import settle

MakeApp = Callable[..., AdvisorApp]
SnapCompare = Callable[..., bool]


def _translation() -> Request:
    return Request(task=Task.TRANSLATION, source_lang="en", target_lang="de", data=5000)


def test_main_screen_wide(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(_translation()), terminal_size=(120, 40), run_before=settle)


def test_main_screen_80x24(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(_translation()), terminal_size=(80, 24), run_before=settle)


def test_main_screen_light_theme(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    async def light(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t")

    assert snap_compare(make_app(_translation()), terminal_size=(120, 40), run_before=light)


def test_detail_view(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    async def open_top(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()

    app = make_app(Request(task=Task.CHAT, data=20_000), export_to_tmp=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_top)


def test_detail_view_80x24(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    async def open_top(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()

    app = make_app(Request(task=Task.CHAT, data=20_000), export_to_tmp=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_top)


def test_help_screen(make_app: MakeApp, snap_compare: SnapCompare) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_help)
