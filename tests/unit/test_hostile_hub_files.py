"""Hostile files in the user's Hugging Face cache, the Hub token file, the user catalog and
the policy files: one line naming the file, never a hang, a traceback or memory exhausted.

A FIFO that advisor opened for reading would block for ever; every test here runs under a
10 s alarm so that a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest

from advisor.cli import main
from advisor.errors import CatalogError
from advisor.hub import env, local
from advisor.hub.env import HubSettingError
from advisor.hub.local import CachedFileError
from tests.hub.fakehub import FakeFile
from tests.hub.models import QWEN_CONFIG, decoder_tensors, safetensors_file, write_hf_cache

REPO = "example-org/hostile"
COMMIT = "7" * 40

Maker = Callable[[Path], object]


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _binary(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff" * 4)


def _deep(path: Path) -> None:
    path.write_text("[" * 50_000 + "]" * 50_000)


def _deep_toml(path: Path) -> None:
    path.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")


def _huge(path: Path) -> None:
    with path.open("wb") as out:  # sparse: 9 MiB long, almost no disk
        out.truncate(9 * 2**20)


HOSTILE: list[tuple[Maker, str]] = [
    (_fifo, "is a FIFO (named pipe), not a regular file"),
    (_dev_zero, "is a character device, not a regular file"),
    (_binary, "is not UTF-8 text"),
    (_deep, "nests deeper than 64 levels"),
    (_huge, "is 9.0 MiB, over the 8.0 MiB limit"),
]
IDS = ["fifo", "dev-zero", "binary", "deep", "huge"]
HOSTILE_TOML = [(_deep_toml, m) if f is _deep else (f, m) for f, m in HOSTILE]


@pytest.fixture(autouse=True)
def _alarm() -> Iterator[None]:
    def fail(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("advisor waited on a hostile file")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def hf_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty Hugging Face cache (``HF_HOME/hub``) of this test's own."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    return tmp_path / "hf" / "hub"


def _snapshot(hub: Path, files: dict[str, bytes]) -> Path:
    return write_hf_cache(hub, REPO, {k: FakeFile(v) for k, v in files.items()}, COMMIT)


def _replace(path: Path, make: Maker) -> None:
    path.unlink()
    make(path)


def _one_error_line(err: str) -> None:
    assert err.startswith("advisor: error:") and err.count("\n") == 1, err
    assert "internal error" not in err and "Traceback" not in err


# -- the Hugging Face cache --------------------------------------------------------------------


@pytest.mark.parametrize(("make", "needle"), HOSTILE, ids=IDS)
def test_a_hostile_refs_file_does_not_stop_recommend(
    hf_hub: Path, make: Maker, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    weights = safetensors_file(decoder_tensors(QWEN_CONFIG, qkv_bias=True)).data
    snap = _snapshot(hf_hub, {"config.json": json.dumps(QWEN_CONFIG).encode(), "x.bin": weights})
    _replace(hf_hub / f"models--{REPO.replace('/', '--')}" / "refs" / "main", make)
    # The refs file counts as absent: the repo is still listed, from its only snapshot.
    assert local.local_models()[REPO].revision == snap.name
    assert main(["recommend", "--task", "chat", "--gpu", "H100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["schema_version"]


@pytest.mark.parametrize(("make", "needle"), HOSTILE, ids=IDS)
def test_a_hostile_cached_config_is_named_in_one_line(
    hf_hub: Path, make: Maker, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = _snapshot(hf_hub, {"config.json": json.dumps(QWEN_CONFIG).encode()})
    _replace(snap / "config.json", make)
    with pytest.raises(CachedFileError, match=re.escape(needle)) as caught:
        local.cached_config(REPO)
    assert f"config.json of {REPO} in your Hugging Face cache" in caught.value.message
    assert main(["estimate", REPO]) == 1
    err = capsys.readouterr().err
    _one_error_line(err)
    assert needle in err and "delete that file" in err


def test_a_cached_config_that_is_not_json_still_counts_as_absent(hf_hub: Path) -> None:
    snap = _snapshot(hf_hub, {"config.json": b"{not json"})
    assert local.cached_config(REPO) is None
    assert local.snapshot(REPO) == snap


@pytest.mark.parametrize(("make", "needle"), HOSTILE[:3], ids=IDS[:3])
def test_a_hostile_safetensors_index_is_named(
    hf_hub: Path, make: Maker, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = _snapshot(hf_hub, {"config.json": b"{}", "model.safetensors.index.json": b"{}"})
    _replace(snap / "model.safetensors.index.json", make)
    with pytest.raises(CachedFileError, match=re.escape(needle)):
        local.local_safetensors_files(snap, REPO)
    assert main(["estimate", REPO]) == 1
    err = capsys.readouterr().err
    _one_error_line(err)
    assert "model.safetensors.index.json of example-org/hostile" in err and needle in err


def test_a_deep_safetensors_header_is_a_value_error(tmp_path: Path) -> None:
    body = b"[" * 50_000 + b"]" * 50_000
    path = tmp_path / "model.safetensors"
    path.write_bytes(len(body).to_bytes(8, "little") + body)
    with pytest.raises(ValueError, match="safetensors header nests deeper than 64 levels"):
        local.read_safetensors_header(path)
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="is not a regular file"):
        local.read_safetensors_header(fifo)


# -- the Hub token file ------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "needle"), HOSTILE[:3], ids=IDS[:3])
def test_a_hostile_token_file_is_a_setting_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Maker, needle: str
) -> None:
    path = tmp_path / "token"
    make(path)
    monkeypatch.setenv("HF_TOKEN_PATH", str(path))
    with pytest.raises(HubSettingError, match=re.escape(needle)) as caught:
        env.token()
    assert f"the Hub token file {path} (HF_TOKEN_PATH)" in caught.value.message
    assert caught.value.exit_code == 2


def test_a_big_token_file_is_refused_and_a_normal_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "token"
    monkeypatch.setenv("HF_TOKEN_PATH", str(path))
    assert env.token() is None  # no file yet: no token
    path.write_text("hf_" + "x" * 5000)
    with pytest.raises(HubSettingError, match="over the 4,096 bytes limit"):
        env.token()
    path.write_text("hf_abc\n")
    assert env.token() == "hf_abc"


# -- the user catalog and the shipped policy files ---------------------------------------------


@pytest.mark.parametrize(("make", "needle"), HOSTILE_TOML, ids=IDS)
def test_dropping_a_replaced_record_refuses_a_hostile_file(
    tmp_path: Path, make: Maker, needle: str
) -> None:
    from advisor.hub.record import write_record

    old = tmp_path / "old.toml"
    make(old)
    with pytest.raises(CatalogError, match=re.escape(needle)) as caught:
        write_record(tmp_path / "new.toml", 'x = "y"\n', old)
    assert caught.value.message.startswith(f"your catalog file {old}")
    assert not (tmp_path / "new.toml").exists()


def test_refresh_rewrites_a_record_file_it_cannot_compare(tmp_path: Path) -> None:
    from advisor.hub.refresh import _same_text

    target = tmp_path / "rec.toml"
    os.mkfifo(target)
    assert _same_text(target, "text\n") is False
    target.unlink()
    target.write_text("text\n")
    assert _same_text(target, "text\n") is True
    assert _same_text(target, "other\n") is False


@pytest.mark.parametrize(("make", "needle"), HOSTILE_TOML, ids=IDS)
def test_hostile_policy_files_are_one_catalog_error(
    tmp_path: Path, make: Maker, needle: str
) -> None:
    from advisor.recommend.policy_data import read_policy
    from advisor.recommend.weights import policy

    for name, read, what in (
        ("policy.toml", read_policy, "policy file"),
        ("ranking.toml", policy, "ranking file"),
    ):
        path = tmp_path / name
        make(path)
        with pytest.raises(CatalogError, match=re.escape(needle)) as caught:
            read(path)
        assert caught.value.message.startswith(f"{what} {path}")
