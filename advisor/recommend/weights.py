"""The recommender's policy numbers, from ``catalog/recommend/ranking.toml`` (one place, data).

``policy()`` parses the file once per process and returns a plain frozen dataclass, so the hot
loop reads attributes, not dictionaries. Every number's rationale is in the TOML file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from advisor.errors import CatalogError
from advisor.models.estimate import Precision
from advisor.models.task import Task

RANKING_FILE = "ranking.toml"


class Weights(NamedTuple):
    """Share of each score part in the total (they add up to 1)."""

    quality: float
    fit: float
    speed: float
    language: float
    license: float


class Policy(NamedTuple):
    """Everything ``ranking.toml`` holds."""

    gpu_headroom: float
    ram_headroom: float
    unified_usable_fraction: float
    serving_context: int
    serving_gen_tokens: int
    max_micro_batch: int
    target_effective_batch: int
    cpu_bandwidth_bytes_per_s: float
    cpu_bandwidth_efficiency: float
    training_seq: dict[Task, int]
    ladder_gpu: tuple[Precision, ...]
    ladder_unified: tuple[Precision, ...]
    ladder_cpu: tuple[Precision, ...]
    offload_format: Precision
    ladder_gpu_other: tuple[Precision, ...]
    ladder_cpu_other: tuple[Precision, ...]
    retention: dict[Precision, float]
    weights: Weights
    signal_share: float
    unknown_discount: float
    prior_low_params: float
    prior_high_params: float
    reference_tokens_per_s: float
    neutral_speed: float
    license_commercial: float
    license_noncommercial: float
    license_unknown: float
    tp_factor: float
    offload_factor: float
    cpu_only_factor: float
    full_headroom: float
    fallback_method_factor: float
    training_offload_factor: float
    training_missing_factor: float
    training_unknown_factor: float
    language_claimed: float
    language_unknown: float
    speech_input_translation_families: frozenset[str]
    usable_tokens_per_s: float
    secondary_weight: float
    test_set_languages: dict[str, str]
    test_set_patterns: tuple[tuple[str, str], ...]
    translation_unlisted_prior: float


def _precisions(values: list[str]) -> tuple[Precision, ...]:
    return tuple(Precision(v) for v in values)


def parse_policy(data: dict[str, Any]) -> Policy:
    """Build a ``Policy`` from the parsed TOML; ``CatalogError`` when a key is missing or bad."""
    try:
        fit, serving, weights = data["fit"], data["serving"], data["weights"]
        quality, speed, lic = data["quality"], data["speed"], data["license"]
        fs = data["fit_score"]
        langs = data["languages"]
        w = Weights(**{k: float(weights[k]) for k in Weights._fields})
        if abs(sum(w) - 1.0) > 1e-6:
            raise ValueError("[weights] must add up to 1")
        return Policy(
            gpu_headroom=float(fit["gpu_headroom"]),
            ram_headroom=float(fit["ram_headroom"]),
            unified_usable_fraction=float(fit["unified_usable_fraction"]),
            serving_context=int(fit["serving_context"]),
            serving_gen_tokens=int(fit["serving_gen_tokens"]),
            max_micro_batch=int(fit["max_micro_batch"]),
            target_effective_batch=int(fit["target_effective_batch"]),
            cpu_bandwidth_bytes_per_s=float(fit["cpu_bandwidth_bytes_per_s"]),
            cpu_bandwidth_efficiency=float(fit["cpu_bandwidth_efficiency"]),
            training_seq={Task(k): int(v) for k, v in fit.get("training_seq", {}).items()},
            ladder_gpu=_precisions(serving["gpu"]),
            ladder_unified=_precisions(serving["unified"]),
            ladder_cpu=_precisions(serving["cpu"]),
            offload_format=Precision(serving["offload"]),
            ladder_gpu_other=_precisions(serving["gpu_other"]),
            ladder_cpu_other=_precisions(serving["cpu_other"]),
            retention={Precision(k): float(v) for k, v in serving["retention"].items()},
            weights=w,
            signal_share=float(quality["signal_share"]),
            unknown_discount=float(quality["unknown_discount"]),
            prior_low_params=float(quality["prior_low_params"]),
            prior_high_params=float(quality["prior_high_params"]),
            reference_tokens_per_s=float(speed["reference_tokens_per_s"]),
            neutral_speed=float(speed["neutral"]),
            license_commercial=float(lic["commercial"]),
            license_noncommercial=float(lic["noncommercial"]),
            license_unknown=float(lic["unknown"]),
            tp_factor=float(fs["tensor_parallel"]),
            offload_factor=float(fs["offload"]),
            cpu_only_factor=float(fs["cpu_only"]),
            full_headroom=float(fs["full_headroom"]),
            fallback_method_factor=float(fs["fallback_method"]),
            training_offload_factor=float(fs["training_offload"]),
            training_missing_factor=float(fs["training_missing"]),
            training_unknown_factor=float(fs["training_unknown"]),
            language_claimed=float(langs["claimed"]),
            language_unknown=float(langs["unknown"]),
            translation_unlisted_prior=float(langs["translation_unlisted_prior"]),
            speech_input_translation_families=frozenset(
                str(f) for f in langs["speech_input_translation_families"]
            ),
            usable_tokens_per_s=float(speed["usable_tokens_per_s"]),
            secondary_weight=float(quality["secondary_weight"]),
            test_set_languages={
                str(k): str(v) for k, v in quality.get("test_set_language", {}).items()
            },
            test_set_patterns=tuple(
                (str(k).lower(), str(v)) for k, v in quality.get("test_set_patterns", {}).items()
            ),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogError(
            f"{RANKING_FILE}: {type(exc).__name__}: {exc}", "compare it with the shipped file"
        ) from None


@cache
def policy(path: Path | None = None) -> Policy:
    """The shipped policy (``catalog/recommend/ranking.toml``), or the one at ``path``."""
    if path is None:
        from advisor.paths import catalog_dir

        path = catalog_dir() / "recommend" / RANKING_FILE
    from advisor.tomlcache import cached_toml

    def parse() -> dict[str, Any]:
        import tomllib  # on a cache miss only

        from advisor.safefile import UnreadableFileError, load_toml

        try:
            return load_toml(path)
        except UnreadableFileError as exc:
            raise CatalogError(f"ranking file {exc.message}", "reinstall advisor") from None
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CatalogError(f"cannot read {path}: {exc}", "reinstall advisor") from None

    return cached_toml(path, lambda: parse_policy(parse()), Policy, ("advisor.recommend.weights",))
