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
    from advisor.hub.types import HubModel
    from advisor.models.catalog import ModelSpec
    from advisor.models.task import Task

_BARE_KEY = re.compile(r"\A[A-Za-z0-9_-]+\Z")
_RECORD_KEYS = (
    "id", "hf_repo", "name", "family", "tasks", "architecture", "params", "active_params",
    "native_dtype", "license", "languages", "release_date", "context_length", "gated", "source",
    "notes",
)  # fmt: skip
"""The order keys are written in (catalog/README.md's example)."""


def add_to_catalog(
    model: HubModel, *, tasks: list[Task] | None = None, force: bool = False
) -> tuple[Path, ModelSpec]:
    """Write ``model`` to the user catalog; return the file and the record as loaded.

    Raises ``CatalogError`` when a user record with the same id exists (unless ``force``) or
    when the record does not validate, and ``InvalidValueError`` when no task is known.
    """
    from advisor.catalog import load_catalog, validate_catalog
    from advisor.hub.facts import to_spec
    from advisor.paths import user_catalog_dir

    catalog = load_catalog()
    spec = to_spec(model, catalog, tasks=tasks)
    existing = catalog.find(spec.id)
    if existing is not None and existing.hf_repo.lower() != spec.hf_repo.lower():
        # The name is taken by another model: qualify it with the owner.
        spec = spec.model_copy(update={"id": f"{spec.hf_repo.split('/')[0].lower()}-{spec.id}"})
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
    text = dumps_record(spec)
    with tempfile.TemporaryDirectory() as tmp:
        draft = Path(tmp) / target.name
        draft.write_text(text, encoding="utf-8")
        errors = [p for p in validate_catalog(draft, user_dir=None) if p.severity == "error"]
    if errors:
        raise CatalogError(
            f"the record for {spec.hf_repo} does not validate: {errors[0].line()}",
            "add the model by hand (see catalog/README.md)",
        )
    folder.mkdir(parents=True, exist_ok=True)
    if user_owned and existing is not None and existing.origin is not None:
        old = Path(existing.origin.path)
        if old != target and old.is_file() and old.parent == folder:
            _drop_record(old, spec.id)
    tmp_target = target.with_suffix(".toml.tmp")
    tmp_target.write_text(text, encoding="utf-8")
    tmp_target.replace(target)
    loaded = load_catalog().get(spec.id)
    return target, loaded


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


def dumps_record(spec: ModelSpec) -> str:
    """The TOML text of one ``[[models]]`` record (fields that are None are left out)."""
    values = spec.model_dump(mode="json", exclude_none=True)
    header = (
        f"# Added by `advisor catalog add {spec.hf_repo}` from the Hugging Face Hub.\n"
        "# Check it against the model card before relying on it; see catalog/README.md.\n\n"
    )
    lines = ["[[models]]"]
    for key in _RECORD_KEYS:
        if key == "release_date" and key in values:
            lines.append(f"{key} = {values[key]}")  # a bare TOML date, as the README writes it
        elif key in values:
            lines.append(f"{key} = {_value(values[key])}")
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
