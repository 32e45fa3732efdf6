"""``catalog add``: a Hub model written to the user catalog as a validated TOML record.

The record is the catalog's own format (catalog/README.md): top-level keys first, then the
``[models.config]`` table with config.json's key names. It is checked with the catalog's
validation (``advisor.catalog.validate_catalog``, the parameter arithmetic included) before it
is moved into ``advisor.paths.user_catalog_dir()``, so a broken record never lands there.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import CatalogError

if TYPE_CHECKING:
    from advisor.catalog.store import Catalog
    from advisor.hub.types import HubModel
    from advisor.models.catalog import ModelSpec
    from advisor.models.task import Task

_BARE_KEY = re.compile(r"\A[A-Za-z0-9_-]+\Z")
_RECORD_KEYS = (
    "id", "hf_repo", "name", "family", "tasks", "architecture", "params", "active_params",
    "native_dtype", "license", "languages", "release_date", "context_length", "gated", "source",
    "notes", "reviewed",
)  # fmt: skip
"""The order keys are written in (catalog/README.md's example)."""


RECORD_MAX_BYTES = 1 << 20
"""A record written into the user catalog is read on every start; larger ones are refused
(after the label maps of a classifier's config are replaced by their size)."""
_LABEL_MAPS = ("id2label", "label2id")


def add_to_catalog(
    model: HubModel, *, tasks: list[Task] | None = None, force: bool = False
) -> tuple[Path, ModelSpec]:
    """Write ``model`` to the user catalog; return the file and the record as loaded.

    Raises ``CatalogError`` when a user record with the same id exists (unless ``force``) or
    when the record does not validate, and ``InvalidValueError`` when no task is known.
    """
    from advisor.catalog import load_catalog

    catalog = load_catalog()
    draft = prepare_record(model, catalog, tasks=tasks)
    target, replaced = placement(draft.spec, catalog, force=force)
    write_record(target, draft.text, replaced, force=force)
    loaded = load_catalog().get(draft.spec.id)
    return target, loaded


class Draft:
    """A validated record, ready to be written: the spec and its TOML text."""

    def __init__(self, spec: ModelSpec, text: str) -> None:
        self.spec = spec
        self.text = text


def prepare_record(
    model: HubModel,
    catalog: Catalog,
    *,
    tasks: list[Task] | None = None,
    reviewed: bool = True,
    command: str = "catalog add",
) -> Draft:
    """The record ``catalog add`` (and ``catalog refresh``) writes for ``model``, validated.

    ``reviewed=False`` marks a record made without a person checking it. Raises
    ``CatalogError`` when it is too large or does not validate.
    """
    from advisor.catalog import validate_catalog
    from advisor.hub.facts import to_spec

    spec = to_spec(model, catalog, tasks=tasks)
    if not reviewed:
        spec = spec.model_copy(update={"reviewed": False})
    existing = catalog.find(spec.id)
    if existing is not None and existing.hf_repo.lower() != spec.hf_repo.lower():
        # The name is taken by another model: qualify it with the owner.
        spec = spec.model_copy(update={"id": f"{spec.hf_repo.split('/')[0].lower()}-{spec.id}"})
    text = dumps_record(spec, command=command)
    if len(text.encode()) > RECORD_MAX_BYTES and spec.config:
        spec = spec.model_copy(update={"config": _without_label_maps(spec.config)})
        text = dumps_record(spec, command=command)
    size = len(text.encode())
    if size > RECORD_MAX_BYTES:
        raise CatalogError(
            f"the record for {spec.hf_repo} would be {size // 1024:,} KiB, more than the "
            f"{RECORD_MAX_BYTES // 1024:,} KiB advisor writes into your catalog",
            "add the model by hand with the config keys the estimators need (catalog/README.md)",
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{spec.id}.toml"
        path.write_text(text, encoding="utf-8")
        errors = [p for p in validate_catalog(path, user_dir=None) if p.severity == "error"]
    if errors:
        first = errors[0]
        raise CatalogError(
            f"the record for {spec.hf_repo} does not validate: {first.field or '-'}: {first.why}",
            "add the model by hand (see catalog/README.md)",
        )
    return Draft(spec, text)


def placement(spec: ModelSpec, catalog: Catalog, *, force: bool) -> tuple[Path, Path | None]:
    """Where ``spec`` goes in the user catalog, and the user file it replaces (if another).

    Raises ``CatalogError`` when a user record has its id and ``force`` is not given.
    """
    from advisor.paths import user_catalog_dir

    existing = catalog.find(spec.id)
    folder = user_catalog_dir()
    target = folder / f"{spec.id}.toml"
    user_owned = (
        existing is not None and existing.origin is not None and existing.origin.kind == "user"
    )
    if (target.exists() or user_owned) and not force:
        raise CatalogError(
            f"your catalog already has {spec.id!r}",
            "pass --force to replace it with the Hub's facts",
        )
    replaced: Path | None = None
    if user_owned and existing is not None and existing.origin is not None:
        old = Path(existing.origin.path)
        if old != target and old.is_file() and old.parent == folder:
            replaced = old
    return target, replaced


def write_record(
    target: Path, text: str, replaced: Path | None = None, *, force: bool = False
) -> None:
    """Write one record file through the safe writer; drop the record it replaces.

    Without ``force``, of several processes adding the same record exactly one wins; the
    others get ``CatalogError`` (``advisor.atomic.write_file`` claims the name exclusively).
    """
    from advisor.atomic import write_file

    if replaced is not None:
        _drop_record(replaced, target.stem)
    try:
        write_file(target, text.encode("utf-8"), overwrite=force)
    except FileExistsError:
        raise CatalogError(
            f"your catalog already has {target.stem!r}",
            "pass --force to replace it with the Hub's facts",
        ) from None
    except OSError as exc:
        raise CatalogError(f"cannot write {target}: {exc.strerror or exc}", None) from None


def _without_label_maps(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with ``id2label``/``label2id`` replaced by ``num_labels`` (their size)."""
    labels = config.get("id2label")
    slim = {k: v for k, v in config.items() if k not in _LABEL_MAPS}
    if isinstance(labels, Mapping) and "num_labels" not in slim:
        slim["num_labels"] = len(labels)
    return slim


def _drop_record(path: Path, model_id: str) -> None:
    """Remove a replaced record: the whole file when it held only that record."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    models = data.get("models")
    if isinstance(models, list) and len(models) == 1 and models[0].get("id") == model_id:
        path.unlink()
        return
    raise CatalogError(
        f"{path} holds {model_id!r} among other records",
        "remove that record by hand, then run `advisor catalog add` again",
    )


def dumps_record(spec: ModelSpec, *, command: str = "catalog add") -> str:
    """The TOML text of one ``[[models]]`` record (fields that are None are left out)."""
    values = spec.model_dump(mode="json", exclude_none=True)
    if values.get("reviewed") is True:
        del values["reviewed"]  # the default: only an unreviewed record says so
    how = (
        f"`advisor {command} {spec.hf_repo}`"
        if command == "catalog add"
        else f"`advisor {command}`"
    )
    header = (
        f"# Added by {how} from the Hugging Face Hub.\n"
        "# Check it against the model card before relying on it; see catalog/README.md.\n\n"
    )
    lines = ["[[models]]"]
    for key in _RECORD_KEYS:
        if key == "release_date" and key in values:
            lines.append(f"{key} = {values[key]}")  # a bare TOML date, as the README writes it
        elif key in values:
            lines.append(f"{key} = {_value(values[key])}")
    for signal in values.get("quality") or ():
        lines += ["", "[[models.quality]]"]
        lines += [f"{key} = {_value(value)}" for key, value in signal.items()]
    config = values.get("config")
    if config:
        lines += _table("models.config", config)
    return header + "\n".join(lines) + "\n"


def _table(name: str, data: Mapping[str, Any]) -> list[str]:
    lines = ["", f"[{name}]"]
    nested: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested:
        lines += _table(f"{name}.{_key(key)}", value)
    return lines


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    """One TOML value. JSON string escapes are valid TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
