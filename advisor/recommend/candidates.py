"""Candidates: check a request against the catalog, and filter the task's models.

``validate_request`` raises a ``UsageError`` (exit 2) when the request itself cannot be
answered as asked: an unknown language code (with close matches), an unknown licence id, a
context length no catalog model of the task reaches. ``filter_models`` keeps the models a
request allows and returns every other one with the reason (licence, languages, context), so
nothing disappears silently.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from advisor.catalog.store import Catalog
from advisor.errors import InvalidValueError, UnknownLanguageError
from advisor.models.catalog import ModelSpec
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.recommend.weights import Policy, policy

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
        found = (window(m) for m in catalog.for_task(request.task))
        lengths = [n for n in found if n]
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


_OPUS_PAIR = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})$")
"""Helsinki-NLP's Marian models name their single direction: ``opus-mt-de-en`` is de→en
(Tiedemann & Thottingal 2020, "OPUS-MT", EAMT; one model per source-target pair)."""


def translation_directions(model: ModelSpec) -> tuple[str, ...] | None:
    """The 'src-tgt' pairs a directional translation model translates (None: any direction
    among its languages). The record's ``translation_directions`` first, else the direction an
    ``opus-mt-src-tgt`` repo name states."""
    if model.translation_directions:
        return tuple(model.translation_directions)
    found = _OPUS_PAIR.search(model.hf_repo.lower())
    if found is not None:
        return (f"{found.group(1)}-{found.group(2)}",)
    return None


def _speech_only_translator(model: ModelSpec, pol: Policy) -> bool:
    """Speech-input translators (Whisper's task=translate, Canary's AST) that list the
    translation task but take no text in; families in ranking.toml [languages]."""
    return model.family in pol.speech_input_translation_families


def coverage_state(model: ModelSpec, code: str, catalog: Catalog) -> str:
    """``listed``, ``claimed``, ``unknown`` or ``missing`` for one language code."""
    if model.languages and catalog.serves_language(model, code):
        return "listed"
    if model.languages_claimed is not None:
        return "claimed"
    if model.languages is None:
        return "unknown"
    return "missing"


def _direction_drop(model: ModelSpec, request: Request, catalog: Catalog) -> str | None:
    if request.source_lang is None or request.target_lang is None:
        return None
    pairs = translation_directions(model)
    if pairs is None:
        return None
    src = catalog.language_variants(request.source_lang)
    tgt = catalog.language_variants(request.target_lang)
    for pair in pairs:
        a, _, b = pair.partition("-")
        if a in src and b in tgt:
            return None
    shown = ", ".join(p.replace("-", "→") for p in pairs)
    return f"translates only {shown}, not {request.source_lang}→{request.target_lang}"


def _language_drop(model: ModelSpec, request: Request, catalog: Catalog, pol: Policy) -> str | None:
    if request.task is Task.TRANSLATION and _speech_only_translator(model, pol):
        # Whisper's "translate" task turns speech in any language into English text
        # (Radford et al. 2022, arXiv 2212.04356 §2.3); it does not translate text.
        return "translates speech, not text"
    if request.task is Task.TRANSLATION:
        reason = _direction_drop(model, request, catalog)
        if reason is not None:
            return reason
    wanted = request.wanted_languages
    if not wanted:
        return None
    states = [coverage_state(model, code, catalog) for code in wanted]
    missing = [code for code, st in zip(wanted, states, strict=True) if st == "missing"]
    if request.task is Task.TRANSLATION and missing:
        pair = f"{request.source_lang}→{request.target_lang}"
        n = len(model.languages or ())
        return (
            f"does not cover {', '.join(missing)} (pair {pair}; it lists"
            f" {n} language{'s' if n != 1 else ''})"
        )
    if len(missing) == len(wanted):
        return f"covers none of {', '.join(wanted)}"
    return None


class LanguageFit(NamedTuple):
    """The language part of a kept model's score (0..1), and what the row should say."""

    part: float | None
    """None when no language was asked."""
    notes: tuple[str, ...]


def language_fit(model: ModelSpec, request: Request, catalog: Catalog) -> LanguageFit:
    """Score the requested languages a kept model covers: listed counts 1, claimed in bulk
    ``[languages] claimed``, unknown ``[languages] unknown``, missing 0 (ranking.toml); the
    notes say which languages rest on a bulk claim or on nothing."""
    wanted = request.wanted_languages
    if not wanted:
        return LanguageFit(None, ())
    pol = policy()
    value = {"listed": 1.0, "claimed": pol.language_claimed, "unknown": pol.language_unknown}
    states = [coverage_state(model, code, catalog) for code in wanted]
    part = sum(value.get(st, 0.0) for st in states) / len(wanted)
    notes: list[str] = []
    claimed = [c for c, st in zip(wanted, states, strict=True) if st == "claimed"]
    unknown = [c for c, st in zip(wanted, states, strict=True) if st == "unknown"]
    missing = [c for c, st in zip(wanted, states, strict=True) if st == "missing"]
    if claimed:
        notes.append(
            f"{', '.join(claimed)}: the card claims {model.languages_claimed} languages"
            " without naming it; ranked a little lower than a listed language"
        )
    if unknown:
        notes.append(
            f"{', '.join(unknown)}: coverage not stated in the catalog; ranked lower, not excluded"
        )
    if missing:
        notes.append(f"does not list {', '.join(missing)}")
    return LanguageFit(part, tuple(notes))


def language_coverage(model: ModelSpec, request: Request, catalog: Catalog) -> float | None:
    """The language part of the score (None: no language asked); see ``language_fit``."""
    return language_fit(model, request, catalog).part


def row_notes(model: ModelSpec, catalog: Catalog, request: Request) -> tuple[str, ...]:
    """Notes every row of this model carries whatever it ranks: the licence's caveat
    (licenses.toml ``caveat``: copyleft, share-alike, revenue cap), and an unstated window
    when ``--context`` asks for a length."""
    out: list[str] = []
    lic = catalog.licence(model.license)
    if lic is not None and lic.caveat is not None:
        out.append(f"licence {model.license}: {lic.caveat}")
    if window_unknown(model, request):
        out.append(
            f"window not stated in the catalog: check it reads {request.context:,} tokens"
            " (--context) before relying on it; ranked below the models known to reach it"
        )
    return tuple(out)


def window_unknown(model: ModelSpec, request: Request) -> bool:
    """Whether ``--context`` asks for a length and the catalog does not state this model's
    window (unknown is not excluded; it ranks below the models known to reach it)."""
    return request.context is not None and window(model) is None


def filter_models(request: Request, catalog: Catalog) -> tuple[list[ModelSpec], list[Drop]]:
    """The task's models the request allows, and the others with reasons (catalog order)."""
    kept: list[ModelSpec] = []
    drops: list[Drop] = []
    pol = policy()
    for model in catalog.for_task(request.task):
        reason = _license_drop(model, request)
        if reason is not None:
            drops.append(Drop(model, "license", reason))
            continue
        reason = _language_drop(model, request, catalog, pol)
        if reason is not None:
            drops.append(Drop(model, "language", reason))
            continue
        size = window(model)
        if request.context is not None and size is not None and size < request.context:
            drops.append(
                Drop(model, "context", f"handles {size:,} tokens, {request.context:,} asked")
            )
            continue
        kept.append(model)
    return kept, drops


def window(model: ModelSpec) -> int | None:
    """The model's window in tokens: ``context_length``, else the learned position table of
    its config (``max_position_embeddings``: BART, BERT-style encoders cannot read past it);
    None when neither is stated (relative positions, as in T5, have no hard limit)."""
    if model.context_length:
        return model.context_length
    positions = (model.config or {}).get("max_position_embeddings")
    return positions if isinstance(positions, int) and positions > 0 else None


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
