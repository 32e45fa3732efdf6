"""The app's layering: widgets and screens only display, and start-up defers the heavy work."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import advisor.tui

TUI = Path(advisor.tui.__file__).parent
DISPLAY_ONLY = sorted([*TUI.glob("widgets/*.py"), *TUI.glob("screens/*.py")])
LOGIC = (
    "advisor.estimate",
    "advisor.recommend",
    "advisor.hardware",
    "advisor.catalog",
    "advisor.hub",
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", DISPLAY_ONLY, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_widgets_and_screens_call_no_estimator_ranking_or_probe(path: Path) -> None:
    offenders = sorted(m for m in _imports(path) if m.startswith(LOGIC))
    assert offenders == [], f"{path.name} imports {offenders}"


def test_importing_the_app_loads_no_catalog_recommender_or_probe() -> None:
    code = (
        "import sys, json\nfrom advisor.tui.app import create_app\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    assert not [m for m in loaded if m.startswith(LOGIC)]
    assert "huggingface_hub" not in loaded


def test_every_binding_has_an_id_and_a_description() -> None:
    from textual.binding import Binding

    from advisor.tui.app import AdvisorApp
    from advisor.tui.screens.detail import DetailScreen
    from advisor.tui.screens.help import HelpScreen
    from advisor.tui.screens.main import MainScreen
    from advisor.tui.widgets.results_table import ResultsTable

    owners = (AdvisorApp, MainScreen, DetailScreen, HelpScreen, ResultsTable)
    bindings = [b for owner in owners for b in owner.BINDINGS if isinstance(b, Binding)]
    assert len(bindings) == sum(len(owner.BINDINGS) for owner in owners)
    ids = [b.id for b in bindings]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(b.description for b in bindings)
