"""Typed messages between widgets, workers and the app.

Widgets post what the user did (``RequestEdited``, ``WhatIfEdited``, ...); workers post what a
library call returned (``ReportReady``, ``ProbeFinished``, ``ExportFinished``) or how it failed
(``RecommendFailed``, ``WorkerFailed``). The app is the only receiver that acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.models.hardware import HardwareProfile
    from advisor.models.report import Report
    from advisor.models.request import Request
    from advisor.whatif import WhatIf


@dataclass
class FormValues:
    """What the request form holds, as typed (the app turns it into a ``Request``)."""

    task: str
    data: str = ""
    source_lang: str = ""
    target_lang: str = ""
    license: str = "any"
    goal: str = ""


class RequestEdited(Message):
    """The user changed a field of the request form."""

    def __init__(self, values: FormValues) -> None:
        super().__init__()
        self.values = values


class WhatIfEdited(Message):
    """The user changed the what-if hardware (``None``: go back to this machine)."""

    def __init__(self, whatif: WhatIf | None) -> None:
        super().__init__()
        self.whatif = whatif


class ModelChosen(Message):
    """The user asked for the detail view of a ranked model."""

    def __init__(self, model_id: str) -> None:
        super().__init__()
        self.model_id = model_id


class ExportRequested(Message):
    """The user asked to export ``report`` and the training configs for one of its models."""

    def __init__(self, report: Report, model_id: str, folder: Path, overwrite: bool = False):
        super().__init__()
        self.report = report
        self.model_id = model_id
        self.folder = folder
        self.overwrite = overwrite


class ReportReady(Message):
    """A ranking finished; ``serial`` tells stale answers from the latest one."""

    def __init__(self, report: Report, request: Request, catalog: Catalog, serial: int):
        super().__init__()
        self.report = report
        self.catalog = catalog
        self.request = request
        self.serial = serial


class RecommendFailed(Message):
    """A ranking could not run; ``field`` names the form field at fault, when one is."""

    def __init__(self, message: str, hint: str | None, field: str | None, serial: int) -> None:
        super().__init__()
        self.message = message
        self.hint = hint
        self.field = field
        self.serial = serial


class ProbeFinished(Message):
    """Hardware detection finished (detection itself never raises)."""

    def __init__(self, hardware: HardwareProfile) -> None:
        super().__init__()
        self.hardware = hardware


class ExportFinished(Message):
    """Export wrote these files."""

    def __init__(self, folder: Path, paths: list[Path]) -> None:
        super().__init__()
        self.folder = folder
        self.paths = paths


class WorkerFailed(Message):
    """A worker's library call raised an advisor error; the app shows it as a notification."""

    def __init__(self, action: str, message: str, hint: str | None) -> None:
        super().__init__()
        self.action = action
        self.message = message
        self.hint = hint
