"""The parsed-catalog cache: used when nothing changed, never when a file did, never fatal."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from advisor.catalog import load_catalog
from advisor.catalog.cache import CACHE_NAME
from advisor.paths import cache_dir
from tests.catalog_support import make_root


def _no_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("TOML was parsed although the cache was fresh")

    monkeypatch.setattr(tomllib, "load", refuse)


def test_second_load_reads_the_cache_not_the_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_root(tmp_path)
    first = load_catalog(root, user_dir=None)
    assert (cache_dir() / CACHE_NAME).is_file()
    _no_toml(monkeypatch)
    second = load_catalog(root, user_dir=None)
    assert second == first
    assert second.get("tiny-chat").arch().params_total == 134_515_008


def test_editing_a_file_invalidates_the_cache(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    model_file = root / "models" / "good.toml"
    assert load_catalog(root, user_dir=None).get("tiny-chat").context_length == 8192
    text = model_file.read_text().replace("context_length = 8192", "context_length = 4096")
    model_file.write_text(text)
    # same size, and force an older mtime: the key must still differ
    stat = model_file.stat()
    os.utime(model_file, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))
    assert load_catalog(root, user_dir=None).get("tiny-chat").context_length == 4096


def test_adding_a_user_file_invalidates_the_cache(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    user = tmp_path / "user"
    user.mkdir()
    assert len(load_catalog(root, user_dir=user).models) == 2
    (user / "mine.toml").write_text(
        '[[models]]\nid = "mine"\nhf_repo = "me/mine"\nname = "Mine"\nfamily = "bert"\n'
        'tasks = ["text-classification"]\narchitecture = "encoder"\nparams = 1000\n'
        'license = "MIT"\nsource = "me"\n'
    )
    assert load_catalog(root, user_dir=user).get("mine").params == 1000


def test_unwritable_cache_folder_is_silently_skipped(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    cache_dir().parent.mkdir(parents=True, exist_ok=True)
    cache_dir().write_text("a file where the cache folder should be")
    catalog = load_catalog(root, user_dir=None)
    assert catalog.get("tiny-chat").params == 134_515_008


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    load_catalog(root, user_dir=None)
    path = cache_dir() / CACHE_NAME
    key = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(key + b"\n{not json")
    assert load_catalog(root, user_dir=None).get("nc-translator").commercial_use is False
    assert load_catalog(root, user_dir=None).get("nc-translator").params == 600_000_000


def test_cache_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    load_catalog(make_root(tmp_path), user_dir=None)
    assert [p.name for p in cache_dir().iterdir()] == [CACHE_NAME]


def _payload(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    head, payload = path.read_bytes().split(b"\n", 1)
    return json.loads(head), json.loads(payload)


def test_the_cache_is_json_data_and_a_tampered_record_is_rebuilt(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    load_catalog(root, user_dir=None)
    path = cache_dir() / CACHE_NAME
    head, data = _payload(path)
    models = data["models"]
    assert isinstance(models, list)
    assert {m["id"] for m in models} == {"tiny-chat", "nc-translator"}
    models[0]["params"] = "134515008"  # text where a number belongs
    payload = json.dumps(data).encode()
    head["sha256"] = hashlib.sha256(payload).hexdigest()
    path.write_bytes(json.dumps(head).encode() + b"\n" + payload)
    assert load_catalog(root, user_dir=None).get("tiny-chat").params == 134_515_008
    assert _payload(path)[1]["models"][0]["params"] == 134_515_008  # rewritten


def test_a_warm_load_does_not_import_pydantic(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    code = (
        "import sys\nfrom pathlib import Path\nfrom advisor.catalog import load_catalog\n"
        f"c = load_catalog(Path({str(root)!r}), user_dir=None)\n"
        "print(c.get('tiny-chat').params, 'pydantic' in sys.modules)\n"
    )
    env = {**os.environ, "ADVISOR_HOME": os.environ["ADVISOR_HOME"]}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        for _ in range(2)
    ]
    assert [r.stdout.split() for r in runs] == [["134515008", "True"], ["134515008", "False"]]
