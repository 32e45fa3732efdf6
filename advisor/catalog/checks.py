"""Checks across records and reference tables: what the schema alone cannot see.

Each check returns ``Problem`` objects; ``severity="note"`` marks what could not be checked
(no config, estimator cannot read the architecture) so a reviewer sees the gap without the
catalog failing. Checks never raise on content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from advisor.catalog.files import display
from advisor.models.catalog import (
    LanguageInfo,
    LicenseInfo,
    MetricInfo,
    ModelRecord,
    Problem,
    Severity,
    TaskInfo,
    normalize_metric,
)
from advisor.models.task import Task

PARAMS_TOLERANCE = 0.02
"""Stated total parameters may differ from the count derived from the config by 2 % (issue
"catalog": covers biases, norms and tied embeddings that a config does not spell out)."""

Records = Sequence[tuple[ModelRecord, Path]]

CITABLE = re.compile(r"https?://\S+|[\w.-]+/[\w.-]+@[0-9a-f]{7,40}:\S+")
"""What a ``source`` must contain to be traced by someone else: a URL, or the
``owner/repo@commit:path`` of the file read (issue 12: free text is not a source)."""


def citable(source: str | None) -> bool:
    """Whether ``source`` names a URL or a ``repo@commit:path`` somewhere in its text."""
    return bool(source) and CITABLE.search(source or "") is not None


def metric_index(metrics: Iterable[MetricInfo]) -> dict[str, MetricInfo]:
    """Every spelling of every metric (id and synonyms, normalised) → the metric."""
    index: dict[str, MetricInfo] = {}
    for metric in metrics:
        for name in (metric.id, *metric.synonyms):
            index[normalize_metric(name)] = metric
    return index


def unique_ids(records: Records) -> Iterator[Problem]:
    """The same id twice among ``records`` (one layer: shipped, or the user overlay)."""
    first: dict[str, Path] = {}
    for record, path in records:
        if record.id in first:
            yield Problem(
                file=display(path),
                model=record.id,
                field="id",
                why=f"duplicate id (first defined in {display(first[record.id])})",
            )
        else:
            first[record.id] = path


def record_problems(
    record: ModelRecord,
    path: Path,
    *,
    licenses: dict[str, LicenseInfo],
    languages: dict[str, LanguageInfo],
    metrics: dict[str, MetricInfo],
    complete: bool = True,
) -> Iterator[Problem]:
    """Reference and consistency problems of one record.

    ``complete=False`` (every load) leaves out the completeness checks that do not make a
    record wrong, only less useful (a translation model without its languages, a model with
    neither params nor config); ``catalog validate`` runs them.
    """
    file, model = display(path), record.id

    def problem(field: str, why: str, severity: Severity = "error") -> Problem:
        return Problem(file=file, model=model, field=field, why=why, severity=severity)

    if record.license not in licenses:
        yield problem("license", f"unknown licence {record.license!r} (add it to licenses.toml)")
    for index, code in enumerate(record.languages or ()):
        if code not in languages:
            yield problem(
                f"languages.{index}", f"{code!r} is not an ISO 639 code in languages.toml"
            )
    if complete and Task.TRANSLATION in record.tasks and len(record.languages or ()) < 2:
        yield problem("languages", "a translation model must list every language it translates")
    if complete and record.params is None and not record.config:
        yield problem("params", "missing: state total parameters (or give [models.config])")
    if (
        record.active_params is not None
        and record.params is not None
        and record.active_params > record.params
    ):
        yield problem("active_params", f"{record.active_params:,} exceeds params {record.params:,}")
    if record.release_date is not None and record.release_date > date.today():
        yield problem("release_date", f"{record.release_date} is in the future")
    for index, signal in enumerate(record.quality):
        if normalize_metric(signal.metric) not in metrics:
            yield problem(
                f"quality.{index}.metric",
                f"unknown metric {signal.metric!r} (add it to tasks.toml [[metrics]])",
            )
    for where, value in config_sizes(record.config or {}):
        if value < 0 or (value == 0 and not _MAY_BE_ZERO.search(where)):
            yield problem(f"config.{where}", f"a size must be positive (got {value})")


_SIZE_KEY = re.compile(
    r"^(num|n)_|_(size|layers|heads|dim|embeddings|experts|positions|channels)$"
    r"|^(d_model|d_ff|d_kv|n_embd|n_ctx)$"
)
"""config.json keys that hold a count or a size (hidden_size, num_hidden_layers, n_head, ...)."""
_MAY_BE_ZERO = re.compile(r"type_vocab_size$|expert|nextn")
"""Counts that are legitimately 0 (DeBERTa-v3 has no token types; dense models no experts)."""


def config_sizes(config: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """(dotted key, value) of every numeric size in ``config``, nested tables included."""
    for key, value in config.items():
        if isinstance(value, Mapping):
            yield from config_sizes(value, f"{prefix}{key}.")
        elif type(value) in (int, float) and _SIZE_KEY.search(key) and "window" not in key:
            yield f"{prefix}{key}", value


def family_notes(record: ModelRecord, path: Path, tasks: dict[Task, TaskInfo]) -> Iterator[Problem]:
    """Notes for tasks whose tasks.toml entry does not list the record's family."""
    for task in record.tasks:
        info = tasks.get(task)
        if info is not None and record.family not in info.families:
            yield Problem(
                file=display(path),
                model=record.id,
                field="family",
                severity="note",
                why=f"family {record.family!r} is not listed for {task.value} in tasks.toml",
            )


def arithmetic(record: ModelRecord, path: Path) -> Iterator[Problem]:
    """Stated params (and active params) against the count derived from the config, ±2 %."""
    file, model = display(path), record.id
    if not record.config:
        return
    try:
        # Imported here: only `catalog validate` pays for the estimators.
        from advisor.estimate.config import arch_from_config
    except ImportError:
        yield Problem(
            file=file,
            model=model,
            field="params",
            severity="note",
            why="not checked against the config: the architecture reader is not installed",
        )
        return
    try:
        arch = arch_from_config(record.config)
    except Exception as exc:  # any failure to read a config is a note, never a crash
        yield Problem(
            file=file,
            model=model,
            field="config",
            severity="note",
            why=f"params not checked: the architecture could not be derived ({exc})",
        )
        return
    model_type = record.config.get("model_type")
    # A config of a family the reader does not know is read as a Llama-style decoder, and the
    # reader says so in its notes: that count is a guess, so a mismatch is only a note.
    guessed = any("Llama-style" in note for note in arch.notes)
    pairs = [("params", record.params, arch.params_total)]
    if record.active_params is not None and arch.params_active is not None:
        pairs.append(("active_params", record.active_params, arch.params_active))
    for field, stated, derived in pairs:
        if stated is None:
            yield Problem(
                file=file,
                model=model,
                field=field,
                severity="note",
                why=f"not stated; the config gives {derived:,}",
            )
        elif derived and abs(stated - derived) > PARAMS_TOLERANCE * derived:
            off = (stated - derived) / derived
            why = (
                f"{stated:,} is {off:+.1%} off the {derived:,} derived from the config "
                f"(tolerance {PARAMS_TOLERANCE:.0%})"
            )
            if guessed:
                why += f"; model_type {model_type!r} was read as a Llama-style guess"
            yield Problem(
                file=file,
                model=model,
                field=field,
                why=why,
                severity="note" if guessed else "error",
            )


def provenance(record: ModelRecord, path: Path) -> Iterator[Problem]:
    """Warnings for a record a reader cannot date or trace: no ``release_date``, or a
    ``source`` (of the record or of one of its quality signals) that names no URL and no
    ``repo@commit:path``. Warnings pass validation; the shipped catalog is held to them by
    a test."""
    file, model = display(path), record.id
    if record.release_date is None:
        yield Problem(
            file=file,
            model=model,
            field="release_date",
            severity="warning",
            why="missing: add the date the model was published (YYYY-MM-DD, -01 if only the month)",
        )
    if not citable(record.source):  # the schema already requires a non-empty source
        yield Problem(
            file=file,
            model=model,
            field="source",
            severity="warning",
            why="free text: cite a URL or repo@commit:path of the config.json or card read",
        )
    for index, signal in enumerate(record.quality):
        if not citable(signal.source):
            yield Problem(
                file=file,
                model=model,
                field=f"quality.{index}.source",
                severity="warning",
                why="free text: cite the URL or repo@commit:path the score was read from",
            )


def reference_problems(
    folder: Path,
    licenses: Sequence[LicenseInfo],
    metrics: Sequence[MetricInfo],
    tasks: Sequence[TaskInfo],
    languages: Sequence[LanguageInfo],
    *,
    complete: bool,
) -> Iterator[Problem]:
    """Duplicates and dangling references inside one folder's licenses, tasks and languages
    files; ``complete`` (the shipped catalog) also requires an entry for every task."""

    def dupes(name: str, keys: Iterable[str]) -> Iterator[Problem]:
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                yield Problem(file=display(folder / name), model=key, why="duplicate entry")
            seen.add(key)

    yield from dupes("licenses.toml", (lic.id for lic in licenses))
    yield from dupes("languages.toml", (lang.code for lang in languages))
    yield from dupes("tasks.toml", (info.task.value for info in tasks))
    yield from dupes(
        "tasks.toml", (normalize_metric(n) for m in metrics for n in (m.id, *m.synonyms))
    )
    known = metric_index(metrics)
    task_file = display(folder / "tasks.toml")
    for info in tasks:
        for index, name in enumerate(info.metrics):
            if normalize_metric(name) not in known:
                yield Problem(
                    file=task_file,
                    model=info.task.value,
                    field=f"metrics.{index}",
                    why=f"metric {name!r} is not defined in [[metrics]]",
                )
    if complete:
        for task in sorted(set(Task) - {info.task for info in tasks}):
            yield Problem(file=task_file, model=task.value, why="task has no [[tasks]] entry")
    codes = {lang.code for lang in languages}
    for lang in languages:
        if lang.macrolanguage is not None and lang.macrolanguage not in codes:
            yield Problem(
                file=display(folder / "languages.toml"),
                model=lang.code,
                field="macrolanguage",
                why=f"{lang.macrolanguage!r} is not a code in this file",
            )
