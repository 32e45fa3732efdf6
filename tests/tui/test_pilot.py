"""The app driven as a user drives it: keys and clicks in, what the screen shows out.

Hardware is a what-if built in the test and the catalog a frozen copy, so the answers are the
same on every machine. Expected values come from the request (the task typed, the GPU picked),
the catalog fixture, or the recommender's own report for the same request, never from the
app's output.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select

from advisor.catalog import Catalog
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.recommend import recommend
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.detail import DetailScreen
from advisor.tui.screens.help import HelpScreen
from advisor.tui.screens.main import MainScreen
from advisor.tui.state import load_last_request
from advisor.tui.widgets.results_table import ResultsTable
from tests.tui.conftest import screen_text, settle, whatif

MakeApp = Callable[..., AdvisorApp]


def _names(table: ResultsTable) -> list[str]:
    """Model names in the ranked table, top to bottom."""
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def test_opens_on_the_flags_request_and_ranks_without_input(
    make_app: MakeApp, catalog: Catalog
) -> None:
    request = Request(task=Task.TRANSLATION, source_lang="en", target_lang="de")
    expected = recommend(request, whatif(gpus=["RTX 4090"]), catalog).trimmed(request.top)

    async def scenario() -> None:
        app = make_app(request)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "RTX 4090" in text and "24.0 GiB" in text
            assert isinstance(app.screen, MainScreen)
            names = _names(app.screen.query_one(ResultsTable))
            assert names == [rec.model.name for rec in expected.recommendations]
            assert f"Strategy: {expected.strategy.approach.value}" in text
            assert app.screen.query_one("#source_lang", Input).value == "en"

    asyncio.run(scenario())


def test_choosing_a_task_reranks_for_it_and_hides_languages(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.screen.query_one("#languages").display
            await pilot.press("f2", "enter", *"chat", "enter")
            await settle(pilot)
            assert app.request.task == "chat"
            assert not app.screen.query_one("#languages").display
            ids = [str(key.value) for key in app.screen.query_one(ResultsTable).rows]
            assert ids
            catalog = app.catalog
            assert catalog is not None
            for model_id in ids:  # every ranked model is a chat model of the catalog
                assert "chat" in [t.value for t in catalog.get(model_id).tasks]

    asyncio.run(scenario())


def test_more_data_moves_from_prompting_to_fine_tuning(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.report is not None
            assert not app.report.strategy.approach.trains  # no data: nothing to train on
            assert "—" in _cells(app, column=6)  # fine-tune column empty
            await pilot.click("#data")
            await pilot.press(*"50k")
            await settle(pilot)
            assert app.request.data == 50_000
            assert app.report.strategy.approach.trains
            text = screen_text(app)
            assert f"Strategy: {app.report.strategy.approach.value}" in text
            methods = _cells(app, column=6)
            assert all(method != "—" for method in methods)

    asyncio.run(scenario())


async def _exported(pilot: Pilot[None]) -> None:
    """Let the export key reach the app, the export worker finish, and the screen update."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _shown(app: AdvisorApp, selector: str) -> str:
    """The text a label or static shows (it may be scrolled out of view at this size)."""
    widget = app.screen.query_one(selector)
    assert widget.display, f"{selector} is hidden"
    return str(widget.render())


def _cells(app: AdvisorApp, column: int) -> list[str]:
    table = app.screen.query_one(ResultsTable)
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def test_unreadable_data_size_is_marked_with_the_reason(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT, data=800))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            before = _names(app.screen.query_one(ResultsTable))
            field = app.screen.query_one("#data", Input)
            await pilot.click("#data")
            await pilot.press("end", *"abc")
            await settle(pilot)
            assert field.has_class("-error")
            assert "cannot read data size '800abc'" in screen_text(app)
            assert app.request.data == 800  # the last good request still stands
            assert _names(app.screen.query_one(ResultsTable)) == before
            await pilot.press(*["backspace"] * 3)
            await settle(pilot)
            assert not field.has_class("-error")
            assert "cannot read" not in screen_text(app)

    asyncio.run(scenario())


def test_half_a_language_pair_marks_the_missing_side(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.click("#target_lang")
            await pilot.press("end", "backspace", "backspace")
            await settle(pilot)
            assert app.screen.query_one("#target_lang", Input).has_class("-error")
            assert _shown(app, "#target_lang-error") == "give the target language too"

    asyncio.run(scenario())


def test_unknown_language_code_is_marked_on_its_field(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.click("#target_lang")
            await pilot.press("end", "backspace", "backspace", *"qqx")
            await settle(pilot)
            assert app.screen.query_one("#target_lang", Input).has_class("-error")
            assert "qqx" in screen_text(app)
            assert "Cannot rank" in screen_text(app)

    asyncio.run(scenario())


def test_open_a_model_and_export_its_configs(make_app: MakeApp, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT, data=20_000))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.report is not None
            second = app.report.recommendations[1]
            await pilot.press("down", "enter")
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            text = screen_text(app)
            assert second.model.name in text and second.model.hf_repo in text
            assert "Serving" in text and "Fine-tuning" in text
            await pilot.press("e")
            await _exported(pilot)
            folder = tmp_path / "export"
            written = sorted(p.name for p in folder.iterdir())
            assert "report.json" in written and "train.py" in written
            document = json.loads((folder / "report.json").read_text())
            assert document["request"]["data"] == 20_000
            assert second.model.hf_repo in (folder / "train.py").read_text()
            note = list(app._notifications)[-1]
            assert str(folder) in note.title
            assert sorted(note.message.splitlines()) == written  # every file, by name

    asyncio.run(scenario())


def test_a_model_whose_plan_differs_shows_its_own_strategy(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT, data=20_000))
        async with app.run_test(size=(120, 60)) as pilot:
            await settle(pilot)
            assert app.report is not None
            other = next(r for r in app.report.recommendations if not r.same_as_headline)
            await pilot.press(*["down"] * (other.rank - 1), "enter")
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            text = " ".join(screen_text(app).split())
            headline = app.report.strategy.approach.value
            own = other.strategy.approach.value
            assert f"Strategy: {own} (headline: {headline})" in text

    asyncio.run(scenario())


def test_export_never_overwrites_unless_asked(make_app: MakeApp, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT, data=20_000))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            await pilot.press("e")
            await _exported(pilot)
            report = tmp_path / "export" / "report.json"
            assert report.is_file()
            report.write_text("mine")
            await pilot.press("e")
            await _exported(pilot)
            assert report.read_text() == "mine"
            last = list(app._notifications)[-1]
            assert last.severity == "error" and "would overwrite" in last.message
            await pilot.press("ctrl+o")
            await _exported(pilot)
            assert json.loads(report.read_text())["request"]["task"] == "chat"

    asyncio.run(scenario())


def test_help_lists_every_binding_and_escape_closes_it(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            text = str(app.screen.query_one("#help-text").render())
            for binding_id in ("app.quit", "app.help", "main.whatif", "detail.export"):
                assert binding_id in text
            assert "Ctrl+Q" in text and "Esc" in text
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)
            await pilot.click("#source_lang")
            await pilot.press("end", "question_mark")  # typed into a field, "?" is text
            assert isinstance(app.screen, MainScreen)
            assert app.screen.query_one("#source_lang", Input).value == "en?"

    asyncio.run(scenario())


def test_ctrl_q_quits(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await settle(pilot)
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert not app.is_running

    asyncio.run(scenario())


def test_closing_while_a_rerank_waits_is_clean(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await settle(pilot)
            await pilot.click("#data")
            await pilot.press("5")
            assert app.busy  # the re-rank is waiting for the typing pause
        # The app has closed; a re-rank timer that fires now (as it may during shutdown)
        # must find nothing to do rather than crash on the screens that are gone.
        app._rank_now()
        assert not app._ranking

    asyncio.run(scenario())


def test_whatif_cpu_only_replans_without_gpu(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f3")
            app.screen.query_one("#whatif-cpu", Checkbox).value = True
            await settle(pilot)
            assert app.hardware is not None and app.hardware.gpus == []
            assert "none (CPU only)" in _shown(app, "#hw-summary")
            assert app.report is not None
            assert all(
                r.inference is None or r.inference.gpus == 0 for r in app.report.recommendations
            )

    asyncio.run(scenario())


def test_whatif_gpu_from_catalog_and_bad_count(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f3")
            app.screen.query_one("#whatif-gpu", Select).value = "h100-sxm"
            await settle(pilot)
            assert "H100" in _shown(app, "#hw-summary")
            count = app.screen.query_one("#whatif-count", Input)
            await pilot.click("#whatif-count")
            await pilot.press("0")
            await settle(pilot)
            assert count.has_class("-error")
            assert "GPU count must be 1 to 131072" in _shown(app, "#whatif-error")
            await pilot.press("backspace", "4")
            await settle(pilot)
            assert app.hardware is not None and app.hardware.gpu_count == 4
            assert "4× NVIDIA H100" in _shown(app, "#hw-summary")

    asyncio.run(scenario())


def test_sort_by_column_and_reverse(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(ResultsTable)
            await pilot.press("s")  # rank → model name
            names = _names(table)
            assert names == sorted(names, key=str.lower)
            await pilot.click(ResultsTable, offset=(5, 0))  # the "Model" heading again
            assert _names(table) == sorted(names, key=str.lower, reverse=True)

    asyncio.run(scenario())


def test_excluded_models_are_listed_with_reasons(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT), whatif(gpus=["RTX 3060"]))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.report is not None and app.report.excluded
            await pilot.press("f5")
            table = app.screen.query_one("#excluded", DataTable)
            assert table.has_focus
            rows = [tuple(map(str, table.get_row_at(i))) for i in range(table.row_count)]
            assert rows == [(e.model, e.reason) for e in app.report.excluded]
            assert f"{len(app.report.excluded)} excluded" in screen_text(app)

    asyncio.run(scenario())


def test_last_request_is_remembered_for_next_launch(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app(Request(task=Task.CHAT), remember=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.click("#data")
            await pilot.press(*"2k")
            await settle(pilot)

    asyncio.run(scenario())
    remembered = load_last_request()
    assert remembered is not None
    assert (remembered.task, remembered.data) == ("chat", 2000)


def test_theme_toggle_switches_light_and_dark(make_app: MakeApp) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await settle(pilot)
            first = app.theme
            await pilot.press("ctrl+t")
            assert app.theme != first
            assert app.current_theme.dark != (first == "textual-dark") or first not in (
                "textual-dark",
                "textual-light",
            )

    asyncio.run(scenario())
