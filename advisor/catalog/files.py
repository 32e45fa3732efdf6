"""Reading catalog files: TOML → typed records, every failure turned into a ``Problem``.

Nothing here raises on bad content: a file that does not parse, a record that does not fit the
schema, a top-level key nobody reads all become problems naming the file, the record and the
field, so one run reports everything at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.models.base import Frozen
from advisor.models.catalog import (
    LanguageInfo,
    LicenseInfo,
    MetricInfo,
    ModelRecord,
    Problem,
    TaskInfo,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

MAX_BYTES = 4 * 2**20
"""The largest catalog file read (the largest shipped one is about 40 kB)."""

REFERENCE_FILES = ("licenses.toml", "tasks.toml", "languages.toml", "gpus.toml")
"""Files in a catalog folder that hold reference data, not models."""

_M = TypeVar("_M", bound=Frozen)


@dataclass
class Parsed:
    """What one read produced: records with their file, reference tables, and problems."""

    models: list[tuple[ModelRecord, Path]] = field(default_factory=list)
    licenses: list[LicenseInfo] = field(default_factory=list)
    metrics: list[MetricInfo] = field(default_factory=list)
    tasks: list[TaskInfo] = field(default_factory=list)
    languages: list[LanguageInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def display(path: Path) -> str:
    """How a file is named in a problem line: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def model_files(folder: Path) -> list[Path]:
    """Model files of a catalog folder: ``models/*.toml``, plus top-level ``*.toml`` that are
    not reference files (a user overlay may put model files directly in its folder)."""
    found = sorted(folder.glob("models/*.toml"))
    # Anything but a folder counts, so a FIFO or device named *.toml is reported, not skipped.
    found += sorted(
        p for p in folder.glob("*.toml") if p.name not in REFERENCE_FILES and not p.is_dir()
    )
    return found


def read_toml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """The parsed file, or ``None`` with a problem recorded: unreadable, not a regular file,
    over ``MAX_BYTES``, not UTF-8, nested too deeply, or not TOML (``advisor.safefile``)."""
    import tomllib  # only when the catalog cache is stale: a warm start parses no TOML

    from advisor.safefile import UnreadableFileError, load_toml

    try:
        return load_toml(path, limit=MAX_BYTES)
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(file=display(path), why=f"not valid TOML: {exc}"))
    except UnreadableFileError as exc:
        problems.append(Problem(file=display(path), why=exc.why))
    except OSError as exc:
        problems.append(Problem(file=display(path), why=f"cannot read: {exc.strerror or exc}"))
    return None


def _field_path(loc: Iterable[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "-"


def validation_problems(exc: ValidationError, file: str, model: str | None) -> list[Problem]:
    """One problem per pydantic error: the field path and a short reason."""
    problems = []
    for err in exc.errors(include_url=False):
        why = err["msg"]
        if err["type"] == "missing":
            why = "missing (required)"
        elif err["type"] == "extra_forbidden":
            why = "unknown key (see catalog/README.md for the record format)"
        elif err["type"] == "enum":
            what = "task" if err["loc"][:1] == ("tasks",) else "value"
            why = f"unknown {what} (allowed values: catalog/README.md)"
        elif err["type"] == "value_error":
            why = why.removeprefix("Value error, ")
        if err["type"] not in ("missing", "extra_forbidden") and "input" in err:
            shown = repr(err["input"])
            why = f"{why} (got {shown[:60]}{'…' if len(shown) > 60 else ''})"
        problems.append(Problem(file=file, model=model, field=_field_path(err["loc"]), why=why))
    return problems


def _tables(data: Mapping[str, Any], key: str, path: Path, out: list[Problem]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        out.append(Problem(file=display(path), field=key, why="must be an array of tables"))
        return []
    return value


def _typed(cls: type[_M], raw: Any, path: Path, label: str, problems: list[Problem]) -> _M | None:
    if not isinstance(raw, dict):
        problems.append(Problem(file=display(path), model=label, why="entry is not a table"))
        return None
    from pydantic import ValidationError  # only when the catalog is read, not on a warm start

    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, display(path), label))
        return None


def _unexpected_keys(data: Mapping[str, Any], allowed: set[str], path: Path) -> Iterator[Problem]:
    for key in sorted(set(data) - allowed):
        yield Problem(file=display(path), field=key, why="unknown top-level key")


def read_model_file(path: Path, parsed: Parsed) -> None:
    """Add the ``[[models]]`` records of ``path`` (and their problems) to ``parsed``."""
    data = read_toml(path, parsed.problems)
    if data is None:
        return
    parsed.problems.extend(_unexpected_keys(data, {"models"}, path))
    for index, raw in enumerate(_tables(data, "models", path, parsed.problems)):
        label = raw.get("id") if isinstance(raw, dict) else None
        label = label if isinstance(label, str) and label else f"#{index + 1}"
        record = _typed(ModelRecord, raw, path, label, parsed.problems)
        if record is not None:
            parsed.models.append((record, path))


def read_reference(folder: Path, parsed: Parsed) -> None:
    """Add licences, metrics, tasks and languages found in ``folder`` to ``parsed``."""
    specs: list[tuple[str, dict[str, type[Frozen]]]] = [
        ("licenses.toml", {"licenses": LicenseInfo}),
        ("tasks.toml", {"metrics": MetricInfo, "tasks": TaskInfo}),
        ("languages.toml", {"languages": LanguageInfo}),
    ]
    for name, tables in specs:
        path = folder / name
        if not path.is_file():
            continue
        data = read_toml(path, parsed.problems)
        if data is None:
            continue
        extra = {"hub_pipeline_tags"} if name == "tasks.toml" else set()  # advisor.hub.refresh
        parsed.problems.extend(_unexpected_keys(data, set(tables) | extra, path))
        for key, cls in tables.items():
            target: list[Any] = getattr(parsed, key)
            for index, raw in enumerate(_tables(data, key, path, parsed.problems)):
                label = next(
                    (
                        str(raw[k])
                        for k in ("id", "task", "code")
                        if isinstance(raw, dict) and k in raw
                    ),
                    f"{key}#{index + 1}",
                )
                item = _typed(cls, raw, path, label, parsed.problems)
                if item is not None:
                    target.append(item)
