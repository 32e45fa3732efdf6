"""The last request the app ranked, remembered under the advisor home between runs.

One small JSON file (``<advisor home>/tui-state.json``), written atomically (a temporary file
in the same folder, then ``os.replace``), so an interrupted write never leaves half a file. A
file that is missing, unreadable, not JSON, or written by another version (fields this version
does not know) is ignored: the app then starts from the command-line flags or the defaults.
Saving never raises either; losing the memory of the last request is not worth a crash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor.atomic import write_atomic
from advisor.errors import AdvisorError
from advisor.models.request import Request
from advisor.paths import advisor_home

STATE_FILE = "tui-state.json"
_VERSION = 1


def state_path() -> Path:
    """Where the last request is kept."""
    return advisor_home() / STATE_FILE


def load_last_request(path: Path | None = None) -> Request | None:
    """The request saved by the last session, or None when there is none worth using."""
    target = state_path() if path is None else path
    try:
        data: Any = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return None
    try:
        return Request.model_validate(data.get("request"))
    except (ValueError, AdvisorError):  # pydantic's ValidationError; Request's own checks
        return None


def save_last_request(request: Request, path: Path | None = None) -> bool:
    """Remember ``request``; returns False (and writes nothing) when the home is not writable."""
    target = state_path() if path is None else path
    text = json.dumps({"version": _VERSION, "request": request.model_dump(mode="json")}, indent=2)
    return write_atomic(target, text.encode("utf-8"))
