"""Hostile files where advisor expects its inputs: FIFOs, devices, folders, huge, binary and
deeply nested files give one line naming the file, never a hang, a traceback or a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.paths import user_catalog_dir
from advisor.safefile import UnreadableFileError, load_json, load_toml, read_bytes, read_text
from advisor.tui.state import read_last_request, state_path

RECORD = (
    '[[models]]\nid = "mine"\nhf_repo = "me/mine"\nname = "Mine"\nfamily = "llama"\n'
    'tasks = ["chat"]\narchitecture = "decoder"\nparams = 1000000\nlicense = "MIT"\n'
    'source = "me"\n'
)


BAD_TOP = {"task": "chat", "top": -2}


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_toml(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# -- the reader --------------------------------------------------------------------------------


def test_non_regular_files_are_refused_before_reading(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    cases = {
        _fifo(tmp_path / "pipe"): "FIFO",
        Path("/dev/zero"): "character device",
        tmp_path / "folder": "folder",
    }
    for path, kind in cases.items():
        with pytest.raises(UnreadableFileError, match=kind) as caught:
            read_bytes(path)
        assert str(path) in caught.value.message


def test_a_file_over_the_limit_is_refused_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2000)
    with pytest.raises(UnreadableFileError, match="over the 1,000 bytes limit"):
        read_bytes(big, limit=1000)
    assert read_bytes(big, limit=2000) == b" " * 2000


def test_a_binary_file_is_reported_with_its_path_and_offset(tmp_path: Path) -> None:
    binary = tmp_path / "model.toml"
    binary.write_bytes(b'id = "x"\n\xff\xfe\x00')
    with pytest.raises(UnreadableFileError, match=r"not UTF-8 text \(byte 9 is 0xff\)") as caught:
        read_text(binary)
    assert caught.value.path == binary


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_nesting_is_refused_in_one_line(tmp_path: Path, depth: int) -> None:
    deep_json, deep_toml = tmp_path / "deep.json", tmp_path / "deep.toml"
    deep_json.write_text(_deep_json(depth))
    deep_toml.write_text(_deep_toml(depth))
    with pytest.raises(UnreadableFileError, match="nests deeper than 64 levels"):
        load_json(deep_json)
    with pytest.raises(UnreadableFileError, match="nests deeper than 64 levels"):
        load_toml(deep_toml)


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    ok = tmp_path / "ok.json"
    ok.write_text(_deep_json(64))
    assert load_json(ok) is not None


# -- the catalog overlay -----------------------------------------------------------------------


def _overlay(name: str) -> Path:
    user_catalog_dir().mkdir(parents=True, exist_ok=True)
    return user_catalog_dir() / name


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), "is not UTF-8 text"),
        (lambda p: p.write_text(_deep_toml(5000)), "nests deeper than 64 levels"),
        (_fifo, "is a FIFO"),
        (lambda p: p.symlink_to("/dev/zero"), "is a character device"),
    ],
    ids=["binary", "deep", "fifo", "dev-zero"],
)
def test_a_hostile_overlay_file_is_one_line_on_every_command(
    make: object, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _overlay("bad.toml")
    make(path)  # type: ignore[operator]  # one of the makers above
    for argv in (["catalog", "list"], ["recommend", "--task", "chat", "--gpu", "H100"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("advisor: error:") and err.count("\n") == 1, err
        assert "bad.toml" in err and needle in err
    assert main(["catalog", "validate"]) == 1
    captured = capsys.readouterr()
    assert needle in captured.out and "Traceback" not in captured.err


def test_validate_rejects_non_positive_sizes_in_overlay_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _overlay("mine.toml").write_text(
        RECORD + '[models.config]\nmodel_type = "llama"\nhidden_size = -4096\n'
        "num_hidden_layers = 0\nvocab_size = 32000\ntype_vocab_size = 0\n"
        "[models.config.text_config]\nnum_attention_heads = -1\n"
    )
    assert main(["catalog", "validate"]) == 1
    out = capsys.readouterr().out
    assert "config.hidden_size: a size must be positive (got -4096)" in out
    assert "config.num_hidden_layers: a size must be positive (got 0)" in out
    assert "config.text_config.num_attention_heads: a size must be positive (got -1)" in out
    assert "vocab_size" not in out  # 32000 is fine, and DeBERTa-style type_vocab_size = 0 too
    for field in ("params = 0", "context_length = -1"):
        _overlay("mine.toml").write_text(RECORD.replace("params = 1000000", field))
        assert main(["catalog", "validate"]) == 1
        assert "greater than 0" in capsys.readouterr().out


# -- a config.json given as a path -------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_fifo, "is a FIFO"),
        (lambda p: p.mkdir(), "has no config.json"),
        (lambda p: p.write_bytes(b"\x00\x01\xff" * 10), "is not UTF-8 text"),
        (lambda p: p.write_text(_deep_json(10_000)), "nests deeper than 64 levels"),
    ],
    ids=["fifo", "empty-folder", "binary", "deep"],
)
def test_a_hostile_config_path_is_one_line(
    tmp_path: Path, make: object, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.json"
    make(path)  # type: ignore[operator]  # one of the makers above
    assert main(["estimate", str(path)]) in (1, 2)
    err = capsys.readouterr().err
    assert err.startswith("advisor: error:") and err.count("\n") == 1, err
    assert needle in err


def test_dev_zero_as_a_config_is_refused_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "/dev/zero"]) in (1, 2)
    assert "is a character device, not a regular file" in capsys.readouterr().err


def test_a_folder_whose_config_json_is_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model" / "config.json").mkdir(parents=True)
    assert main(["estimate", str(tmp_path / "model")]) in (1, 2)
    assert "config.json: is a folder" in capsys.readouterr().err


# -- tui-state.json ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p.write_bytes(b"\xff\xd8\xff\xe0 jpeg"), "is not UTF-8 text"),
        (lambda p: p.write_text(_deep_json(100_000)), "nests deeper than 64 levels"),
        (_fifo, "is a FIFO"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_text("{not json"), "is not JSON"),
        (lambda p: p.write_text('{"version": 7}'), "another advisor version"),
        (
            lambda p: p.write_text(
                json.dumps({"version": 1, "request": {"task": "chat", "top": -2}})
            ),
            "rejects: --top",
        ),
    ],
    ids=["binary", "deep", "fifo", "folder", "not-json", "version", "invalid"],
)
def test_a_bad_state_file_is_named_with_the_fix_and_the_app_starts_anyway(
    make: object, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    state_path().parent.mkdir(parents=True, exist_ok=True)
    make(state_path())  # type: ignore[operator]  # one of the makers above
    last = read_last_request()
    assert last.request is None and last.problem is not None
    assert str(state_path()) in last.problem and needle in last.problem
    assert "delete or fix the file" in last.problem
    # Plain `advisor` (off a terminal it prints the report): defaults, and it says why.
    assert main(["--gpu", "RTX 4090"]) == 0
    captured = capsys.readouterr()
    assert "Strategy:" in captured.out
    assert captured.err.count("\n") == 1 and str(state_path()) in captured.err
    assert needle in captured.err


def test_no_state_file_yet_is_no_problem() -> None:
    assert read_last_request() == (None, None)


# -- advisor's Hub cache -----------------------------------------------------------------------


def test_hostile_hub_cache_entries_are_misses(tmp_path: Path) -> None:
    from advisor.hub import cache

    entry = cache.entry_path("https://hf.example", "me/model", None)
    entry.parent.mkdir(parents=True, exist_ok=True)
    for make in (
        lambda p: p.write_text(_deep_json(100_000)),
        lambda p: p.write_bytes(b"\xff" * 64),
        _fifo,
    ):
        if entry.exists() or entry.is_symlink():
            entry.unlink()
        make(entry)
        assert cache.read("https://hf.example", "me/model", None, max_age_s=None) is None


def test_validating_a_fifo_or_device_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, kind in ((_fifo(tmp_path / "f.toml"), "FIFO"), (Path("/dev/zero"), "device")):
        assert main(["catalog", "validate", str(path)]) == 1
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and kind in out and path.name in out
