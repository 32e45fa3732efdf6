"""The data cache gives what a fresh build gives, notices edits of data and code, runs no code,
trusts only the user's own whole files, and never gets in the way."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import advisor.tomlcache as tomlcache
from advisor.errors import CatalogError
from advisor.gpus import load_gpu_file, load_gpus, parse_gpus
from advisor.models.base import Field, Frozen
from advisor.models.hardware import GpuSpec
from advisor.models.task import Task
from advisor.paths import catalog_dir
from advisor.recommend import weights
from advisor.recommend.policy_data import load_policy, read_policy
from advisor.tomlcache import cached_toml


class Row(Frozen):
    """A record with the field kinds the shipped records use."""

    n: int = Field(ge=0)
    ratio: float
    day: date | None = None
    tags: tuple[str, ...] = ()
    task: Task | None = None


class Sheet(Frozen):
    title: str
    rows: tuple[Row, ...]
    extra: dict[str, Any] | None = None


class Builder:
    """Builds a ``Sheet`` from a TOML file the plain way and counts how often it had to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0

    def __call__(self) -> Sheet:
        self.calls += 1
        data = tomllib.loads(self.path.read_text())
        rows = tuple(
            Row(**row | {"tags": tuple(row.get("tags", ()))}) for row in data.get("rows", [])
        )
        return Sheet(title=data["title"], rows=rows, extra=data.get("extra"))


SHEET = (
    'title = "x"\n'
    '[[rows]]\nn = 1\nratio = 0.1\nday = 2024-05-01\ntags = ["a", "b"]\ntask = "chat"\n'
    "[[rows]]\nn = 12345678901234567890\nratio = 3\n"
)


def _source(tmp_path: Path, text: str = SHEET) -> tuple[Path, Builder]:
    src = tmp_path / "a.toml"
    src.write_text(text)
    return src, Builder(src)


def _cache_files(home: Path) -> list[Path]:
    return sorted((home / "cache").glob("toml-*"))


def _rewrite_payload(cache: Path, change: Any) -> None:
    """Change the cached data and fix the checksum, as someone who read this code would."""
    head, payload = cache.read_bytes().split(b"\n", 1)
    data = change(json.loads(payload))
    payload = json.dumps(data).encode()
    header = json.loads(head) | {"sha256": hashlib.sha256(payload).hexdigest()}
    cache.write_bytes(json.dumps(header).encode() + b"\n" + payload)


def test_second_read_comes_from_the_cache_as_json_and_equals_a_fresh_build(
    tmp_path: Path, _isolated_home: Path
) -> None:
    src, build = _source(tmp_path)
    first = cached_toml(src, build, Sheet)
    second = cached_toml(src, build, Sheet)
    assert build.calls == 1
    assert first == second == Builder(src)()
    assert second.rows[0].day == date(2024, 5, 1) and second.rows[0].task is Task.CHAT
    assert isinstance(second.rows[1].ratio, float) and second.rows[1].tags == ()
    (cache,) = _cache_files(_isolated_home)
    assert cache.suffix == ".json"
    head, payload = cache.read_bytes().split(b"\n", 1)
    assert json.loads(payload)["rows"][0]["day"] == "2024-05-01"  # plain data, no pickle
    assert json.loads(head)["sha256"] == hashlib.sha256(payload).hexdigest()


def test_an_edited_file_is_built_again(tmp_path: Path) -> None:
    src, build = _source(tmp_path, 'title = "one"\n')
    assert cached_toml(src, build, Sheet).title == "one"
    src.write_text('title = "two"\n')
    os.utime(src, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns + 1_000_000))
    assert cached_toml(src, build, Sheet).title == "two"
    assert build.calls == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-3],  # cut short
        lambda raw: raw.replace(b'"n":1', b'"n":7'),  # one digit changed: checksum differs
        lambda raw: b"\x80\x04garbage" + raw,  # not JSON at all
        lambda raw: b"",
    ],
    ids=["cut", "garbled", "binary", "empty"],
)
def test_a_damaged_cache_file_is_rebuilt_and_rewritten_whole(
    tmp_path: Path, _isolated_home: Path, damage: Any
) -> None:
    src, build = _source(tmp_path)
    expected = cached_toml(src, build, Sheet)
    (cache,) = _cache_files(_isolated_home)
    cache.write_bytes(damage(cache.read_bytes()))
    assert cached_toml(src, build, Sheet) == expected
    assert build.calls == 2
    assert cached_toml(src, build, Sheet) == expected  # rewritten whole
    assert build.calls == 2


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d | {"title": 5},  # a number where text belongs
        lambda d: d | {"rows": [{**d["rows"][0], "n": -1}]},  # outside the field's bounds
        lambda d: d | {"rows": [{**d["rows"][0], "task": "rm -rf"}]},  # no such enum value
        lambda d: d | {"rows": [{**d["rows"][0], "__class__": "os.system"}]},  # unknown field
        lambda d: {k: v for k, v in d.items() if k != "rows"},  # missing field
        lambda d: d | {"rows": {"n": 1}},  # an object where an array belongs
    ],
    ids=["type", "bound", "enum", "unknown", "missing", "shape"],
)
def test_a_tampered_cache_with_a_valid_checksum_is_rebuilt(
    tmp_path: Path, _isolated_home: Path, tamper: Any
) -> None:
    src, build = _source(tmp_path)
    expected = cached_toml(src, build, Sheet)
    (cache,) = _cache_files(_isolated_home)
    _rewrite_payload(cache, tamper)
    assert cached_toml(src, build, Sheet) == expected
    assert build.calls == 2


class _Payload:
    """What an attacker pickles: unpickling it creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.marker),))


def test_a_planted_pickle_is_never_run(tmp_path: Path, _isolated_home: Path) -> None:
    src, build = _source(tmp_path)
    expected = cached_toml(src, build, Sheet)
    (cache,) = _cache_files(_isolated_home)
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Payload(marker))
    head = json.loads(cache.read_bytes().split(b"\n", 1)[0])
    head["sha256"] = hashlib.sha256(evil).hexdigest()  # the key and checksum computed offline
    cache.write_bytes(json.dumps(head).encode() + b"\n" + evil)
    # The old layout's file names, with the old key line, are not even opened.
    (cache.parent / "catalog.pickle").write_bytes(b"key\n" + evil)
    (cache.with_suffix(".pickle")).write_bytes(head["key"].encode() + b"\n" + evil)
    assert cached_toml(src, build, Sheet) == expected
    assert not marker.exists()
    assert build.calls == 2


def test_another_users_or_a_shared_writable_cache_is_ignored(
    tmp_path: Path, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, build = _source(tmp_path)
    cached_toml(src, build, Sheet)
    (cache,) = _cache_files(_isolated_home)
    cache.chmod(0o666)  # anyone could have written it
    cached_toml(src, build, Sheet)
    assert build.calls == 2
    cached_toml(src, build, Sheet)  # rewritten with the user's umask: trusted again
    assert build.calls == 2
    owner = cache.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)  # now the file is someone else's
    cached_toml(src, build, Sheet)
    assert build.calls == 3


def test_a_cache_file_that_is_a_link_is_neither_read_nor_written_through(
    tmp_path: Path, _isolated_home: Path
) -> None:
    src, build = _source(tmp_path)
    cached_toml(src, build, Sheet)
    (cache,) = _cache_files(_isolated_home)
    elsewhere = tmp_path / "elsewhere.json"
    cache.rename(elsewhere)
    before = elsewhere.read_bytes()
    cache.symlink_to(elsewhere)
    assert cached_toml(src, build, Sheet) == cached_toml(src, build, Sheet)
    assert build.calls == 3  # the link is never followed, so never a hit
    assert elsewhere.read_bytes() == before and cache.is_symlink()


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_cache_files_get_the_users_umask(tmp_path: Path, _isolated_home: Path, umask: int) -> None:
    src, build = _source(tmp_path)
    old = os.umask(umask)
    try:
        cached_toml(src, build, Sheet)
    finally:
        os.umask(old)
    (cache,) = _cache_files(_isolated_home)
    assert cache.stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_unwritable_home_only_costs_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("ADVISOR_HOME", str(blocker))
    src, build = _source(tmp_path)
    assert cached_toml(src, build, Sheet) == cached_toml(src, build, Sheet)
    assert build.calls == 2


def test_a_value_json_cannot_hold_exactly_is_not_cached(
    tmp_path: Path, _isolated_home: Path
) -> None:
    """A date inside free-form data would come back as text: such a value is built each time."""
    src, build = _source(tmp_path, 'title = "x"\n[extra]\nwhen = 2024-05-01\n')
    assert cached_toml(src, build, Sheet) == cached_toml(src, build, Sheet)
    assert cached_toml(src, build, Sheet).extra == {"when": date(2024, 5, 1)}
    assert build.calls == 3
    assert _cache_files(_isolated_home) == []


def test_a_cached_value_of_another_kind_is_built_again(tmp_path: Path) -> None:
    src, build = _source(tmp_path)
    cached_toml(src, build, Sheet)
    rows = cached_toml(src, lambda: (Row(n=1, ratio=1.0),), tuple[Row, ...])
    assert rows == (Row(n=1, ratio=1.0),)  # same file, but a Sheet is in the cache
    assert build.calls == 1


def _fake_package(root: Path) -> Path:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.py").write_text("A = 1\n")
    (root / "sub" / "deeper" / "b.py").write_text("B = 1\n")
    return root


def test_any_code_change_in_the_package_makes_the_cache_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A development tree changes a module without a version bump: every cache is rebuilt,
    whichever module it was, with no list of modules to keep."""
    package = _fake_package(tmp_path / "pkg")
    monkeypatch.setattr(tomlcache, "_PACKAGE", package)
    src, build = _source(tmp_path)

    def run() -> None:
        tomlcache.code_fingerprint.cache_clear()  # a new process computes it anew
        cached_toml(src, build, Sheet)

    run()
    run()
    assert build.calls == 1
    (package / "sub" / "deeper" / "b.py").write_text("B = 22  # edited\n")
    run()
    assert build.calls == 2
    (package / "sub" / "new_module.py").write_text("")
    run()
    assert build.calls == 3
    (package / "sub" / "__pycache__").mkdir()
    (package / "sub" / "__pycache__" / "b.cpython-311.pyc").write_text("")
    (package / "notes.txt").write_text("not code")
    run()
    assert build.calls == 3
    tomlcache.code_fingerprint.cache_clear()


def test_parse_errors_pass_through_unchanged(tmp_path: Path) -> None:
    src, build = _source(tmp_path, "n = = 1\n")
    with pytest.raises(tomllib.TOMLDecodeError):
        cached_toml(src, build, Sheet)
    missing = tmp_path / "missing.toml"
    with pytest.raises(FileNotFoundError):
        cached_toml(missing, Builder(missing), Sheet)


def test_shipped_files_load_the_same_warm_as_cold(_isolated_home: Path) -> None:
    load_gpu_file.cache_clear()
    load_policy.cache_clear()
    weights.policy.cache_clear()
    cold = (load_gpus(), load_policy(), weights.policy())
    assert len(_cache_files(_isolated_home)) == 3
    load_gpu_file.cache_clear()
    load_policy.cache_clear()
    weights.policy.cache_clear()
    assert (load_gpus(), load_policy(), weights.policy()) == cold
    text = (catalog_dir() / "gpus.toml").read_text()
    assert load_gpus() == parse_gpus(text)
    assert all(type(spec) is GpuSpec for spec in load_gpus())


def test_a_broken_policy_file_is_reported_even_after_a_good_one_was_cached(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text((catalog_dir() / "policy" / "policy.toml").read_text())
    assert read_policy(policy) == load_policy()
    policy.write_text(policy.read_text() + "\n[general\n")
    with pytest.raises(CatalogError, match="not valid TOML"):
        read_policy(policy)


def test_every_shipped_data_file_is_served_from_the_cache_on_a_warm_start(
    _isolated_home: Path,
) -> None:
    """gpus.toml (accelerators and architectures), ranking.toml and policy.toml all have a
    cached form: a warm start must not parse TOML (the start-up test checks the import)."""
    from advisor.gpus import _load_both
    from advisor.recordjson import decoder, to_json

    path = catalog_dir() / "gpus.toml"
    gpu_file = _load_both(path)
    ranking = weights.policy()
    for kind, value in ((type(gpu_file), gpu_file), (weights.Policy, ranking)):
        assert decoder(kind)(json.loads(to_json(value))) == value


def test_fixed_length_tuples_and_frozensets_read_back_as_themselves() -> None:
    from typing import NamedTuple

    from advisor.recordjson import ShapeError, decoder, to_json

    class Rules(NamedTuple):
        pairs: tuple[tuple[str, int], ...]
        names: frozenset[str]

    rules = Rules(pairs=(("a", 1), ("b", 2)), names=frozenset({"x", "y"}))
    back = decoder(Rules)(json.loads(to_json(rules)))
    assert back == rules and type(back.names) is frozenset and back.pairs[1] == ("b", 2)
    with pytest.raises(ShapeError):
        decoder(Rules)([[["a", 1, 2]], ["x"]])
