"""The accelerator catalog (``catalog/gpus.toml``): loading it, and finding a GPU by name.

Two ways in, for two kinds of caller:

- ``find_gpu`` is for names people type (``--gpu "RTX 4090"``): it is forgiving about case,
  spaces, hyphens, ``NVIDIA``/``GeForce`` prefixes and ``80 GB`` vs ``80GB``, and strict about
  the rest: an unknown name raises ``UnknownGpuError`` (exit 2) naming the closest known GPUs.
- ``match_gpu`` is for names tools print (``NVIDIA H100 80GB HBM3``, ``Tesla V100-SXM2-16GB``,
  ``AMD Instinct MI300X OAM``). It returns ``None`` rather than guess: a laptop part, a truncated
  name or a variant the catalog lacks (``RTX 2080 SUPER``) matches nothing, and the detected
  memory size rules out variants that differ only in memory (RTX 3060 8 GB vs 12 GB).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from advisor.errors import CatalogError, UnknownGpuError
from advisor.models.hardware import GpuSpec
from advisor.paths import catalog_dir

GPUS_FILE = "gpus.toml"
# Brand words that say nothing about which model it is; dropped before matching.
_BRAND_WORDS = frozenset({"nvidia", "geforce", "tesla", "amd", "instinct", "intel", "apple"})
# Words tools add to a model name that do not change the model (memory type, the only form
# factor sold, filler). Any other word left over means another model ("ti", "laptop", "nvl");
# "pcie" and "sxm" are significant because A100, H100 and V100 come in both.
_FILLER_WORDS = frozenset(
    {
        "hbm",
        "hbm2",
        "hbm2e",
        "hbm3",
        "hbm3e",
        "gddr6",
        "gddr6x",
        "gddr7",
        "oam",
        "graphics",
        "gpu",
        "generation",
    }
)
_SIZE_TOKEN = re.compile(r"^(\d+)gb$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SXM_N = re.compile(r"^sxm\d$")
_SIZE_IN_TEXT = re.compile(r"(?<![a-z0-9])(\d+)\s*(?:gib|gb|g)(?![a-z0-9])")
_MEMORY_TOLERANCE = (
    0.10  # drivers reserve a few percent (ECC, firmware): 46068 MiB on a 48 GiB L40S
)
GIB = 1024**3


def parse_gpus(text: str, origin: str = GPUS_FILE) -> tuple[GpuSpec, ...]:
    """Parse and validate the text of a gpus.toml; ``origin`` names it in error messages.

    Raises CatalogError with a one-line message for malformed TOML, a missing ``[[gpus]]``
    list, an entry that fails validation, a duplicate id, or a name or alias that would
    resolve to two different GPUs.
    """
    return _validate(_toml(text, origin), origin)


def _toml(text: str, origin: str) -> dict[str, Any]:
    import tomllib  # imported on a cache miss only: a warm start reads the parsed file

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{origin} is not valid TOML: {exc}") from None


def _validate(data: dict[str, Any], origin: str) -> tuple[GpuSpec, ...]:
    entries = data.get("gpus")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{origin} has no [[gpus]] entries")
    from pydantic import ValidationError  # validation runs on a cache miss only

    specs: list[GpuSpec] = []
    for position, entry in enumerate(entries, start=1):
        label = entry.get("id", f"entry {position}") if isinstance(entry, dict) else position
        try:
            specs.append(GpuSpec.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "entry"
            raise CatalogError(
                f"{origin}: GPU {label!r}: {where}: {first['msg']}",
                hint="fix the entry or run `advisor catalog validate`",
            ) from None
    _check_unique(specs, origin)
    return tuple(specs)


def _check_unique(specs: list[GpuSpec], origin: str) -> None:
    owner: dict[str, str] = {}
    ids: set[str] = set()
    for spec in specs:
        if spec.id in ids:
            raise CatalogError(f"{origin}: GPU id {spec.id!r} appears twice")
        ids.add(spec.id)
        for key_text in _keys_of(spec):
            key = normalize_name(key_text)
            if not key:
                raise CatalogError(f"{origin}: GPU {spec.id!r} has an empty name or alias")
            other = owner.setdefault(key, spec.id)
            if other != spec.id:
                raise CatalogError(
                    f"{origin}: {key_text!r} would name both {other!r} and {spec.id!r}",
                    hint="make the alias more specific or remove it from one entry",
                )


@cache
def load_gpus() -> tuple[GpuSpec, ...]:
    """Every accelerator in the shipped catalog, in file order (read once, then cached).

    Raises CatalogError (one line) when the file is missing, unreadable or malformed.
    """
    from advisor.tomlcache import cached_toml

    path = catalog_dir() / GPUS_FILE
    origin = str(path)
    # Parsed and validated on a cache miss only: a warm start reads the records themselves.
    return cached_toml(
        path, lambda: _validate(_toml(_read(path), origin), origin), tuple[GpuSpec, ...]
    )


def _read(path: Path) -> str:
    from advisor.safefile import UnreadableFileError, read_text

    try:
        return read_text(path)
    except UnreadableFileError as exc:
        raise CatalogError(f"cannot read the GPU catalog {exc.message}") from None
    except OSError as exc:
        raise CatalogError(f"cannot read the GPU catalog {path}: {exc.strerror}") from None


def _keys_of(spec: GpuSpec) -> list[str]:
    return [spec.id, spec.name, *spec.aliases]


@lru_cache(maxsize=2048)  # every catalog key is normalised twice per start (check, index)
def normalize_name(text: str) -> str:
    """The lookup key of a typed GPU name: lowercase, brand words and punctuation removed.

    ``"NVIDIA GeForce RTX-4090"``, ``"rtx 4090"`` and ``"RTX4090"`` all give ``"rtx4090"``;
    ``"A100 40 GB"``, ``"a100-40gb"`` and ``"A100 40GiB"`` all give ``"a10040gb"``.
    """
    return "".join(_tokens(text))


def _tokens(text: str) -> list[str]:
    lowered = text.lower().replace("(r)", " ").replace("(tm)", " ")
    lowered = _SIZE_IN_TEXT.sub(r"\1gb", lowered)
    words = [w for w in _NON_ALNUM.split(lowered) if w and w not in _BRAND_WORDS]
    return [_SXM_N.sub("sxm", w) for w in words]


@cache
def _index() -> dict[str, GpuSpec]:
    return {normalize_name(key): spec for spec in load_gpus() for key in _keys_of(spec)}


def find_gpu(name: str) -> GpuSpec:
    """The catalog GPU a user means by ``name`` (its id, name or one of its aliases).

    Raises UnknownGpuError (exit 2) when nothing matches; its hint names the three closest
    known GPUs.
    """
    key = normalize_name(name)
    spec = _index().get(key)
    if spec is not None:
        return spec
    raise UnknownGpuError(f"unknown GPU {name!r}", hint=_suggestion(key))


def closest_gpus(name: str, limit: int = 3) -> list[GpuSpec]:
    """Up to ``limit`` catalog GPUs whose names or aliases look most like ``name``."""
    import difflib  # only an unknown name needs it

    index = _index()
    found: list[GpuSpec] = []
    for key in difflib.get_close_matches(normalize_name(name), index, n=limit * 6, cutoff=0.5):
        if index[key] not in found:
            found.append(index[key])
    return found[:limit]


def _suggestion(key: str) -> str:
    names = [spec.name for spec in closest_gpus(key)]
    if not names:
        return "advisor gpus lists the known names"
    return f"did you mean {', '.join(names)}? (advisor gpus lists them)"


@cache
def _token_keys() -> tuple[tuple[frozenset[str], GpuSpec], ...]:
    return tuple((frozenset(_tokens(k)), spec) for spec in load_gpus() for k in _keys_of(spec))


def _memory_fits(spec: GpuSpec, size_bytes: float) -> bool:
    sizes = [spec.memory_bytes, *spec.memory_options_bytes]
    return any(abs(size_bytes - s) <= _MEMORY_TOLERANCE * s for s in sizes)


def _match_part(text: str, memory_bytes: int | None) -> GpuSpec | None:
    words = set(_tokens(text))
    if not words:
        return None
    best: dict[str, tuple[int, GpuSpec]] = {}
    for key, spec in _token_keys():
        extra = words - key
        if not key <= words or any(
            w not in _FILLER_WORDS and not _SIZE_TOKEN.match(w) for w in extra
        ):
            continue
        sizes = [int(m.group(1)) for w in extra if (m := _SIZE_TOKEN.match(w))]
        if not spec.unified_memory:
            if any(not _memory_fits(spec, n * GIB) for n in sizes):
                continue
            if memory_bytes is not None and not _memory_fits(spec, memory_bytes):
                continue
        if len(key) > best.get(spec.id, (-1, spec))[0]:
            best[spec.id] = (len(key), spec)
    if not best:
        return None
    ranked = sorted(best.values(), key=lambda item: -item[0])
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return None  # two variants fit equally well: unsure
    return ranked[0][1]


def match_gpu(detected_name: str, memory_bytes: int | None = None) -> GpuSpec | None:
    """The catalog GPU behind a name as nvidia-smi, rocm-smi, amd-smi or macOS print it.

    ``memory_bytes`` (per device, as the driver reports it) rules out variants that differ in
    memory. Returns None when unsure: truncated names (``NVIDIA GeForce RTX 4080 ...``), laptop
    or virtual parts, models the catalog lacks, or two equally good candidates. A name with a
    bracketed part (``Arcturus GL-XL [Instinct MI100]``) is tried whole, then part by part.
    """
    name = detected_name.strip()
    if not name or name.endswith(("...", "…")):
        return None
    parts = [name]
    bracket = re.match(r"^(.*?)\[(.*)\]\s*$", name)
    if bracket:
        parts += [bracket.group(2), bracket.group(1)]
    for part in parts:
        spec = _match_part(part, memory_bytes)
        if spec is not None:
            return spec
    return None
