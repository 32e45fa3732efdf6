"""``catalog refresh``: the Hub's most-downloaded models for a task, as unreviewed records.

The listing is ``HfApi.list_models`` (sorted by downloads) for the task's Hub pipeline tags,
which are data: ``[[hub_pipeline_tags]]`` in catalog/tasks.toml. Each listed repo is then read
as ``catalog add`` reads one (``hub_model``: model info, config.json, safetensors headers; never
weights) and turned into a record by the same code (``advisor.hub.record.prepare_record``),
marked ``reviewed = false``. Only real candidates are kept; a repo is skipped, with one reason,
when it is:

- already in the catalog (same ``hf_repo``): a shipped record is never replaced, a record of
  yours only with ``force``;
- gated (its files need accepted terms; ``catalog add`` it once you have access);
- a derivative: a quantised copy (GGUF, AWQ, GPTQ, MLX...), an adapter or a merge, by the Hub's
  ``base_model:<relation>:`` tags, its other tags, its library and its name;
- not sizeable (no safetensors header and no Hub parameter count), or it misbehaves (a Hub
  error, its own deadline passed): the rest go on.

Every look-up is bounded (``advisor.hub.bounded``): each repo has its own deadline
(``ADVISOR_HUB_DEADLINE``, default 30 s) inside the overall one (``timeout_s``, default 300 s).
A second run finds its own records and changes nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from advisor.errors import AdvisorError, CatalogError, HubError
from advisor.hub import env
from advisor.models.base import Field, Frozen
from advisor.models.task import Task

if TYPE_CHECKING:
    from advisor.catalog.store import Catalog
    from advisor.hub.bounded import Context
    from advisor.hub.types import HubModel

DEFAULT_LIMIT = 20
MAX_LIMIT = 500
DEFAULT_TIMEOUT_S = 300.0
"""All of a refresh: 20 repos at a few requests each take seconds on a good line."""

_QUANT_WORDS = (
    "gguf", "ggml", "awq", "gptq", "mlx", "exl2", "exl3", "bnb", "bitsandbytes", "4bit", "8bit",
    "int4", "int8", "nf4", "fp8", "w4a16", "w8a8", "w8a16", "hqq", "aqlm", "quanto", "onnx-int8",
)  # fmt: skip
"""Words naming a quantisation format or tool (llama.cpp, AutoAWQ, AutoGPTQ, Apple MLX,
ExLlama, bitsandbytes, llm-compressor's scheme names, HQQ, AQLM, optimum-quanto)."""
_QUANT_NAME = re.compile(r"(?i)(?:^|[-_.])(" + "|".join(_QUANT_WORDS) + r")(?=$|[-_.])")
_QUANT_TAGS = frozenset(_QUANT_WORDS) | {"4-bit", "8-bit", "compressed-tensors", "quantized"}
_ADAPTER_TAGS = frozenset({"peft", "lora", "adapter-transformers"})
_MERGE_TAGS = frozenset({"merge", "mergekit"})
_RELATIONS = {"quantized": "a quantised copy", "adapter": "an adapter", "merge": "a merge"}
"""The Hub's ``base_model:<relation>:<repo>`` tags (finetune is a model of its own)."""

Action = Literal["added", "replaced", "present", "skipped"]


class HubTags(Frozen):
    """One ``[[hub_pipeline_tags]]`` entry of tasks.toml."""

    task: Task
    pipeline_tags: list[str]
    require_tags: list[str] = Field(default_factory=list)


class Outcome(Frozen):
    """What refresh did with one listed repo."""

    repo_id: str
    action: Action = Field(description="With dry_run: what a real run would do.")
    reason: str | None = Field(default=None, description="Why it was skipped or left alone.")
    id: str | None = Field(default=None, description="The catalog id of its record.")
    path: str | None = Field(default=None, description="The record file (written or not).")
    seconds: float = Field(description="Time spent on this repo.")


class RefreshResult(Frozen):
    """The ``catalog refresh --json`` document."""

    task: Task
    pipeline_tags: list[str]
    limit: int
    dry_run: bool
    listed: int
    outcomes: list[Outcome]
    seconds: float


def hub_tags(task: Task) -> HubTags:
    """The Hub pipeline tags of ``task`` (tasks.toml); ``CatalogError`` when it has none."""
    from advisor.paths import catalog_dir
    from advisor.safefile import UnreadableFileError, load_toml

    path = catalog_dir() / "tasks.toml"
    try:
        data = load_toml(path)
    except UnreadableFileError as exc:
        raise CatalogError(f"the shipped task list {exc.message}", "reinstall advisor") from None
    except (OSError, ValueError) as exc:
        raise CatalogError(f"cannot read {path} ({exc})", "reinstall advisor") from None
    for raw in data.get("hub_pipeline_tags", []):
        if isinstance(raw, dict) and raw.get("task") == task.value:
            return HubTags.model_validate(raw)
    raise CatalogError(
        f"tasks.toml maps {task.value} to no Hub pipeline tag",
        "add a [[hub_pipeline_tags]] entry for it to catalog/tasks.toml",
    )


def derivative(
    repo_id: str, tags: Iterable[str], library: str | None, base_models: Iterable[str] = ()
) -> str | None:
    """Why the repo is a copy of another model rather than a model of its own, or None."""
    tags = list(tags)
    tagset = {t.lower() for t in tags}
    for tag in sorted(tags):
        parts = tag.split(":", 2)
        if len(parts) == 3 and parts[0].lower() == "base_model" and parts[1] in _RELATIONS:
            return f"{_RELATIONS[parts[1]]} of {parts[2]}"
    base = next(iter(base_models), None)
    of = f" of {base}" if base else ""
    if (library or "").lower() == "peft" or tagset & _ADAPTER_TAGS:
        return "an adapter" + of
    if tagset & _MERGE_TAGS:
        return "a merge" + of
    quant = tagset & _QUANT_TAGS
    name = _QUANT_NAME.search(repo_id.rsplit("/", 1)[-1])
    if quant or name or (library or "").lower() in _QUANT_TAGS:
        what = name.group(1) if name else (sorted(quant)[0] if quant else library)
        return f"a quantised copy ({what}){of}"
    return None


def refresh(
    task: Task,
    *,
    limit: int = DEFAULT_LIMIT,
    dry_run: bool = False,
    force: bool = False,
    timeout_s: float | None = None,
    on_listed: Callable[[int], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> RefreshResult:
    """List, read, filter and write (unless ``dry_run``); report each repo as it is done.

    Raises ``HubError`` when the listing itself fails (offline, unreachable, deadline) and
    ``CatalogError`` when the task has no pipeline tags.
    """
    from advisor.catalog import load_catalog
    from advisor.hub import client
    from advisor.hub.deadline import budget

    env.check()
    tags = hub_tags(task)
    if env.offline():
        raise HubError(
            "cannot list the Hub's models: offline mode is on (HF_HUB_OFFLINE)",
            "go online (unset HF_HUB_OFFLINE) to refresh; your catalog keeps working as it is",
        )
    started = time.monotonic()
    catalog = load_catalog()
    outcomes: list[Outcome] = []
    with budget(DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s) as overall:
        with budget(env.deadline_s()) as listing:  # like one repo: 30 s, not the whole 300
            ctx = client.context(f"the {task.value} listing", None, None, listing)
            listed = _listing(ctx, tags, limit)
        if on_listed is not None:
            on_listed(len(listed))
        for info in listed:
            begun = time.monotonic()
            if overall.remaining() <= 0:
                why = f"not read: the overall timeout of {overall.seconds:g} s ran out"
                found: tuple[Action, str | None, Any] = ("skipped", why, None)
            else:
                with budget(env.deadline_s()):
                    found = _one(info, task, catalog, dry_run=dry_run, force=force)
            action, reason, placed = found
            outcome = Outcome(
                repo_id=str(info.id),
                action=action,
                reason=reason,
                id=placed[0] if placed else None,
                path=str(placed[1]) if placed and placed[1] else None,
                seconds=round(time.monotonic() - begun, 3),
            )
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return RefreshResult(
        task=task,
        pipeline_tags=tags.pipeline_tags,
        limit=limit,
        dry_run=dry_run,
        listed=len(listed),
        outcomes=outcomes,
        seconds=round(time.monotonic() - started, 3),
    )


def _listing(ctx: Context, tags: HubTags, limit: int) -> list[Any]:
    """The most-downloaded repos over the task's pipeline tags, best first, ``limit`` at most."""
    import huggingface_hub

    from advisor.hub import bounded

    bounded.online()
    api = huggingface_hub.HfApi(endpoint=ctx.endpoint, token=ctx.token, library_name="advisor")
    found: dict[str, Any] = {}
    for tag in tags.pipeline_tags:

        def ask(tag: str = tag) -> list[Any]:
            return list(
                api.list_models(
                    pipeline_tag=tag,
                    filter=tags.require_tags or None,
                    sort="downloads",
                    limit=limit,
                    expand=["downloads", "gated", "tags", "pipeline_tag", "library_name"],
                )
            )

        for info in bounded.run_bounded(ctx, "the listing", ask):
            if isinstance(info.id, str) and info.id.lower() not in found:
                found[info.id.lower()] = info
    ranked = sorted(found.values(), key=lambda i: -(i.downloads or 0))
    return ranked[:limit]


def _one(
    info: Any, task: Task, catalog: Catalog, *, dry_run: bool, force: bool
) -> tuple[Action, str | None, tuple[str, Any] | None]:
    """(action, reason, (id, path)) for one listed repo."""
    from advisor.hub import hub_model
    from advisor.hub.record import placement, prepare_record, write_record

    repo_id = str(info.id)
    known = next((m for m in catalog.models if m.hf_repo.lower() == repo_id.lower()), None)
    mine = known is not None and known.origin is not None and known.origin.kind == "user"
    if known is not None and not (mine and force):
        where = "your catalog" if mine else "the shipped catalog"
        origin = known.origin.path if known.origin else None
        return "present", f"already in {where} as {known.id}", (known.id, origin)
    if info.gated:
        return "skipped", _GATED, None
    tags = [t for t in info.tags if isinstance(t, str)] if isinstance(info.tags, list) else []
    library = info.library_name if isinstance(info.library_name, str) else None
    copy = derivative(repo_id, tags, library)
    if copy:
        return "skipped", f"{copy}, not a model of its own", None
    try:
        model = hub_model(repo_id, use_cache=not force)
    except HubError as exc:
        return "skipped", _why(exc, repo_id), None
    why = _unusable(model)
    if why:
        return "skipped", why, None
    command = f"catalog refresh --task {task.value}"
    try:
        draft = prepare_record(model, catalog, tasks=[task], reviewed=False, command=command)
        target, replaced = placement(draft.spec, catalog, force=force)
    except AdvisorError as exc:
        return "skipped", _why(exc, repo_id), None
    if known is not None and known.id != draft.spec.id:
        return "present", f"in your catalog as {known.id}; remove it to refresh it", None
    placed = (draft.spec.id, target)
    if target.exists() and _same_text(target, draft.text):
        return "present", "unchanged since the last refresh", placed
    if not dry_run:
        try:
            write_record(target, draft.text, replaced, force=force)
        except AdvisorError as exc:
            return "skipped", _why(exc, repo_id), None
    return ("replaced" if known is not None else "added"), None, placed


def _why(exc: AdvisorError, repo_id: str) -> str:
    """The error's line without a leading repeat of the repo id (the outcome names it)."""
    return exc.one_line().removeprefix(f"{repo_id}: ")


_GATED = "gated (its files need accepted terms; `advisor catalog add` it once you have access)"


def _unusable(model: HubModel) -> str | None:
    """Why the facts read for ``model`` make no candidate, or None."""
    if model.gated:
        return _GATED
    copy = derivative(model.repo_id, model.tags, model.library_name, model.base_models)
    if copy:
        return f"{copy}, not a model of its own"
    if model.params is None:
        return "cannot size it: no safetensors weights or Hub parameter count"
    return None


def _same_text(target: Path, text: str) -> bool:
    """Whether the record file ``target`` already holds ``text``; False for a file
    ``advisor.safefile`` refuses (a FIFO, device, huge or binary file: it is rewritten)."""
    from advisor.safefile import UnreadableFileError, read_text

    try:
        return read_text(target, limit=len(text.encode("utf-8"))) == text
    except (OSError, UnreadableFileError):
        return False
