"""What a user asks the recommender (``advisor recommend`` flags, or a library call).

``Request`` validates what it can on its own (sizes not negative, ``top`` at least 1, a licence
filter that parses, a translation pair named in full); whatever needs the catalog (is the
language code known, is the licence id known, does any model reach the context length) is
checked by ``advisor.recommend`` and raised as a ``UsageError`` (exit 2).
"""

from __future__ import annotations

from enum import StrEnum

from advisor.errors import InvalidValueError
from advisor.models.base import Field, Frozen, model_check
from advisor.models.catalog import DataUnit
from advisor.models.task import Task


class Goal(StrEnum):
    """What the user wants to do with the model."""

    SERVE = "serve"
    FINE_TUNE = "fine-tune"
    BOTH = "both"


LICENSE_ANY = "any"
LICENSE_COMMERCIAL = "commercial"


class Request(Frozen):
    """One recommendation question."""

    task: Task
    data: int = Field(default=0, description="Amount of training data, in data_unit.")
    data_unit: DataUnit | None = Field(
        default=None, description="Unit of data; None: the task's own unit (tasks.toml)."
    )
    source_lang: str | None = Field(default=None, description="Translation: ISO 639 code.")
    target_lang: str | None = Field(default=None, description="Translation: ISO 639 code.")
    languages: list[str] = Field(
        default_factory=list, description="Other text tasks: languages the model must cover."
    )
    license: str = Field(
        default=LICENSE_ANY,
        description="'any', 'commercial' (licences allowing commercial use), or a comma-separated"
        " list of licence ids (SPDX, or LicenseRef- ids from licenses.toml).",
    )
    context: int | None = Field(default=None, description="Tokens the model must handle.")
    min_tokens_per_s: float | None = Field(
        default=None, description="Slowest acceptable generation speed (batch 1)."
    )
    budget_usd: float | None = Field(
        default=None, description="Most a fine-tuning run (all planned epochs) may cost."
    )
    goal: Goal = Goal.BOTH
    top: int = Field(default=5, description="How many models to recommend.")

    @model_check
    def _check(self) -> None:
        if self.data < 0:
            raise InvalidValueError(f"--data must not be negative, got {self.data}", "use 0+")
        if self.top < 1:
            raise InvalidValueError(f"--top must be at least 1, got {self.top}", "use --top 5")
        if self.context is not None and self.context < 1:
            raise InvalidValueError(f"--context must be at least 1, got {self.context}", None)
        if self.min_tokens_per_s is not None and not self.min_tokens_per_s > 0:
            raise InvalidValueError("--min-tokens-per-s must be positive", "e.g. 20")
        if self.budget_usd is not None and not self.budget_usd > 0:
            raise InvalidValueError("--budget must be a positive amount in USD", "e.g. 50")
        if (self.source_lang is None) != (self.target_lang is None):
            raise InvalidValueError(
                "translation needs both --source-lang and --target-lang",
                "e.g. --source-lang en --target-lang sw",
            )
        if self.source_lang is not None and self.task is not Task.TRANSLATION:
            raise InvalidValueError(
                "--source-lang/--target-lang apply to --task translation",
                "use --languages for other tasks",
            )
        if not self.license.strip() or any(not p.strip() for p in self.license.split(",")):
            raise InvalidValueError(
                f"cannot read --license {self.license!r}",
                "use commercial, any, or licence ids such as Apache-2.0,MIT",
            )

    def license_ids(self) -> tuple[str, ...] | None:
        """The licence ids asked for, or None for 'any' / 'commercial'."""
        key = self.license.strip().lower()
        if key in (LICENSE_ANY, LICENSE_COMMERCIAL):
            return None
        return tuple(part.strip() for part in self.license.split(","))

    @property
    def commercial_only(self) -> bool:
        """Only licences that allow commercial use."""
        return self.license.strip().lower() == LICENSE_COMMERCIAL

    @property
    def wanted_languages(self) -> tuple[str, ...]:
        """Every language the model must cover (translation pair, or --languages)."""
        if self.source_lang is not None and self.target_lang is not None:
            return (self.source_lang, self.target_lang)
        return tuple(self.languages)
