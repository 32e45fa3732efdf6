"""A tui-state.json that could not be used: the app opens anyway and says why."""

from __future__ import annotations

import asyncio

from advisor.catalog import Catalog
from advisor.models.hardware import HardwareProfile
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.tui.app import create_app
from advisor.tui.state import read_last_request, state_path
from tests.tui.conftest import settle


def test_the_app_opens_with_the_defaults_and_names_the_bad_state_file(
    catalog: Catalog, rtx4090: HardwareProfile
) -> None:
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().write_bytes(b"\x00\xff binary")
    last = read_last_request()
    assert last.request is None and last.problem is not None
    app = create_app(
        Request(task=Task.CHAT), rtx4090, catalog=catalog, remember=False, notice=last.problem
    )

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            shown = [n.message for n in app._notifications]
            assert any(str(state_path()) in m and "not UTF-8" in m for m in shown), shown
            assert app.report is not None and app.report.recommendations

    asyncio.run(scenario())
