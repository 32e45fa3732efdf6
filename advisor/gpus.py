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
from typing import Any, NamedTuple

from advisor.errors import CatalogError, UnknownGpuError
from advisor.models.hardware import GpuInfo, GpuSpec
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


class GpuArchitecture(NamedTuple):
    """What one accelerator architecture can run (gpus.toml ``[[architectures]]``).

    A capability is ``None`` when the sources do not settle it; plans never rely on one.
    """

    vendor: str
    name: str
    gpu_architectures: tuple[str, ...]
    compute_capability_min: str | None
    compute_capability_max: str | None
    bf16: bool | None
    fp8: bool | None
    fp4: bool | None
    mxfp4: bool | None
    int8: bool | None
    awq: bool | None
    gptq: bool | None
    flash_attention: bool | None
    source: str
    notes: str | None = None
    bnb_4bit: bool | None = None
    """bitsandbytes runs here (NF4 bases for QLoRA, its 8-bit and paged optimizers)."""


_ARCH_FLAGS = (
    "bf16", "fp8", "fp4", "mxfp4", "int8", "awq", "gptq", "flash_attention", "bnb_4bit"
)  # fmt: skip
_ARCH_KEYS = frozenset(
    {"vendor", "name", "gpu_architectures", "compute_capability_min", "compute_capability_max"}
    | set(_ARCH_FLAGS)
    | {"source", "notes"}
)
_VENDORS = frozenset({"nvidia", "amd", "apple", "intel", "other"})


def _cc(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def parse_architectures(
    data: dict[str, Any], origin: str = GPUS_FILE
) -> tuple[GpuArchitecture, ...]:
    """The ``[[architectures]]`` tables of a parsed gpus.toml, checked: known keys only, a
    vendor, a name, a source, booleans for the capabilities, a valid compute-capability range,
    and no architecture name claimed by two tables. Raises CatalogError (one line)."""
    out: list[GpuArchitecture] = []
    owner: dict[str, str] = {}
    for position, entry in enumerate(data.get("architectures") or [], start=1):
        label = entry.get("name", f"entry {position}") if isinstance(entry, dict) else position
        where = f"{origin}: architecture {label!r}"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: not a table")
        unknown = set(entry) - _ARCH_KEYS
        if unknown:
            raise CatalogError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        for key in ("vendor", "name", "source"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise CatalogError(f"{where}: {key} is required")
        if entry["vendor"] not in _VENDORS:
            raise CatalogError(f"{where}: vendor must be one of {', '.join(sorted(_VENDORS))}")
        for flag in _ARCH_FLAGS:
            if flag in entry and not isinstance(entry[flag], bool):
                raise CatalogError(
                    f"{where}: {flag} must be true or false (leave it out if unknown)"
                )
        names = entry.get("gpu_architectures") or [entry["name"]]
        if not all(isinstance(n, str) and n for n in names):
            raise CatalogError(f"{where}: gpu_architectures must be names")
        try:
            lo, hi = (
                _cc(entry.get("compute_capability_min")),
                _cc(entry.get("compute_capability_max")),
            )
        except ValueError:
            raise CatalogError(f"{where}: compute capability must read like '8.9'") from None
        if lo is not None and hi is not None and lo > hi:
            raise CatalogError(f"{where}: compute_capability_min is above compute_capability_max")
        for n in names:
            other = owner.setdefault(n, str(entry["name"]))
            if other != entry["name"]:
                raise CatalogError(f"{origin}: {n!r} is claimed by {other!r} and {entry['name']!r}")
        out.append(
            GpuArchitecture(
                vendor=entry["vendor"],
                name=entry["name"],
                gpu_architectures=tuple(names),
                compute_capability_min=entry.get("compute_capability_min"),
                compute_capability_max=entry.get("compute_capability_max"),
                source=entry["source"],
                notes=entry.get("notes"),
                **{flag: entry.get(flag) for flag in _ARCH_FLAGS},
            )
        )
    return tuple(out)


class GpuFile(NamedTuple):
    """What gpus.toml holds: the accelerators and the architecture capability tables."""

    gpus: tuple[GpuSpec, ...]
    architectures: tuple[GpuArchitecture, ...]


def _load_both(path: Path) -> GpuFile:
    origin = str(path)
    data = _toml(_read(path), origin)
    return GpuFile(_validate(data, origin), parse_architectures(data, origin))


@cache
def load_gpu_file() -> GpuFile:
    """The shipped gpus.toml, checked (read once per process; a warm start reads the cache)."""
    from advisor.tomlcache import cached_toml

    path = catalog_dir() / GPUS_FILE
    # Parsed and validated on a cache miss only: a warm start reads the records themselves.
    return cached_toml(path, lambda: _load_both(path), GpuFile)


def load_gpus() -> tuple[GpuSpec, ...]:
    """Every accelerator in the shipped catalog, in file order (read once, then cached).

    Raises CatalogError (one line) when the file is missing, unreadable or malformed.
    """
    return load_gpu_file().gpus


def load_architectures() -> tuple[GpuArchitecture, ...]:
    """Every ``[[architectures]]`` table of the shipped gpus.toml, in file order."""
    return load_gpu_file().architectures


@lru_cache(maxsize=256)
def _arch_for(
    vendor: str, spec_id: str | None, cc: str | None, name: str
) -> GpuArchitecture | None:
    archs = load_architectures()
    if spec_id is not None:
        spec = next((g for g in load_gpus() if g.id == spec_id), None)
        if spec is not None and spec.architecture is not None:
            hit = next((a for a in archs if spec.architecture in a.gpu_architectures), None)
            if hit is not None:
                return hit
            cc = cc or spec.compute_capability
    if vendor == "nvidia" and cc is not None:
        try:
            value = _cc(cc)
        except ValueError:
            value = None
        for a in archs:
            lo, hi = _cc(a.compute_capability_min), _cc(a.compute_capability_max)
            if value is not None and lo is not None and hi is not None and lo <= value <= hi:
                return a
    if vendor == "apple":
        chip = re.search(r"\bM(\d+)\b", name)
        if chip is not None:
            wanted = f"Apple GPU (M{chip.group(1)})"
            return next((a for a in archs if wanted in a.gpu_architectures), None)
    return None


def architecture_of(gpu: GpuInfo | GpuSpec) -> GpuArchitecture | None:
    """The architecture table of a detected or catalog GPU: through its catalog entry, else
    (NVIDIA) its compute capability, else (Apple) the chip generation in its name; None when
    none is known (then plans assume only 16-bit floats)."""
    if isinstance(gpu, GpuSpec):
        return _arch_for(gpu.vendor.value, gpu.id, gpu.compute_capability, gpu.name)
    return _arch_for(gpu.vendor.value, gpu.spec_id, gpu.compute_capability, gpu.name)


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
