"""An edited lockfile cannot turn deny into allow, and a changed local model cannot pass on an
old lockfile: `licscan check` recomputes what the rule pack determines and re-reads local
folders; `licscan lock --check` compares every fact check uses. Through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hubdouble import HubDouble
from tests.test_lockfile import hub_env, hub_project, licscan, local_project


def edit_lock(root: Path, model_id: str, change: Any) -> None:
    path = root / "licscan.lock"
    lock = json.loads(path.read_text())
    [entry] = [m for m in lock["models"] if m["id"] == model_id]
    change(entry)
    path.write_text(json.dumps(lock, indent=2, ensure_ascii=False) + "\n")


def launder(entry: dict[str, Any]) -> None:
    """What an attacker edits: the flags, the license's category, flags and answer in the
    context, the findings; revision, expression, digests and the recorded verdict stay."""
    entry["flags"]["commercial_use"] = "allowed"
    for leaf in entry["licenses"]:
        leaf["category"] = "permissive"
        leaf["flags"]["commercial_use"] = "allowed"
        if "context" in leaf:
            leaf["context"] = {"commercial_use": "allowed", "reason": "commercial use is allowed"}
    entry["findings"] = []


def test_an_edited_lockfile_is_refused_by_check_and_lock_check(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit", "nc-model": "cc-by-nc-4.0"})
    assert licscan(root, "lock").returncode == 0
    assert licscan(root, "check").returncode == 1  # denied, honestly
    edit_lock(root, "models/nc-model", launder)

    done = licscan(root, "check")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert any("models/nc-model: flags.commercial_use is 'allowed' in the lockfile, but "
               "'prohibited' by the rule pack" in line for line in lines), done.stderr
    assert any("models/nc-model: licenses[CC-BY-NC-4.0].category is 'permissive' in the "
               "lockfile, but 'non-commercial' by the rule pack" in line for line in lines)
    assert "licscan.lock: " in done.stderr and "the lockfile was edited" in done.stderr
    assert "mit-model" not in done.stderr  # only the edited entry is named

    drift = licscan(root, "lock", "--check")
    assert drift.returncode == 1, drift.stdout + drift.stderr
    [line] = [x for x in drift.stdout.splitlines() if "models/nc-model" in x]
    assert "drift" in line and "flags.commercial_use allowed -> prohibited" in line
    assert ("license facts changed" in line and "findings +license-file-missing" not in line) \
        or "findings" in line

    assert licscan(root, "lock").returncode == 0  # a fresh lock is believed again
    done = licscan(root, "check")
    assert done.returncode == 1 and "models/nc-model: deny: " in done.stdout


def test_an_edited_context_answer_is_refused(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"llama-model": "llama3.1"})
    config = root / "licscan.yaml"
    config.write_text(config.read_text().replace("2000000", "900000000"))
    assert licscan(root, "lock").returncode == 0
    assert licscan(root, "check").returncode == 1  # over 700M monthly users: denied

    def allow(entry: dict[str, Any]) -> None:
        entry["licenses"][0]["context"] = {"commercial_use": "allowed",
                                           "reason": "commercial use is allowed"}
    edit_lock(root, "models/llama-model", allow)
    done = licscan(root, "check")
    assert done.returncode == 2
    assert "licenses[LicenseRef-scancode-llama-3.1-license-2024].context.commercial_use is " \
           "'allowed' in the lockfile, but 'prohibited' by the rule pack" in done.stderr


def test_invented_findings_and_foreign_rule_packs(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    assert licscan(root, "lock").returncode == 0
    original = (root / "licscan.lock").read_text()

    def invent(entry: dict[str, Any]) -> None:
        entry["findings"] = [{"code": "all-clear", "severity": "fine", "message": "trust me"}]
    edit_lock(root, "models/mit-model", invent)
    done = licscan(root, "check")
    assert done.returncode == 2
    assert "findings[0].code is 'all-clear'" in done.stderr
    assert "findings[0].severity is 'fine'" in done.stderr

    def unresolved(entry: dict[str, Any]) -> None:  # deny -> the `unknown` verdict (review)
        entry["status"], entry["error"] = "error", "timeout"
    (root / "licscan.lock").write_text(original)
    edit_lock(root, "models/mit-model", unresolved)
    done = licscan(root, "check")
    assert done.returncode == 2 and "status is 'error' in the lockfile" in done.stderr

    # a lockfile written by another rule pack is not "edited": relock; it fails closed
    (root / "licscan.lock").write_text(original)
    edit_lock(root, "models/mit-model", launder)
    lock = json.loads((root / "licscan.lock").read_text())
    lock["rulepack"]["hash"] = "sha256:" + "0" * 64
    (root / "licscan.lock").write_text(json.dumps(lock, indent=2))
    done = licscan(root, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "licscan.lock: rulepack: written with rule pack " in done.stdout
    assert "(run licscan lock)" in done.stdout


def test_a_hub_model_edited_in_the_lockfile_is_refused_offline(tmp_path: Path,
                                                               hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit", "acme/nc": "cc-by-nc-4.0"})
    edit_lock(root, "acme/nc", launder)
    hub.stop()
    done = licscan(root, "check")  # offline: HF_ENDPOINT is a closed port
    assert done.returncode == 2, done.stdout + done.stderr
    assert "acme/nc: flags.commercial_use is 'allowed'" in done.stderr


def test_check_notices_a_changed_local_model(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit", "other": "mit"})
    assert licscan(root, "lock").returncode == 0
    assert licscan(root, "check").returncode == 0
    model = root / "models" / "mit-model"
    (model / "README.md").write_text("---\nlicense: cc-by-nc-4.0\n---\n# a model\n")
    (model / "LICENSE").write_text("Attribution-NonCommercial 4.0 International, our words\n")
    done = licscan(root, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("models.yaml:2: models/mit-model: changed since licscan.lock was written: "
            "LICENSE added; README.md changed (run licscan lock)") in done.stdout
    assert "models/other" not in done.stdout

    (model / "LICENSE").unlink()
    (model / "README.md").write_text("---\nlicense: mit\n---\n# a model\n")
    assert licscan(root, "check").returncode == 0  # back as it was locked
    (model / "notes").mkdir()
    (model / "notes" / "terms.txt").write_text("non-commercial use only\n")
    done = licscan(root, "check")
    assert done.returncode == 1
    assert "models/mit-model: changed since licscan.lock was written: " in done.stdout


def test_lock_check_compares_every_fact(tmp_path: Path, hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit"})
    env = hub_env(hub, tmp_path)
    assert licscan(root, "lock", "--check", env=env).returncode == 0

    def drop(entry: dict[str, Any]) -> None:
        entry["findings"] = []
        entry["evidence"]["multimodal"] = True
    edit_lock(root, "acme/base", drop)
    done = licscan(root, "lock", "--check", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    line = done.stdout.splitlines()[0]
    assert line.startswith("models.yaml:2: acme/base: drift: ")
    assert "card task multimodal True -> None" in line
