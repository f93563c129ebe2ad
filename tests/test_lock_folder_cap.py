"""A local folder's digest stops at licscan.lock.trust.MAX_ENTRIES entries, so a change past
them cannot be seen: `licscan lock` refuses to write such an entry and `licscan check` fails on
a folder over the cap, both naming the folder and the cap (never a pass by omission). The cap
is lowered in the child process so that a folder of a dozen files is over it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_lockfile import OFFLINE, REPO, licscan, local_project

CAP = 5
_CAPPED = ("import sys\nfrom licscan.lock import trust\ntrust.MAX_ENTRIES = int(sys.argv[1])\n"
           "from licscan.cli import main\nmain(sys.argv[2:])\n")


def capped(root: Path, cap: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`licscan ARGS` with the folder digest capped at `cap` entries."""
    env = dict(os.environ, PYTHONPATH=str(REPO), LICSCAN_CACHE_DIR=str(root / ".cache-licscan"),
               **OFFLINE)
    return subprocess.run([sys.executable, "-c", _CAPPED, str(cap), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def big_project(tmp_path: Path) -> tuple[Path, Path]:
    root = local_project(tmp_path / "repo", {"big": "mit"}, "  allow: [MIT]\n")
    folder = root / "models" / "big"
    for index in range(12):  # README.md, then w00..w11: past a cap of 5, w04 on is not digested
        (folder / f"w{index:02d}.txt").write_text(f"shard {index}\n")
    return root, folder


def test_lock_refuses_a_folder_over_the_cap(tmp_path: Path) -> None:
    root, _folder = big_project(tmp_path)
    done = capped(root, CAP, "lock")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "models.yaml:2: models/big: cannot be locked: the folder" in done.stdout
    assert f"has more than {CAP:,} entries" in done.stdout
    assert "the lockfile was not written" in done.stdout
    assert not (root / "licscan.lock").exists()
    drift = capped(root, CAP, "lock", "--check")
    assert drift.returncode == 1 and "cannot be locked" in drift.stdout


def test_check_fails_on_a_folder_over_the_cap_even_if_unchanged(tmp_path: Path) -> None:
    """A lockfile whose folder digest stopped at the cap (an older licscan wrote one without
    saying so): a change past the cap leaves the digest as it was, so check must not pass."""
    root, folder = big_project(tmp_path)
    assert licscan(root, "lock", env={**OFFLINE,
                                      "LICSCAN_CACHE_DIR": str(root / ".cache-licscan")},
                   ).returncode == 0
    lock_path = root / "licscan.lock"
    lock = json.loads(lock_path.read_text())
    probe = subprocess.run(
        [sys.executable, "-c", "import json, sys\nfrom pathlib import Path\n"
         "from licscan.lock import trust\ntrust.MAX_ENTRIES = int(sys.argv[1])\n"
         "out = trust.local_evidence(Path(sys.argv[2]), ())\nout.pop('capped', None)\n"
         "print(json.dumps(out))\n", str(CAP), str(folder)],
        env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, check=True)
    lock["models"][0]["evidence"]["local"] = json.loads(probe.stdout)  # as an older lock wrote
    lock_path.write_text(json.dumps(lock, indent=2))
    (folder / "w09.txt").write_text("a shard the digest never read, changed\n")

    done = capped(root, CAP, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("models.yaml:2: models/big: changed since licscan.lock was written: the folder "
            f"'{folder}' has more than {CAP:,} entries, the most licscan digests, so a change "
            "past them could not be seen (run licscan lock)") in done.stdout
    assert "FAILED" in done.stdout.splitlines()[-1]


def test_a_folder_under_the_cap_is_locked_and_checked(tmp_path: Path) -> None:
    root, folder = big_project(tmp_path)
    assert capped(root, 100, "lock").returncode == 0
    assert "capped" not in (root / "licscan.lock").read_text()
    assert capped(root, 100, "check").returncode == 0
    (folder / "w09.txt").write_text("changed\n")
    done = capped(root, 100, "check")
    assert done.returncode == 1 and "w09.txt changed" in done.stdout, done.stdout
