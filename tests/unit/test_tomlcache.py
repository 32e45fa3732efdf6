"""The build cache gives what a fresh build gives, notices edits, never gets in the way."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from advisor.errors import CatalogError
from advisor.gpus import load_gpus, parse_gpus
from advisor.paths import catalog_dir
from advisor.recommend.policy_data import load_policy, read_policy
from advisor.tomlcache import cached_toml


class Parser:
    """Parses a file the plain way and counts how often it had to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return tomllib.loads(self.path.read_text())


def _cache_files(home: Path) -> list[Path]:
    return sorted((home / "cache").glob("toml-*.pickle"))


def test_second_read_comes_from_the_cache_and_equals_a_fresh_parse(
    tmp_path: Path, _isolated_home: Path
) -> None:
    src = tmp_path / "a.toml"
    src.write_text('title = "x"\nratio = 0.1\nbig = 12345678901234567890\n[[rows]]\nn = 1\n')
    parse = Parser(src)
    first = cached_toml(src, parse, dict)
    second = cached_toml(src, parse, dict)
    assert parse.calls == 1
    assert first == second == tomllib.loads(src.read_text())
    assert isinstance(second["ratio"], float) and isinstance(second["rows"][0]["n"], int)
    assert len(_cache_files(_isolated_home)) == 1


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    src = tmp_path / "a.toml"
    src.write_text("n = 1\n")
    parse = Parser(src)
    assert cached_toml(src, parse, dict) == {"n": 1}
    src.write_text("n = 22\n")
    os.utime(src, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns + 1_000_000))
    assert cached_toml(src, parse, dict) == {"n": 22}
    assert parse.calls == 2


def test_a_damaged_cache_file_is_ignored(tmp_path: Path, _isolated_home: Path) -> None:
    src = tmp_path / "a.toml"
    src.write_text("n = 1\n")
    parse = Parser(src)
    cached_toml(src, parse, dict)
    (cache,) = _cache_files(_isolated_home)
    cache.write_bytes(cache.read_bytes()[:-3])  # key intact, pickle cut short
    assert cached_toml(src, parse, dict) == {"n": 1}
    assert parse.calls == 2
    assert cached_toml(src, parse, dict) == {"n": 1}  # rewritten whole
    assert parse.calls == 2


def test_an_unwritable_home_only_costs_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("ADVISOR_HOME", str(blocker))
    src = tmp_path / "a.toml"
    src.write_text("n = 1\n")
    parse = Parser(src)
    assert cached_toml(src, parse, dict) == cached_toml(src, parse, dict) == {"n": 1}
    assert parse.calls == 2


def test_dates_survive_the_cache(tmp_path: Path, _isolated_home: Path) -> None:
    src = tmp_path / "a.toml"
    src.write_text("day = 2024-05-01\n")
    parse = Parser(src)
    assert (
        cached_toml(src, parse, dict)
        == cached_toml(src, parse, dict)
        == tomllib.loads(src.read_text())
    )
    assert parse.calls == 1


def test_a_cached_object_of_another_type_is_built_again(tmp_path: Path) -> None:
    src = tmp_path / "a.toml"
    src.write_text("n = 1\n")
    assert cached_toml(src, lambda: [1, 2], list) == [1, 2]
    parse = Parser(src)
    assert cached_toml(src, parse, dict) == {"n": 1}  # same file, but a list is in the cache
    assert parse.calls == 1


def test_editing_the_code_named_in_modules_makes_the_cache_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A development tree changes a record class without a version bump: rebuild, not unpickle
    objects of the old layout."""
    code = tmp_path / "shapes_for_cache_test.py"
    code.write_text("SIDES = 3\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    src = tmp_path / "a.toml"
    src.write_text("n = 1\n")
    parse = Parser(src)
    modules = ("shapes_for_cache_test",)
    cached_toml(src, parse, dict, modules)
    cached_toml(src, parse, dict, modules)
    assert parse.calls == 1
    code.write_text("SIDES = 4  # edited\n")
    cached_toml(src, parse, dict, modules)
    assert parse.calls == 2


def test_parse_errors_pass_through_unchanged(tmp_path: Path) -> None:
    src = tmp_path / "a.toml"
    src.write_text("n = = 1\n")
    with pytest.raises(tomllib.TOMLDecodeError):
        cached_toml(src, Parser(src), dict)
    missing = tmp_path / "missing.toml"
    with pytest.raises(FileNotFoundError):
        cached_toml(missing, Parser(missing), dict)


def test_shipped_files_load_the_same_warm_as_cold() -> None:
    load_gpus.cache_clear()
    load_policy.cache_clear()
    cold_gpus, cold_policy = load_gpus(), load_policy()
    load_gpus.cache_clear()
    load_policy.cache_clear()
    assert load_gpus() == cold_gpus
    assert load_policy() == cold_policy
    text = (catalog_dir() / "gpus.toml").read_text()
    assert load_gpus() == parse_gpus(text)


def test_a_broken_policy_file_is_reported_even_after_a_good_one_was_cached(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text((catalog_dir() / "policy" / "policy.toml").read_text())
    assert read_policy(policy) == load_policy()
    policy.write_text(policy.read_text() + "\n[general\n")
    with pytest.raises(CatalogError, match="not valid TOML"):
        read_policy(policy)
