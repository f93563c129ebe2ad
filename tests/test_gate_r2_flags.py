"""`licscan check` reads the duty flags of an undetermined license as the scan does: "unknown",
never False, so `{flag: share_alike, is: false}` cannot allow in check what the scan does not.
Through the real CLI: lock, check, an edited lockfile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_gate_cli_lock import edit_lock
from tests.test_lockfile import licscan

CARDS = {"undetermined": "other", "no-card-license": None, "unknown-id": "LicenseRef-acme-1",
         "mit-model": "mit"}


def project(root: Path, flag: str) -> Path:
    (root / ".git").mkdir(parents=True)
    for name, license_id in CARDS.items():
        (root / "models" / name).mkdir(parents=True)
        front = f"---\nlicense: {license_id}\n---\n" if license_id else ""
        (root / "models" / name / "README.md").write_text(front + "# a model\n")
    (root / "models.yaml").write_text("models:\n" + "".join(
        f"  - path: models/{name}\n" for name in CARDS))
    (root / "licscan.yaml").write_text(
        "manifest: models.yaml\npolicy:\n  unknown: deny\n"
        f"  allow: [{{flag: {flag}, is: false}}]\n")
    return root


def scan_verdicts(root: Path) -> dict[str, tuple[str, str]]:
    done = licscan(root, "scan", "-m", "models.yaml", "-f", "json")
    report = json.loads(done.stdout)
    return {m["id"]: (m["verdict"], m["decided_by"]) for m in report["models"]}


@pytest.mark.parametrize("flag", ["attribution", "share_alike", "acceptable_use_policy"])
def test_check_does_not_allow_an_undetermined_license_by_a_duty_flag(tmp_path: Path,
                                                                    flag: str) -> None:
    root = project(tmp_path / "repo", flag)
    done = licscan(root, "lock")
    assert done.returncode == 0, done.stdout + done.stderr
    lock = json.loads((root / "licscan.lock").read_text())
    flags = {m["id"]: m["flags"] for m in lock["models"]}
    assert flags["models/undetermined"][flag] == "unknown"
    assert flags["models/no-card-license"][flag] == "unknown"

    done = licscan(root, "check")
    assert done.returncode == 1, done.stdout + done.stderr  # not 2: the lock is believed
    assert "disagree" not in done.stderr
    for name in ("undetermined", "no-card-license", "unknown-id"):
        assert f"models/{name}: deny: " in done.stdout and "[policy:unknown]" in done.stdout
    # check decides as the scan does, model by model
    scanned = scan_verdicts(root)
    assert scanned["models/undetermined"] == ("deny", "policy:unknown")
    for model_id, (verdict, decided_by) in scanned.items():
        shown = [line for line in done.stdout.splitlines() if f" {model_id}: " in line]
        if verdict == "allow":
            assert shown == [], shown
        else:
            assert len(shown) == 1 and f": {verdict}: " in shown[0]
            assert shown[0].endswith(f"[{decided_by}]")


def test_a_duty_flag_written_as_false_for_an_undetermined_license_is_an_edit(
        tmp_path: Path) -> None:
    root = project(tmp_path / "repo", "share_alike")
    assert licscan(root, "lock").returncode == 0

    def no_duty(entry: dict[str, object]) -> None:
        flags = entry["flags"]
        assert isinstance(flags, dict)
        flags.update(attribution=False, share_alike=False, acceptable_use_policy=False)

    edit_lock(root, "models/undetermined", no_duty)
    done = licscan(root, "check")
    assert done.returncode == 2, done.stdout + done.stderr
    assert ("models/undetermined: flags.share_alike is False in the lockfile, but 'unknown' by "
            "the rule pack") in done.stderr
    drift = licscan(root, "lock", "--check")
    assert drift.returncode == 1
    assert "flags.share_alike False -> unknown" in drift.stdout
