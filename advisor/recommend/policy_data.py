"""Loads ``catalog/policy/policy.toml``: data-size ladders, training recipes, augmentations.

``load_policy()`` returns one validated, cached ``Policy``. Validation enforces DESIGN.md §5 on
the data itself: a ladder's rungs rise in data and never lose ambition, per-bucket
regularisation lists (weight decay, dropout, LoRA dropout, label smoothing) never rise with
data, patience and LoRA rank never fall, and every task has exactly one family and one
augmentation entry. A broken file raises ``CatalogError`` naming the problem.
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

from advisor.errors import CatalogError
from advisor.models.arch import ArchType
from advisor.models.base import Field, Frozen, model_check
from advisor.models.policy import Approach
from advisor.models.task import Task

BUCKETS = 4
"""Per-bucket lists have one value for tiny, small, medium and large data."""


class Rung(Frozen):
    """One step of a ladder: from ``min_examples`` on, use ``approach``."""

    min_examples: int = Field(ge=0)
    approach: Approach
    approach_large: Approach | None = Field(
        default=None, description="For models of at least general.large_model_params."
    )
    rationale: str
    source: str

    def pick(self, large: bool) -> Approach:
        """The approach for a large or a small model."""
        return self.approach_large if large and self.approach_large else self.approach


class Family(Frozen):
    """Tasks that share a ladder and a training recipe."""

    name: str
    tasks: list[Task] = Field(min_length=1)
    rungs: list[Rung] = Field(min_length=1)

    @model_check
    def _check(self) -> None:
        if self.rungs[0].min_examples != 0:
            raise ValueError(f"family {self.name}: the first rung must start at 0 examples")
        for low, high in zip(self.rungs, self.rungs[1:], strict=False):
            if high.min_examples <= low.min_examples:
                raise ValueError(f"family {self.name}: rungs must rise in min_examples")
            for large in (False, True):
                if high.pick(large).ambition < low.pick(large).ambition:
                    raise ValueError(
                        f"family {self.name}: rung at {high.min_examples} is less ambitious"
                        " than the one before it"
                    )


def _non_increasing(values: list[float]) -> bool:
    return all(a >= b for a, b in pairwise(values))


def _non_decreasing(values: list[float]) -> bool:
    return all(a <= b for a, b in pairwise(values))


class Recipe(Frozen):
    """Training settings for one family (defaults merged with the family's overrides)."""

    effective_batch: int = Field(ge=1)
    target_steps: int = Field(ge=1)
    min_epochs: int = Field(ge=1)
    max_epochs: int = Field(ge=1)
    lr_full: float = Field(gt=0)
    lr_adapter: float = Field(gt=0)
    lr_adapter_large: float = Field(gt=0)
    lr_head: float = Field(gt=0)
    lr_scheduler: str
    warmup_ratio: float = Field(ge=0, lt=1)
    weight_decay: list[float] = Field(min_length=BUCKETS, max_length=BUCKETS)
    dropout: list[float] = Field(min_length=BUCKETS, max_length=BUCKETS)
    lora_dropout: list[float] = Field(min_length=BUCKETS, max_length=BUCKETS)
    lora_rank: list[int] = Field(min_length=BUCKETS, max_length=BUCKETS)
    lora_alpha_ratio: float = Field(gt=0)
    lora_targets: str
    label_smoothing: list[float] = Field(min_length=BUCKETS, max_length=BUCKETS)
    patience: list[int] = Field(min_length=BUCKETS, max_length=BUCKETS)
    max_grad_norm: float = Field(gt=0)
    early_stopping: bool
    validation: bool
    reasons: dict[str, str]

    @model_check
    def _check(self) -> None:
        if self.min_epochs > self.max_epochs:
            raise ValueError("min_epochs exceeds max_epochs")
        for name in ("weight_decay", "dropout", "lora_dropout", "label_smoothing"):
            if not _non_increasing(getattr(self, name)):
                raise ValueError(f"{name} must not rise with data (less data, more regularising)")
        for name in ("patience", "lora_rank"):
            if not _non_decreasing(getattr(self, name)):
                raise ValueError(f"{name} must not fall with data (less data, stricter)")


class Augmentation(Frozen):
    """Augmentations suited to some tasks."""

    tasks: list[Task] = Field(min_length=1)
    methods: list[str]
    rationale: str
    source: str


class General(Frozen):
    """Thresholds that apply to every family."""

    bucket_upper: list[int] = Field(min_length=BUCKETS - 1, max_length=BUCKETS - 1)
    bucket_rationale: str
    bucket_source: str
    validation_fraction: list[float] = Field(min_length=BUCKETS, max_length=BUCKETS)
    validation_rationale: str
    validation_source: str
    large_model_params: int = Field(gt=0)
    large_model_rationale: str
    large_model_source: str
    adapter_large_params: int = Field(gt=0)
    adapter_large_rationale: str
    adapter_large_source: str
    cpu_train_max_params: int = Field(gt=0)
    cpu_train_rationale: str
    cpu_train_source: str
    tokens_per_chunk: int = Field(gt=0)
    tokens_per_chunk_note: str
    distill_student_max_params: int = Field(gt=0)
    distill_rationale: str
    distill_source: str
    knowledge_rationale: str
    knowledge_source: str

    @model_check
    def _check(self) -> None:
        if not _non_decreasing([float(v) for v in self.bucket_upper]):
            raise ValueError("bucket_upper must rise")
        if not _non_increasing(self.validation_fraction):
            raise ValueError("validation_fraction must not rise with data")

    def bucket(self, examples: int) -> int:
        """0 tiny, 1 small, 2 medium, 3 large."""
        return sum(1 for upper in self.bucket_upper if examples >= upper)


class KindRecipe(Frozen):
    """Which recipe trains a kind of model on some tasks (first match wins; no match: the task
    family's own recipe). ``architecture`` and ``tasks`` narrow it; absent matches any."""

    recipe: str
    architecture: ArchType | None = None
    families: list[str] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    rationale: str


class RecipeChoice(NamedTuple):
    """The recipe chosen for a model, its name, and why (None: the task family's own)."""

    name: str
    recipe: Recipe
    rationale: str | None


class Policy(Frozen):
    """The whole policy file, validated."""

    general: General
    families: list[Family]
    recipes: dict[str, Recipe]
    augmentation: list[Augmentation]
    kind_recipes: list[KindRecipe] = Field(default_factory=list)

    @model_check
    def _check(self) -> None:
        for kind, seen in (
            ("family", [t for f in self.families for t in f.tasks]),
            ("augmentation entry", [t for a in self.augmentation for t in a.tasks]),
        ):
            missing = [t.value for t in Task if t not in seen]
            twice = sorted({t.value for t in seen if seen.count(t) > 1})
            if missing or twice:
                raise ValueError(f"every task needs one {kind}: missing {missing}, twice {twice}")
        unknown = [f.name for f in self.families if f.name not in self.recipes]
        unknown += [k.recipe for k in self.kind_recipes if k.recipe not in self.recipes]
        if unknown:
            raise ValueError(f"families or kinds without a recipe: {unknown}")

    def recipe_for(self, task: Task, architecture: ArchType | None) -> RecipeChoice:
        """The recipe that trains a model of ``architecture`` on ``task``."""
        family = self.family(task).name
        for k in self.kind_recipes:
            if k.architecture is not None and k.architecture is not architecture:
                continue
            if k.families and family not in k.families:
                continue
            if k.tasks and task not in k.tasks:
                continue
            return RecipeChoice(k.recipe, self.recipes[k.recipe], k.rationale)
        return RecipeChoice(family, self.recipes[family], None)

    def family(self, task: Task) -> Family:
        """The family whose ladder and recipe apply to ``task``."""
        return next(f for f in self.families if task in f.tasks)

    def augmentations(self, task: Task) -> Augmentation:
        """The augmentation entry for ``task``."""
        return next(a for a in self.augmentation if task in a.tasks)


def policy_path() -> Path:
    """Where the shipped policy file is."""
    from advisor.paths import catalog_dir

    return catalog_dir() / "policy" / "policy.toml"


def parse_policy(data: dict[str, Any]) -> Policy:
    """Build a ``Policy`` from the parsed TOML: recipes are ``[defaults]`` plus overrides."""
    defaults = dict(data.get("defaults", {}))
    default_reasons = dict(defaults.pop("reasons", {}))
    recipes: dict[str, Any] = {}
    for name, override in dict(data.get("recipes", {})).items():
        merged = {**defaults, **override}
        merged["reasons"] = {**default_reasons, **dict(override.get("reasons", {}))}
        recipes[name] = merged
    return Policy.model_validate(
        {
            "general": data.get("general"),
            "families": data.get("families", []),
            "recipes": recipes,
            "augmentation": data.get("augmentation", []),
            "kind_recipes": data.get("kind_recipes", []),
        }
    )


def read_policy(path: Path) -> Policy:
    """Read and validate a policy file; ``CatalogError`` names what is wrong."""
    from advisor.tomlcache import cached_toml

    def parse() -> dict[str, Any]:
        import tomllib  # on a cache miss only

        from advisor.safefile import UnreadableFileError, load_toml

        try:
            return load_toml(path)
        except UnreadableFileError as exc:
            raise CatalogError(f"policy file {exc.message}", "reinstall advisor") from None
        except OSError as exc:
            raise CatalogError(
                f"cannot read policy file {path}: {exc}", "reinstall advisor"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"policy file {path} is not valid TOML: {exc}", None) from exc

    def build() -> Policy:
        from pydantic import ValidationError  # validation runs on a cache miss only

        try:
            return parse_policy(parse())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise CatalogError(
                f"policy file {path} is invalid: {where}: {first['msg']}",
                "fix the entry; see the comments at the top of the file",
            ) from exc

    modules = (
        "advisor.recommend.policy_data",
        "advisor.models.policy",
        "advisor.models.base",
        "advisor.models.arch",
    )
    return cached_toml(path, build, Policy, modules)


@cache
def load_policy() -> Policy:
    """The shipped policy (read once per process)."""
    return read_policy(policy_path())
