"""Writes never go through a symlink: `licscan lock`, `-o FILE` and the Action's report folder,
through the real CLI and the Action's entry point (licscan.safewrite)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_action import POLICY, run_action, workspace
from tests.test_lockfile import licscan, local_project

VICTIM = "precious: do not overwrite\n"


def victim(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "victim.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(VICTIM)
    return path


def test_lock_does_not_write_through_a_committed_tmp_symlink(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    target = victim(tmp_path)
    (root / "licscan.lock.tmp").symlink_to(target)
    done = licscan(root, "lock")
    assert done.returncode == 0, done.stdout + done.stderr
    assert target.read_text() == VICTIM
    lock = root / "licscan.lock"
    assert not lock.is_symlink() and '"lockfile_version"' in lock.read_text()
    assert (root / "licscan.lock.tmp").is_symlink()  # left alone, not used
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".licscan.lock")) == []


def test_lock_refuses_a_lockfile_that_is_a_symlink(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    target = victim(tmp_path)
    (root / "licscan.lock").symlink_to(target)
    done = licscan(root, "lock")
    assert done.returncode == 2, done.stdout + done.stderr  # leads outside the repository
    assert "lockfile: must be a path inside the repository" in done.stderr
    assert target.read_text() == VICTIM and (root / "licscan.lock").is_symlink()

    inside = root / "models.yaml"  # a link to a file in the repository is refused too
    before = inside.read_text()
    (root / "licscan.lock").unlink()
    (root / "licscan.lock").symlink_to(inside)
    done = licscan(root, "lock")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "refusing to write licscan.lock: it is a symbolic link" in done.stderr
    assert inside.read_text() == before and (root / "licscan.lock").is_symlink()


@pytest.mark.parametrize("link", ["report.json.tmp", "report.json"])
def test_output_file_is_never_written_through_a_symlink(tmp_path: Path, link: str) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    target = victim(tmp_path)
    (root / link).symlink_to(target)
    done = licscan(root, "scan", "models/mit-model", "-f", "json", "-o", "report.json")
    assert target.read_text() == VICTIM
    if link == "report.json":
        assert done.returncode == 2
        assert "refusing to write report.json: it is a symbolic link" in done.stderr
    else:
        assert done.returncode == 0, done.stdout + done.stderr
        assert '"schema_version"' in (root / "report.json").read_text()


def test_the_action_refuses_a_report_folder_that_leaves_the_workspace(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit"}, POLICY)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "licscan-report").symlink_to(outside)  # committed to the repository
    done, outputs, _summary = run_action(root, formats="json")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "outside" in done.stderr and list(outside.iterdir()) == []
    assert outputs == {"verdict": "error", "failed": "true"}

    (root / "licscan-report").unlink()
    (root / "licscan-report").mkdir()
    target = victim(tmp_path)
    (root / "licscan-report" / "licscan.json").symlink_to(target)
    done, _outputs, _summary = run_action(root, formats="json")
    assert done.returncode == 2 and target.read_text() == VICTIM
    assert "it is a symbolic link" in done.stderr

    done, _outputs, _summary = run_action(root, formats="json", output_dir="../escape")
    assert done.returncode == 2 and not (tmp_path / "escape").exists()
    assert "outside the workspace" in done.stderr


def test_written_files_get_normal_permissions(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    assert licscan(root, "lock").returncode == 0
    mode = (root / "licscan.lock").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
