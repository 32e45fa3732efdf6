"""The last request the app ranked, remembered under the advisor home between runs.

One small JSON file (``<advisor home>/tui-state.json``), written by ``advisor.atomic`` (a
temporary file in the same folder, flushed, then renamed; never through a link), so an
interrupted write never leaves half a file. It is read through ``advisor.safefile`` (a regular
file of at most ``MAX_BYTES``, UTF-8, nesting at most 64 levels). A missing file is the first
run; any other file that cannot be used (unreadable, not JSON, another version's layout, a
request this version rejects) is ignored with a ``problem`` line naming the file, what is wrong
and the fix, and the app starts from the command-line flags or the defaults and says so.
Saving never raises; losing the memory of the last request is not worth a crash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from advisor.atomic import write_atomic
from advisor.errors import AdvisorError
from advisor.models.request import Request
from advisor.paths import advisor_home

STATE_FILE = "tui-state.json"
MAX_BYTES = 1 * 2**20
"""The largest state file read (a saved request is under 1 kB)."""
_VERSION = 1


class LastRequest(NamedTuple):
    """What the state file gave: the request, or why there is none worth using."""

    request: Request | None
    problem: str | None = None
    """One line for people when the file exists but was not used; None otherwise."""


def state_path() -> Path:
    """Where the last request is kept."""
    return advisor_home() / STATE_FILE


def read_last_request(path: Path | None = None) -> LastRequest:
    """The request saved by the last session, or the reason the file was not used."""
    from advisor.safefile import UnreadableFileError, parse_json, read_text

    target = state_path() if path is None else path
    fix = "delete or fix the file; advisor rewrites it after the next ranking"
    try:
        data: Any = parse_json(target, read_text(target, limit=MAX_BYTES))
    except FileNotFoundError:
        return LastRequest(None)
    except UnreadableFileError as exc:
        return LastRequest(None, _line(target, exc.why, fix))
    except OSError as exc:
        return LastRequest(None, _line(target, f"cannot be read ({exc.strerror or exc})", fix))
    except ValueError as exc:  # json.JSONDecodeError
        return LastRequest(None, _line(target, f"is not JSON ({exc})", fix))
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return LastRequest(None, _line(target, "was written by another advisor version", fix))
    try:
        return LastRequest(Request.model_validate(data.get("request")))
    except (ValueError, TypeError, AdvisorError) as exc:  # pydantic's ValidationError too
        why = _reason(exc)
        return LastRequest(None, _line(target, f"holds a request this version rejects: {why}", fix))


def _reason(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)  # pydantic: the first field and its message
    if callable(errors):
        first = errors(include_url=False)[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'request'}: {first['msg']}"
    return exc.one_line() if isinstance(exc, AdvisorError) else str(exc)


def _line(path: Path, why: str, fix: str) -> str:
    return f"ignored {path}: it {why}; the app starts from the flags or the defaults ({fix})"


def load_last_request(path: Path | None = None) -> Request | None:
    """The request saved by the last session, or None when there is none worth using."""
    return read_last_request(path).request


def save_last_request(request: Request, path: Path | None = None) -> bool:
    """Remember ``request``; returns False (and writes nothing) when the home is not writable."""
    target = state_path() if path is None else path
    text = json.dumps({"version": _VERSION, "request": request.model_dump(mode="json")}, indent=2)
    return write_atomic(target, text.encode("utf-8"), durable=True)
