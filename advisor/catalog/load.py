"""Loading: shipped catalog + user overlay → ``Catalog``; and ``validate_catalog``.

The user overlay (``advisor.paths.user_catalog_dir()``) is read the same way as the shipped
catalog and checked the same way; a user record with a shipped id replaces the shipped record
and the replacement is recorded in its ``origin`` and in ``Catalog.notes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, TypeVar

from advisor.catalog import checks
from advisor.catalog.files import Parsed, display, model_files, read_model_file, read_reference
from advisor.catalog.store import Catalog
from advisor.models.catalog import (
    LicenseInfo,
    ModelOrigin,
    ModelRecord,
    ModelSpec,
    Origin,
    Problem,
)


class Sources(NamedTuple):
    """The folders and files one load reads."""

    reference: tuple[Path, ...]
    """Folders whose licenses/tasks/languages.toml are read, later ones overriding."""
    shipped: tuple[Path, ...]
    """Model files of the base layer."""
    user: tuple[Path, ...] = ()
    """Model files of the overlay layer."""

    def files(self) -> list[Path]:
        """Every file the load depends on (for the cache key)."""
        refs = [
            folder / name
            for folder in self.reference
            for name in ("licenses.toml", "tasks.toml", "languages.toml")
            if (folder / name).is_file()
        ]
        return [*refs, *self.shipped, *self.user]


def sources_for(path: Path, user_dir: Path | None) -> Sources:
    """What to read for the catalog at ``path`` (folder or one model file) plus an overlay."""
    from advisor.paths import catalog_dir

    shipped_root = catalog_dir()
    if not path.is_dir():  # a model file (or a FIFO or device, which reading then reports)
        reference: list[Path] = [shipped_root]
        shipped = [path]
    else:
        reference = (
            [shipped_root] if path.resolve() == shipped_root.resolve() else [shipped_root, path]
        )
        shipped = model_files(path)
    user: list[Path] = []
    if user_dir is not None and user_dir.is_dir():
        reference.append(user_dir)
        user = model_files(user_dir)
    return Sources(tuple(reference), tuple(shipped), tuple(user))


def _reference(sources: Sources) -> tuple[Parsed, list[Problem]]:
    """Reference tables of every folder, checked per folder, merged (later folders win)."""
    merged, problems = Parsed(), []
    for number, folder in enumerate(sources.reference):
        one = Parsed()
        read_reference(folder, one)
        problems += one.problems
        problems += checks.reference_problems(
            folder, one.licenses, one.metrics, one.tasks, one.languages, complete=number == 0
        )
        merged.licenses = _last_wins([*merged.licenses, *one.licenses], "id")
        merged.metrics = _last_wins([*merged.metrics, *one.metrics], "id")
        merged.tasks = _last_wins([*merged.tasks, *one.tasks], "task")
        merged.languages = _last_wins([*merged.languages, *one.languages], "code")
    return merged, problems


_T = TypeVar("_T")


def _last_wins(items: Sequence[_T], key: str) -> list[_T]:
    merged: dict[str, _T] = {}
    for item in items:
        merged[str(getattr(item, key))] = item
    return list(merged.values())


def build(sources: Sources, *, arithmetic: bool = False) -> tuple[Catalog, list[Problem]]:
    """Read, check and assemble. Problems are returned, never raised.

    ``arithmetic=True`` (``catalog validate``) adds the parameter arithmetic and the
    completeness checks; a plain load runs only the checks that make records wrong.
    """
    ref, problems = _reference(sources)
    base, overlay = Parsed(), Parsed()
    for path in sources.shipped:
        read_model_file(path, base)
    for path in sources.user:
        read_model_file(path, overlay)
    problems += base.problems + overlay.problems
    licenses = {lic.id: lic for lic in ref.licenses}
    languages = {lang.code: lang for lang in ref.languages}
    metrics = checks.metric_index(ref.metrics)
    task_infos = {info.task: info for info in ref.tasks}
    for layer in (base.models, overlay.models):
        problems += checks.unique_ids(layer)
        for record, path in layer:
            problems += checks.record_problems(
                record,
                path,
                licenses=licenses,
                languages=languages,
                metrics=metrics,
                complete=arithmetic,
            )
            if arithmetic:
                problems += checks.arithmetic(record, path)
                problems += checks.family_notes(record, path, task_infos)
                problems += checks.provenance(record, path)

    shipped_file = {record.id: path for record, path in base.models}
    specs: dict[str, ModelSpec] = {}
    notes: list[str] = []
    for layer, kind in ((base.models, Origin.SHIPPED), (overlay.models, Origin.USER)):
        for record, path in layer:
            overrides = None
            if kind is Origin.USER and record.id in shipped_file:
                overrides = display(shipped_file[record.id])
                notes.append(
                    f"user catalog {display(path)} replaces {record.id!r} from {overrides}"
                )
            specs[record.id] = _spec(
                record, licenses, ModelOrigin(kind=kind, path=display(path), overrides=overrides)
            )
    catalog = Catalog(
        models=tuple(specs.values()),
        licenses=tuple(ref.licenses),
        tasks=tuple(ref.tasks),
        metrics=tuple(ref.metrics),
        languages=tuple(ref.languages),
        notes=tuple(notes),
    )
    return catalog, problems


def _spec(record: ModelRecord, licenses: dict[str, LicenseInfo], origin: ModelOrigin) -> ModelSpec:
    licence = licenses.get(record.license)
    commercial = licence.commercial if licence is not None else None
    # The record was validated a moment ago; construct without validating it twice.
    return ModelSpec.model_construct(
        **dict(record),
        commercial_use=commercial,
        origin=origin,
    )
