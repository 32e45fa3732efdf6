"""Candidates: check a request against the catalog, and filter the task's models.

``validate_request`` raises a ``UsageError`` (exit 2) when the request itself cannot be
answered as asked: an unknown language code (with close matches), an unknown licence id, a
context length no catalog model of the task reaches. ``filter_models`` keeps the models a
request allows and returns every other one with the reason (licence, languages, context), so
nothing disappears silently.
"""

from __future__ import annotations

from typing import NamedTuple

from advisor.catalog.store import Catalog
from advisor.errors import InvalidValueError, UnknownLanguageError
from advisor.models.catalog import ModelSpec
from advisor.models.request import Request
from advisor.models.task import Task

TEXT_TASKS = frozenset(
    {
        Task.CHAT,
        Task.TEXT_GENERATION,
        Task.TRANSLATION,
        Task.SUMMARIZATION,
        Task.TEXT_CLASSIFICATION,
        Task.TOKEN_CLASSIFICATION,
        Task.QUESTION_ANSWERING,
        Task.EMBEDDINGS,
        Task.CODE,
        Task.SPEECH_RECOGNITION,
        Task.TEXT_TO_SPEECH,
        Task.VISION_LANGUAGE,
    }
)
"""Tasks where the language of the text matters (--languages applies)."""


class Drop(NamedTuple):
    """A model left out before fitting, with the reason and the kind of reason."""

    model: ModelSpec
    kind: str
    reason: str


def _check_language(catalog: Catalog, code: str) -> None:
    try:
        catalog.language(code)
    except UnknownLanguageError as exc:
        import difflib  # only a misspelt request pays for suggestions

        codes = [lang.code for lang in catalog.languages]
        close = difflib.get_close_matches(code.strip().lower(), codes, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else exc.hint
        raise UnknownLanguageError(exc.message, hint) from None


def validate_request(request: Request, catalog: Catalog) -> None:
    """Raise a ``UsageError`` when the request cannot be understood against this catalog."""
    for code in request.wanted_languages:
        _check_language(catalog, code)
    if request.languages and request.task not in TEXT_TASKS:
        raise InvalidValueError(
            f"--languages does not apply to --task {request.task.value}",
            "drop --languages for image tasks",
        )
    ids = request.license_ids()
    if ids is not None:
        known = {lic.id for lic in catalog.licenses}
        by_lower = {k.lower(): k for k in known}
        for lic in ids:
            if lic not in known:
                import difflib

                close = difflib.get_close_matches(lic.lower(), list(by_lower), n=3, cutoff=0.5)
                fix = [by_lower[c] for c in close]
                hint = (
                    f"did you mean {', '.join(fix)}?"
                    if fix
                    else "use commercial, any, or an id from `advisor catalog list`"
                )
                raise InvalidValueError(f"unknown licence id {lic!r}", hint)
    if request.context is not None:
        lengths = [m.context_length for m in catalog.for_task(request.task) if m.context_length]
        if lengths and request.context > max(lengths):
            raise InvalidValueError(
                f"--context {request.context:,} is longer than any {request.task.value} model in"
                f" the catalog (longest: {max(lengths):,} tokens)",
                "ask for a shorter context, or add a model with `advisor catalog add`",
            )


def _license_drop(model: ModelSpec, request: Request) -> str | None:
    ids = request.license_ids()
    if ids is not None and model.license not in ids:
        return f"licence {model.license} is not one of {', '.join(ids)}"
    if request.commercial_only and model.commercial_use is not True:
        state = "does not allow" if model.commercial_use is False else "is not known to allow"
        return f"licence {model.license} {state} commercial use"
    return None


def _language_drop(model: ModelSpec, request: Request, catalog: Catalog) -> str | None:
    if request.task is Task.TRANSLATION and Task.SPEECH_RECOGNITION in model.tasks:
        # Whisper's "translate" task turns speech in any language into English text
        # (Radford et al. 2022, arXiv 2212.04356 §2.3); it does not translate text.
        return "translates speech into English, not text"
    wanted = request.wanted_languages
    if not wanted:
        return None
    if model.languages is None:
        return "the catalog does not state its languages"
    missing = [code for code in wanted if not catalog.serves_language(model, code)]
    if request.task is Task.TRANSLATION and missing:
        pair = f"{request.source_lang}→{request.target_lang}"
        return (
            f"does not cover {', '.join(missing)} (pair {pair}; it covers"
            f" {len(model.languages)} language{'s' if len(model.languages) != 1 else ''})"
        )
    if len(missing) == len(wanted):
        return f"covers none of {', '.join(wanted)}"
    return None


def language_coverage(model: ModelSpec, request: Request, catalog: Catalog) -> float | None:
    """Share of the requested languages the model covers (None: nothing asked, or unknown)."""
    wanted = request.wanted_languages
    if not wanted or model.languages is None:
        return None
    return sum(catalog.serves_language(model, c) for c in wanted) / len(wanted)


def filter_models(request: Request, catalog: Catalog) -> tuple[list[ModelSpec], list[Drop]]:
    """The task's models the request allows, and the others with reasons (catalog order)."""
    kept: list[ModelSpec] = []
    drops: list[Drop] = []
    for model in catalog.for_task(request.task):
        reason = _license_drop(model, request)
        if reason is not None:
            drops.append(Drop(model, "license", reason))
            continue
        reason = _language_drop(model, request, catalog)
        if reason is not None:
            drops.append(Drop(model, "language", reason))
            continue
        if (
            request.context is not None
            and model.context_length is not None
            and model.context_length < request.context
        ):
            drops.append(
                Drop(
                    model,
                    "context",
                    f"handles {model.context_length:,} tokens, {request.context:,} asked",
                )
            )
            continue
        kept.append(model)
    return kept, drops


READY_TASKS = frozenset(
    {
        Task.TRANSLATION,
        Task.SPEECH_RECOGNITION,
        Task.TEXT_TO_SPEECH,
        Task.OBJECT_DETECTION,
        Task.IMAGE_SEGMENTATION,
        Task.IMAGE_GENERATION,
        Task.EMBEDDINGS,
        Task.SUMMARIZATION,
    }
)
"""Tasks whose non-LLM catalog models are released trained for the task (NLLB, Whisper, DETR,
sentence-transformers...): usable as they are."""

_HEADS = (
    "ForSequenceClassification",
    "ForTokenClassification",
    "ForQuestionAnswering",
    "ForImageClassification",
    "ForObjectDetection",
    "ForSemanticSegmentation",
)


def is_task_model(model: ModelSpec, task: Task) -> bool:
    """Whether the model is already trained for ``task`` and can be used as is.

    Decoder LLMs are prompted (never 'as is'); other models count as ready when the task is one
    their kind is released for, or when their config names a task head
    (``architectures = ["…ForSequenceClassification"]``). Base encoders are not ready.
    """
    if model.architecture.value == "decoder":
        return False
    if task in READY_TASKS:
        return True
    archs = (model.config or {}).get("architectures") or []
    name = str(archs[0]) if archs else ""
    return name.endswith(_HEADS)
