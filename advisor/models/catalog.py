"""Catalog types: model records, licences, tasks, metrics, languages, validation problems.

A ``ModelRecord`` is exactly what a ``[[models]]`` table in ``catalog/models/*.toml`` may hold
(unknown keys are rejected, so typos surface). A ``ModelSpec`` is a record after loading: it adds
what the loader derives (whether the licence allows commercial use, where the record came
from). Facts a record does not state are ``None``, never 0.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from advisor.models.arch import ArchType
from advisor.models.base import Field, Frozen, field_check
from advisor.models.task import Task

if TYPE_CHECKING:
    from advisor.models.arch import ModelArch

_ID = re.compile(r"\A[a-z0-9][a-z0-9.-]*\Z")
_REPO_PART = re.compile(r"\A[A-Za-z0-9_.-]{1,96}\Z")
"""One half of a Hub repo id: ASCII letters, digits, '_', '.', '-', at most 96 characters (the
Hub's own rule, huggingface_hub.utils.validate_repo_id). ``\\Z``, not ``$``: ``$`` also matches
before a final newline."""


def repo_id_problem(text: str) -> str | None:
    """Why ``text`` is not a Hugging Face repo id ``owner/name``, or ``None`` when it is one."""
    owner, slash, name = text.partition("/")
    if not slash or "/" in name:
        return "a Hub repo id is owner/name"
    for part in (owner, name):
        if not _REPO_PART.match(part):
            return "each part of owner/name is 1 to 96 letters, digits, '_', '.' or '-'"
        if part[0] in "-." or part[-1] in "-." or "--" in part or ".." in part:
            return "a part of owner/name cannot start or end with '-' or '.', or hold '--' or '..'"
    return None


Dtype = Literal["fp32", "bf16", "fp16", "fp8"]
"""Precision of the published weights (``torch_dtype``; fp8 for natively FP8 checkpoints)."""

Severity = Literal["error", "warning", "note"]
"""An error fails validation; a warning is printed but passes (a record a user cannot trace:
no release date, no citable source); a note says what could not be checked."""

DataUnit = Literal["examples", "tokens", "hours", "images"]
"""What a task's training data is counted in."""


def normalize_metric(metric: str) -> str:
    """Canonical spelling of a metric id: lowercase, ``_`` and spaces become ``-``."""
    return metric.strip().lower().replace("_", "-").replace(" ", "-")


class QualitySignal(Frozen):
    """One published score of a model, with where it was published."""

    metric: str = Field(min_length=1, description="Metric id (see tasks.toml [[metrics]]).")
    value: float = Field(description="As published (percent for accuracies, WER in percent).")
    benchmark: str = Field(min_length=1, description="Dataset, split and protocol.")
    source: str = Field(min_length=1, description="Paper, model card or leaderboard URL.")
    test_set: str | None = Field(
        default=None,
        description=(
            "Canonical test-set id (e.g. 'flores-200-devtest', 'open-asr-leaderboard', "
            "'ade20k-val'): scores compare across models only on the same test set."
        ),
    )
    language: str | None = Field(
        default=None,
        description="Language ('de') or direction ('en-de') the score is for; None = aggregate.",
    )


class ModelRecord(Frozen):
    """One ``[[models]]`` entry of a catalog file, as written (catalog/README.md)."""

    id: str = Field(description="Unique catalog id: lowercase letters, digits, '.', '-'.")
    hf_repo: str = Field(description="Hugging Face repo id, owner/name.")
    name: str = Field(min_length=1)
    family: str = Field(min_length=1, description="Lowercase family name (tasks.toml uses it).")
    tasks: list[Task] = Field(min_length=1)
    architecture: ArchType
    params: int | None = Field(default=None, gt=0, description="Total parameters.")
    active_params: int | None = Field(
        default=None, gt=0, description="MoE: parameters used per token (None when dense)."
    )
    native_dtype: Dtype | None = None
    license: str = Field(min_length=1, description="An id from licenses.toml.")
    languages: list[str] | None = Field(
        default=None, description="ISO 639-1 codes (639-3 where no 639-1 code exists)."
    )
    languages_claimed: int | None = Field(
        default=None,
        gt=0,
        description=(
            "How many languages the card claims in bulk ('119 languages') when it does not list "
            "them all; `languages` then holds the ones it names."
        ),
    )
    translation_directions: list[str] | None = Field(
        default=None,
        description=(
            "Directional translation models only: the 'src-tgt' pairs it translates "
            "(e.g. ['de-en']); absent means any direction among its languages."
        ),
    )
    reviewed: bool = Field(
        default=True,
        description="False for records generated from the Hub (catalog refresh) not yet reviewed.",
    )
    release_date: date | None = None
    context_length: int | None = Field(default=None, gt=0, description="Tokens.")
    gated: bool | None = Field(default=None, description="The Hub repo asks to accept terms.")
    source: str = Field(min_length=1, description="Where the facts were read.")
    notes: str | None = None
    config: dict[str, Any] | None = Field(
        default=None, description="Subset of config.json with its own key names."
    )
    quality: list[QualitySignal] = Field(default_factory=list)

    @field_check("id")
    @staticmethod
    def _check_id(value: str) -> None:
        if not _ID.match(value):
            raise ValueError("must be lowercase letters, digits, '.' and '-'")

    @field_check("hf_repo")
    @staticmethod
    def _check_repo(value: str) -> None:
        problem = repo_id_problem(value)
        if problem is not None:
            raise ValueError(f"must be a Hugging Face repo id 'owner/name' ({problem})")

    @field_check("family")
    @staticmethod
    def _check_family(value: str) -> None:
        if value != value.lower():
            raise ValueError("must be lowercase")

    @field_check("languages")
    @staticmethod
    def _check_languages(value: list[str]) -> None:
        if len(set(value)) != len(value):
            raise ValueError("lists a language twice")

    @field_check("translation_directions")
    @staticmethod
    def _check_directions(value: list[str]) -> None:
        for pair in value:
            src, sep, tgt = pair.partition("-")
            if not sep or not src or not tgt or "-" in tgt or src == tgt:
                raise ValueError(f"{pair!r} is not a 'src-tgt' pair of two language codes")


class Origin(StrEnum):
    """Where a loaded record came from."""

    SHIPPED = "shipped"
    USER = "user"


class ModelOrigin(Frozen):
    """The file a record was loaded from, and the shipped record it replaced, if any."""

    kind: Origin
    path: str
    overrides: str | None = Field(
        default=None, description="User overlay only: the shipped file whose record it replaces."
    )


class ModelSpec(ModelRecord):
    """A loaded catalog model: the record plus what the loader derived."""

    commercial_use: bool | None = Field(
        default=None, description="From licenses.toml: the licence allows commercial use."
    )
    origin: ModelOrigin | None = None

    @property
    def is_moe(self) -> bool:
        """Whether only part of the parameters work per token."""
        return (
            self.active_params is not None
            and self.params is not None
            and (self.active_params < self.params)
        )

    def arch(self) -> ModelArch:
        """Architecture facts for the estimators (computed once, then cached).

        From ``config`` through ``advisor.estimate.config.arch_from_config``; when the record
        has no config, or one the reader does not support (diffusion pipelines, YOLO, ...), a
        parameter-only architecture from ``params`` (and ``active_params``). Raises
        ``ConfigError`` when neither is possible.
        """
        cached: ModelArch | None = self.__dict__.get("_arch")
        if cached is None:
            cached = self._derive_arch()
            self.__dict__["_arch"] = cached  # private: not a field, not compared or pickled
        return cached

    def _derive_arch(self) -> ModelArch:
        # Imported here: the estimators are not needed to list or validate the catalog.
        from advisor.errors import ConfigError
        from advisor.estimate import config as estimate_config

        failure: ConfigError | None = None
        if self.config:
            try:
                return estimate_config.arch_from_config(self.config, source=self.id)
            except ConfigError as exc:
                failure = exc
        if self.params is None:
            raise failure or ConfigError(
                f"catalog model {self.id!r} states neither params nor a config",
                "add params or [models.config] to its catalog record",
            )
        arch = estimate_config.arch_from_params(self.params, self.architecture)
        if self.active_params is not None:
            arch = arch.model_copy(update={"params_active": self.active_params})
        if failure is not None:
            reason = f"config not readable ({failure.message}); sized from params alone"
            arch = arch.model_copy(update={"notes": (*arch.notes, reason)})
        return arch


class LicenseInfo(Frozen):
    """A licence the catalog knows (catalog/licenses.toml)."""

    id: str = Field(description="SPDX id, or a LicenseRef- id when SPDX has none.")
    name: str
    commercial: bool = Field(description="Commercial use is allowed at all.")
    conditions: str | None = Field(default=None, description="Strings attached.")
    caveat: str | None = Field(
        default=None,
        description=(
            "Commercial use is allowed with an obligation a business must plan for (network"
            " copyleft, a revenue or user cap); shown on every row that recommends it."
        ),
    )
    source: str


class MetricInfo(Frozen):
    """A quality metric: its direction decides how models are ranked."""

    id: str = Field(description="Canonical id (lowercase, '-' separated).")
    name: str
    direction: Literal["higher", "lower"] = Field(description="Which way is better.")
    unit: str | None = Field(default=None, description="percent, score, ...")
    synonyms: list[str] = Field(default_factory=list, description="Other ids meaning the same.")
    per_benchmark: bool = Field(
        default=False,
        description=(
            "Values depend on the test set (BLEU on newstest vs Tatoeba, WER on clean vs noisy"
            " audio): only signals with the same benchmark text are compared."
        ),
    )
    source: str


class TaskInfo(Frozen):
    """What the recommender knows about a task (catalog/tasks.toml)."""

    task: Task
    data_unit: DataUnit = Field(description="What the user's --data counts.")
    metrics: list[str] = Field(
        min_length=1, description="Ranking metric ids, most preferred first."
    )
    primary_test_sets: list[str] = Field(
        default_factory=list,
        description=(
            "The canonical test sets of the task's primary metric (its first metric): scores"
            " on them count fully in ranking; any other score only against models scored on"
            " the same test set."
        ),
    )
    families: list[str] = Field(default_factory=list, description="Model families serving it.")
    knowledge_heavy: bool = Field(
        default=False, description="Answers depend on facts (favours retrieval, RAG)."
    )
    tokens_per_example: int | None = Field(
        default=None, gt=0, description="Assumed tokens per training example (text tasks)."
    )
    seconds_per_example: float | None = Field(
        default=None, gt=0, description="Assumed seconds of audio per example (audio tasks)."
    )
    conversion_note: str | None = Field(
        default=None, description="Why the conversion above holds, with its source."
    )
    rationale: str = Field(description="Why these metrics and this data unit.")
    source: str


class LanguageInfo(Frozen):
    """An ISO 639 language code (catalog/languages.toml)."""

    code: str
    name: str
    part: Literal["1", "3"] = Field(description="ISO 639-1 (two letters) or 639-3 (three).")
    macrolanguage: str | None = Field(
        default=None, description="639-3 only: the 639-1 macrolanguage it belongs to."
    )


class Problem(Frozen):
    """One thing wrong (or worth noting) in a catalog file."""

    file: str
    model: str | None = Field(default=None, description="Record id (or #index without one).")
    field: str | None = Field(default=None, description="Dotted field path, e.g. quality.0.source")
    why: str
    severity: Severity = "error"

    def line(self) -> str:
        """``file: model: field: why`` with ``-`` for parts that do not apply."""
        return f"{self.file}: {self.model or '-'}: {self.field or '-'}: {self.why}"


class CatalogListing(Frozen):
    """The ``advisor catalog list --json`` document: full records of the listed models."""

    models: list[ModelSpec]
