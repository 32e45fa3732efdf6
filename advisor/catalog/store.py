"""The loaded catalog: models, licences, tasks, metrics and languages, with lookups."""

from __future__ import annotations

from advisor.errors import UnknownLanguageError, UnknownModelError
from advisor.models.base import Frozen
from advisor.models.catalog import (
    LanguageInfo,
    LicenseInfo,
    MetricInfo,
    ModelSpec,
    TaskInfo,
    normalize_metric,
)
from advisor.models.task import Task


class Catalog(Frozen):
    """Everything the catalog holds. Lookups are built on first use."""

    models: tuple[ModelSpec, ...]
    licenses: tuple[LicenseInfo, ...]
    tasks: tuple[TaskInfo, ...]
    metrics: tuple[MetricInfo, ...]
    languages: tuple[LanguageInfo, ...]
    notes: tuple[str, ...] = ()
    """Things worth knowing about this load (user records that replaced shipped ones)."""

    def _ids(self) -> dict[str, ModelSpec]:
        by_id: dict[str, ModelSpec] | None = self.__dict__.get("_by_id")
        if by_id is None:
            by_id = self.__dict__["_by_id"] = {m.id: m for m in self.models}  # private, no field
        return by_id

    def find(self, model_id: str) -> ModelSpec | None:
        """The model with this id (case-insensitive), or ``None``."""
        return self._ids().get(model_id.strip().lower())

    def get(self, model_id: str) -> ModelSpec:
        """The model with this id, or ``UnknownModelError`` naming the closest ids."""
        found = self.find(model_id)
        if found is not None:
            return found
        import difflib

        close = difflib.get_close_matches(model_id.lower(), list(self._ids()), n=3, cutoff=0.5)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else "run `advisor catalog list` to see the ids"
        )
        raise UnknownModelError(f"no catalog model {model_id!r}", hint)

    def by_repo(self, hf_repo: str) -> ModelSpec | None:
        """The model published as ``hf_repo`` (case-insensitive), or ``None``."""
        wanted = hf_repo.lower()
        return next((m for m in self.models if m.hf_repo.lower() == wanted), None)

    def for_task(self, task: Task) -> tuple[ModelSpec, ...]:
        """Models that list ``task``, in catalog order."""
        return tuple(m for m in self.models if task in m.tasks)

    def licence(self, license_id: str) -> LicenseInfo | None:
        """The licence with this id, or ``None`` when the catalog does not know it."""
        return next((lic for lic in self.licenses if lic.id == license_id), None)

    def task_info(self, task: Task) -> TaskInfo | None:
        """What tasks.toml says about ``task``."""
        return next((info for info in self.tasks if info.task == task), None)

    def metric(self, name: str) -> MetricInfo | None:
        """The metric ``name`` means (its id or a synonym, any case or separator)."""
        names: dict[str, MetricInfo] | None = self.__dict__.get("_metric_names")
        if names is None:
            from advisor.catalog.checks import metric_index

            names = self.__dict__["_metric_names"] = metric_index(self.metrics)
        return names.get(normalize_metric(name))

    def language(self, code: str) -> LanguageInfo:
        """The ISO 639 entry for ``code``, or ``UnknownLanguageError``."""
        wanted = code.strip().lower()
        found = next((lang for lang in self.languages if lang.code == wanted), None)
        if found is None:
            by_name = [lang.code for lang in self.languages if lang.name.lower() == wanted]
            hint = (
                f"{code!r} is the name; its code is {by_name[0]}"
                if by_name
                else "use an ISO 639-1 code such as en, de, sw (or 639-3 such as swh)"
            )
            raise UnknownLanguageError(f"unknown language code {code!r}", hint)
        return found

    def language_variants(self, code: str) -> frozenset[str]:
        """``code`` plus the codes that mean the same language for matching.

        A macrolanguage matches its individual languages and each of them matches the
        macrolanguage (``sw`` ↔ ``swh``, ``ar`` → ``arz``, ``arz`` → ``ar``), following SIL's
        macrolanguage mappings recorded in languages.toml.
        """
        info = self.language(code)
        if info.macrolanguage is not None:
            # An individual language matches its macrolanguage, not its siblings
            # (Egyptian Arabic is Arabic, but it is not Moroccan Arabic).
            return frozenset({info.code, info.macrolanguage})
        members = {lang.code for lang in self.languages if lang.macrolanguage == info.code}
        return frozenset({info.code, *members})

    def serves_language(self, model: ModelSpec, code: str) -> bool:
        """Whether ``model`` lists ``code`` or a code meaning the same language."""
        return bool(set(model.languages or ()) & self.language_variants(code))
