"""Fixtures for the app tests: fixed hardware and catalog, and a way to wait for the app.

Hardware is always a what-if built here (never ``detect()``), and the catalog is a frozen copy
(``tests/tui/fixtures``), so what the tests see is the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from advisor.catalog import Catalog, load_catalog
from advisor.models.hardware import CpuInfo, HardwareProfile
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.tui.app import AdvisorApp, create_app
from advisor.units import GIB
from advisor.whatif import WhatIf, apply_whatif

FIXTURE_CATALOG = Path(__file__).parent / "fixtures" / "catalog"

HOST = HardwareProfile(
    cpu=CpuInfo(name="Test CPU 8-core", cores=8, logical_cores=16, arch="x86_64"),
    ram_bytes=64 * GIB,
    ram_total_bytes=64 * GIB,
    os="Linux",
)
"""A made-up host: 8 cores, 64 GiB RAM, no GPU."""


def whatif(**flags: object) -> HardwareProfile:
    """The host with what-if flags applied (``gpus=["RTX 4090"]``, ``cpu_only=True``...)."""
    return apply_whatif(WhatIf.model_validate(flags), HOST)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(FIXTURE_CATALOG, user_dir=None, use_cache=False)


@pytest.fixture
def rtx4090() -> HardwareProfile:
    return whatif(gpus=["RTX 4090"])


@pytest.fixture
def make_app(
    catalog: Catalog, rtx4090: HardwareProfile, tmp_path: Path
) -> Callable[..., AdvisorApp]:
    """Build the app as the CLI does, on fixed hardware and catalog, exporting under tmp."""

    def make(
        request: Request | None = None,
        hardware: HardwareProfile | None = None,
        remember: bool = False,
        export_to_tmp: bool = True,
    ) -> AdvisorApp:
        app = create_app(
            request or Request(task=Task.TRANSLATION, source_lang="en", target_lang="de"),
            hardware or rtx4090,
            catalog=catalog,
            remember=remember,
            # Snapshots show the default folder (relative, the same on every machine).
            export_dir=tmp_path / "export" if export_to_tmp else None,
        )
        app.animation_level = "none"  # tab underlines slide; screenshots must not catch them
        return app

    return make


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the app has no ranking waiting or running, and has painted."""
    app = pilot.app
    assert isinstance(app, AdvisorApp)
    for _ in range(500):
        await pilot.pause(0.02)
        if not app.busy:
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not app.busy:
                await pilot.wait_for_scheduled_animations()
                await pilot.pause()
                return
    raise AssertionError("the app was still ranking after 10 s")


def screen_text(app: AdvisorApp) -> str:
    """The terminal as plain text: what a user would read on screen right now."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    # The same render export_screenshot() makes, exported as text instead of SVG.
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text()
