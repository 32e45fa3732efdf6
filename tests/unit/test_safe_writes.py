"""The one writer (advisor.atomic): never through a link, never torn, umask modes, exactly one
winner for a new file; and the commands that write through it (exports, tui-state.json)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from advisor.atomic import UnsafePathError, write_atomic, write_file
from advisor.cli import main
from advisor.models.request import Request
from advisor.models.task import Task
from advisor.tui.state import save_last_request, state_path

EXPORT = ["recommend", "--task", "chat", "--data", "5k", "--gpu", "RTX 4090", "--json"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_new_files_get_the_users_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        write_file(tmp_path / "a.txt", b"a")
        write_file(tmp_path / "run.sh", b"echo", executable=True)
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "run.sh").stat().st_mode & 0o777 == 0o777 & ~umask


def test_an_existing_file_is_kept_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("mine")
    with pytest.raises(FileExistsError):
        write_file(target, b"theirs")
    assert target.read_text() == "mine"
    write_file(target, b"theirs", overwrite=True)
    assert target.read_text() == "theirs"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_in_place_of_the_target_is_refused_and_never_followed(
    tmp_path: Path, overwrite: bool, dangling: bool
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    if not dangling:
        victim.write_text("precious")
        victim.chmod(0o600)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "train.py").symlink_to(victim)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        write_file(folder / "train.py", b"payload", overwrite=overwrite, executable=True)
    if dangling:
        assert not victim.exists()
    else:
        assert victim.read_text() == "precious"
        assert victim.stat().st_mode & 0o777 == 0o600
    assert (folder / "train.py").is_symlink()
    assert _leftovers(folder) == []


def test_a_folder_or_fifo_in_place_of_the_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for name in ("dir", "fifo"):
        with pytest.raises(UnsafePathError):
            write_file(tmp_path / name, b"x", overwrite=True)
    with pytest.raises(UnsafePathError, match="not a file name"):
        write_file(tmp_path / "..", b"x")


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_text('{"old": true}')

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_file(target, b'{"new": true}', overwrite=True)
    assert target.read_text() == '{"old": true}'
    assert _leftovers(tmp_path) == []
    assert write_atomic(target, b"{}")  # caches do not sync: they are rebuilt when lost
    assert target.read_text() == "{}"


_RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from advisor.atomic import write_file
    go = Path(sys.argv[1])
    while not go.exists():
        time.sleep(0.001)
    try:
        write_file(Path(sys.argv[2]), sys.argv[3].encode())
        print("won")
    except FileExistsError:
        print("lost")
    """
)


def test_of_processes_creating_one_new_file_exactly_one_wins(tmp_path: Path) -> None:
    go, target = tmp_path / "go", tmp_path / "out" / "record.toml"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(go), str(target), f"writer {n}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    go.touch()
    results = [racer.communicate(timeout=60)[0].strip() for racer in racers]
    assert sorted(results) == ["lost"] * 7 + ["won"]
    winner = results.index("won")
    assert target.read_text() == f"writer {winner}"
    assert _leftovers(target.parent) == []


# -- the commands ------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["", " "])
def test_an_empty_export_folder_is_a_usage_error(
    folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*EXPORT, "--export", folder]) == 2
    err = capsys.readouterr().err
    assert err.startswith("advisor: error:") and err.count("\n") == 1 and "empty" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("below", "needle"),
    [("", "is a file, not a folder"), ("/sub/dir", "is a file, not a folder")],
    ids=["the-folder", "a-parent"],
)
def test_a_file_given_as_the_export_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], below: str, needle: str
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    assert main([*EXPORT, "--export", f"{target}{below}"]) == 2
    err = capsys.readouterr().err
    assert f"{target} {needle}" in err and err.count("\n") == 1
    assert target.read_text() == "mine"


def test_a_device_or_dangling_link_as_the_export_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*EXPORT, "--export", "/dev/null"]) == 2
    assert "/dev/null is not a folder" in capsys.readouterr().err
    link = tmp_path / "run"
    link.symlink_to(tmp_path / "gone")
    assert main([*EXPORT, "--export", str(link)]) == 2
    assert "symbolic link to nothing" in capsys.readouterr().err
    assert not (tmp_path / "gone").exists()


@pytest.mark.parametrize("force", [False, True])
def test_an_export_never_writes_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], force: bool
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    kept = outside / "kept.sh"
    kept.write_text("#!/bin/sh\n")
    kept.chmod(0o600)
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "serve.sh").symlink_to(kept)
    (folder / "train.py").symlink_to(outside / "created-outside.py")  # dangling
    argv = [*EXPORT, "--export", str(folder), *(["--force"] if force else [])]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "symbolic link" in err
    assert sorted(p.name for p in outside.iterdir()) == ["kept.sh"]
    assert kept.read_text() == "#!/bin/sh\n" and kept.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["serve.sh", "train.py"]


def test_forced_exports_replace_files_whole_and_keep_other_modes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "run"
    assert main([*EXPORT, "--export", str(folder)]) == 0
    report = folder / "report.json"
    report.write_text('{"torn')  # what a crash used to leave
    hard = tmp_path / "hard-linked-serve.sh"
    os.link(folder / "serve.sh", hard)
    hard.chmod(0o600)
    before = hard.read_text()
    assert main([*EXPORT, "--export", str(folder)]) == 1  # still never overwritten silently
    assert "--force" in capsys.readouterr().err
    assert main([*EXPORT, "--export", str(folder), "--force"]) == 0
    assert (
        json.loads(report.read_text())["schema_version"] == "2"
    )  # recommend schema v2: a whole document, not the torn one
    assert hard.stat().st_mode & 0o777 == 0o600  # the other name kept its file and mode
    assert hard.read_text() == before and not hard.samefile(folder / "serve.sh")
    assert (folder / "serve.sh").stat().st_mode & 0o100
    assert _leftovers(folder) == []


def test_the_app_state_is_not_written_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.json"
    victim.write_text("precious")
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().symlink_to(victim)
    assert save_last_request(Request(task=Task.CHAT)) is False
    assert victim.read_text() == "precious"


_ADDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from advisor.cli import main
    import advisor.hub.record, advisor.catalog.load  # imported before the start, not in the race
    go = Path(sys.argv[1])
    while not go.exists():
        time.sleep(0.001)
    print(main(["catalog", "add", sys.argv[2]]))
    """
)


def test_concurrent_catalog_adds_of_one_repo_have_exactly_one_winner(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from advisor.catalog import load_catalog
    from advisor.paths import user_catalog_dir
    from tests.hub.fixtures import serve
    from tests.hub.models import QWEN_REPO

    load_catalog()  # the racers start from a warm catalog cache
    go = tmp_path / "go"
    with serve(monkeypatch) as hub:
        env = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_ENDPOINT": hub.url}
        adders = [
            subprocess.Popen(
                [sys.executable, "-c", _ADDER, str(go), QWEN_REPO],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(4)
        ]
        go.touch()
        outcomes = [adder.communicate(timeout=120) for adder in adders]
    codes = sorted(out.strip().splitlines()[-1] for out, _ in outcomes)
    assert codes == ["0", "1", "1", "1"], outcomes
    added = [out for out, _ in outcomes if out.startswith("added")]
    assert len(added) == 1
    losers = [err for out, err in outcomes if not out.startswith("added")]
    assert all("already has 'qwen2.5-0.5b'" in err and err.count("\n") == 1 for err in losers)
    (record,) = user_catalog_dir().glob("*.toml")
    assert _leftovers(record.parent) == []
    assert load_catalog().get("qwen2.5-0.5b").hf_repo == QWEN_REPO
