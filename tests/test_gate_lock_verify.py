"""`licscan check` verifies a lockfile's concluded license and findings against the evidence it
can read offline (the licscan cache's snapshot of the locked commit, a local folder), says so
when it cannot, and fails closed on request; a model and a dataset with one id are two lock
entries; the digests `licscan lock` writes are of the bytes it concluded. Through the real CLI
(fresh processes), with the Hub double."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_cli_lock import edit_lock
from tests.test_lockfile import OFFLINE, card, hub_env, hub_project, licscan, local_project

_COPIED = ("license", "rules", "flags", "licenses", "findings")


def _as_other(root: Path, source_id: str) -> Any:
    """What an attacker writes: another entry's license, rules, flags, facts and findings
    (all consistent with the rule pack), revision and evidence digests left alone."""
    lock = json.loads((root / "licscan.lock").read_text())
    [source] = [m for m in lock["models"] if m["id"] == source_id]

    def change(entry: dict[str, Any]) -> None:
        entry.update({key: json.loads(json.dumps(source[key])) for key in _COPIED})
    return change


def test_an_edited_hub_expression_is_refused_from_the_cached_snapshot(
        tmp_path: Path, hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit", "acme/nc": "cc-by-nc-4.0"})
    hub.stop()
    assert licscan(root, "check").returncode == 1  # denied, honestly
    edit_lock(root, "acme/nc", _as_other(root, "acme/base"))

    done = licscan(root, "check")  # offline: the cache holds what `lock` read
    assert done.returncode == 2, done.stdout + done.stderr
    assert "acme/nc: license is 'MIT' in the lockfile, but 'CC-BY-NC-4.0' concluded from " \
           "the cached snapshot of " in done.stderr
    assert "acme/base" not in done.stderr


def test_a_deleted_finding_is_refused(tmp_path: Path, hub: HubDouble) -> None:
    hub.add_model(RepoSpec(repo_id="acme/restricted", files={
        "README.md": card("apache-2.0") + "\n## License\n\nFor non-commercial research only.\n"}))
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "models.yaml").write_text("models:\n  - id: acme/restricted\n")
    (root / "licscan.yaml").write_text(
        "policy:\n  deny: [non-commercial, {finding: card-restricts-use}]\n")
    assert licscan(root, "lock", env=hub_env(hub, tmp_path)).returncode == 0
    hub.stop()
    done = licscan(root, "check")
    assert done.returncode == 1 and "acme/restricted: deny: " in done.stdout

    def drop(entry: dict[str, Any]) -> None:
        entry["findings"] = [f for f in entry["findings"] if f["code"] != "card-restricts-use"]
    edit_lock(root, "acme/restricted", drop)
    done = licscan(root, "check")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "acme/restricted: findings differ from those concluded from the cached snapshot" \
           in done.stderr
    assert "the lockfile lacks card-restricts-use (review)" in done.stderr


def test_without_the_evidence_check_says_unverified_and_can_fail_closed(
        tmp_path: Path, hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit", "acme/nc": "cc-by-nc-4.0"})
    hub.stop()
    edit_lock(root, "acme/nc", _as_other(root, "acme/base"))
    empty = {**OFFLINE, "LICSCAN_CACHE_DIR": str(tmp_path / "empty-cache")}

    done = licscan(root, "check", env=empty)  # a fresh clone: no cache
    assert done.returncode == 0, done.stdout + done.stderr  # the default: say so, go on
    assert " verified" not in done.stdout
    assert ("licscan.lock: 2 model(s) unverified: their license and findings are taken from "
            "the lockfile, the evidence they were concluded from is not available offline "
            "(licscan lock --check verifies them; --require-verified fails on them): "
            "acme/base, acme/nc") in done.stdout

    for args, env in ((("--require-verified",), empty),
                      ((), {**empty, "LICSCAN_REQUIRE_VERIFIED": "1"})):
        done = licscan(root, "check", *args, env=env)
        assert done.returncode == 1, done.stdout + done.stderr
        assert ("models.yaml:4: acme/nc: unverified: its license and findings are taken from "
                "licscan.lock; the licscan cache holds no snapshot of acme/nc at ") in done.stdout
        assert "2 lockfile problem(s): FAILED" in done.stdout


def test_a_verified_entry_is_remembered_and_lock_check_verifies(
        tmp_path: Path, hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit"})
    env = hub_env(hub, tmp_path)
    cache = tmp_path / "second-cache"
    done = licscan(root, "check", "--require-verified",
                   env={**OFFLINE, "LICSCAN_CACHE_DIR": str(cache)})
    assert done.returncode == 1  # this machine has not read it
    # `lock --check` reads the Hub: what it finds unchanged is verified for check
    assert licscan(root, "lock", "--check", env={**env, "LICSCAN_CACHE_DIR": str(cache)}
                   ).returncode == 0
    hub.stop()
    done = licscan(root, "check", "--require-verified",
                   env={**OFFLINE, "LICSCAN_CACHE_DIR": str(cache)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unverified" not in done.stdout


def test_an_edited_local_expression_is_refused(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit", "nc-model": "cc-by-nc-4.0"})
    assert licscan(root, "lock").returncode == 0
    edit_lock(root, "models/nc-model", _as_other(root, "models/mit-model"))
    for cache in (None, tmp_path / "empty-cache"):  # from the folder, cache or not
        env = OFFLINE if cache is None else {**OFFLINE, "LICSCAN_CACHE_DIR": str(cache)}
        done = licscan(root, "check", env=env)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "models/nc-model: license is 'MIT' in the lockfile, but 'CC-BY-NC-4.0' " \
               "concluded from the files on disk" in done.stderr


def test_a_model_and_a_dataset_with_one_id_are_two_entries(tmp_path: Path,
                                                           hub: HubDouble) -> None:
    hub.add_model(RepoSpec(repo_id="acme/twin", files={"README.md": card("mit")}))
    hub.add_dataset(RepoSpec(repo_id="acme/twin", files={"README.md": card("cc-by-nc-4.0")}))
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "models.yaml").write_text(
        "models:\n  - id: acme/twin\n  - id: https://huggingface.co/datasets/acme/twin\n")
    (root / "licscan.yaml").write_text("policy:\n  deny: [non-commercial]\n  allow: [MIT]\n")
    env = hub_env(hub, tmp_path)
    done = licscan(root, "lock", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    lock = json.loads((root / "licscan.lock").read_text())
    assert sorted((m.get("repo_type", "model"), m["license"]) for m in lock["models"]) == \
        [("dataset", "CC-BY-NC-4.0"), ("model", "MIT")]
    assert licscan(root, "lock", "--check", env=env).returncode == 0
    hub.stop()
    done = licscan(root, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "models.yaml:3: acme/twin: deny: " in done.stdout
    assert "0 lockfile problem(s)" in done.stdout

    # an older lockfile (no repo_type) reads as it did: every Hub entry a model
    for entry in lock["models"]:
        entry.pop("repo_type", None)
    lock["models"] = [m for m in lock["models"] if m["license"] == "MIT"]
    (root / "models.yaml").write_text("models:\n  - id: acme/twin\n")
    (root / "licscan.lock").write_text(json.dumps(lock, indent=2) + "\n")
    done = licscan(root, "check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_lock_digests_the_bytes_it_concluded(tmp_path: Path, monkeypatch: Any) -> None:
    """A LICENSE rewritten between the scan and the digest: the lockfile must not pair the
    old conclusion with the new bytes (check would then pass the new text unread)."""
    from click.testing import CliRunner

    from licscan import scan as scan_module
    from licscan.cli import cli

    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    folder = root / "models" / "mit-model"
    (folder / "LICENSE").write_text("This model is released under the MIT License.\n")
    real = scan_module.Scanner.evaluate

    def evaluate_then_swap(self: Any, snapshot: Any) -> Any:
        result = real(self, snapshot)
        (folder / "LICENSE").write_text("Attribution-NonCommercial 4.0 International\n"
                                        "non-commercial use only\n")
        (folder / "README.md").write_text(card("cc-by-nc-4.0"))
        return result
    with monkeypatch.context() as patched:
        patched.setattr(scan_module.Scanner, "evaluate", evaluate_then_swap)
        patched.chdir(root)
        done = CliRunner().invoke(cli, ["lock"], catch_exceptions=False)
    lock_path = root / "licscan.lock"
    if lock_path.exists():  # written: then its digests are of the MIT bytes it concluded
        lock = json.loads(lock_path.read_text())
        [entry] = lock["models"]
        assert entry["license"] == "MIT"
        check = licscan(root, "check")
        assert check.returncode != 0, check.stdout  # the folder no longer holds those bytes
        assert "changed since licscan.lock was written" in check.stdout
    else:  # or refused, saying why
        assert "changed while it was being locked" in done.output, done.output
    shutil.rmtree(folder)


def test_base_models_are_read_at_the_locked_commit(tmp_path: Path, hub: HubDouble) -> None:
    """A later online scan that sees a base model's new commit does not make check call the
    lockfile edited: on this machine the entry is superseded (unverified, not refused), and
    where that newer resolution was never seen it is concluded again with the base at the
    commit it records."""
    hub.add_model(RepoSpec(repo_id="acme/base", files={"README.md": card("mit")}))
    hub.add_model(RepoSpec(repo_id="acme/child", files={
        "README.md": "---\nlicense: mit\nbase_model: acme/base\n---\n# a fine-tune\n"}))
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "models.yaml").write_text("models:\n  - id: acme/child\n")
    (root / "licscan.yaml").write_text("policy:\n  deny: [non-commercial]\n  allow: [MIT]\n")
    env = hub_env(hub, tmp_path)
    assert licscan(root, "lock", env=env).returncode == 0
    lock = json.loads((root / "licscan.lock").read_text())
    assert lock["models"][0]["evidence"]["related"] == [
        {"repo_type": "model", "id": "acme/base", "revision": hub.sha("acme/base")}]

    hub.add_model(RepoSpec(repo_id="acme/base", files={"README.md": card("cc-by-nc-4.0")}))
    assert licscan(root, "scan", "acme/base", "--no-config", env=env).returncode in (0, 1)
    # the lockfile is checked as written, not remembered: conclude it again
    edit_lock(root, "acme/child", lambda entry: entry.update(verdict="review"))
    hub.stop()
    done = licscan(root, "check")
    assert done.returncode == 0 and "1 model(s) unverified" in done.stdout, done.stdout
    done = licscan(root, "check", "--require-verified")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "this machine last saw its base model or dataset acme/base (default branch) at " \
        f"{hub.sha('acme/base')[:12]}" in done.stdout, done.stdout
    # a machine that never saw the new commit: the snapshots it has, no record of branches
    key = hashlib.sha256(b"model\0acme/base").hexdigest()[:40]
    records = list(Path(os.environ["LICSCAN_CACHE_DIR"]).glob(f"v*/repos/{key[:2]}/{key}/ref-*"))
    assert records
    for record in records:
        record.unlink()
    done = licscan(root, "check", "--require-verified")
    assert done.returncode == 0, done.stdout + done.stderr


def test_weight_files_are_verified_from_disk_without_a_record(tmp_path: Path) -> None:
    from tests.test_gate_r2_lock_disk import WEIGHTS, env, repo

    for suffix, (_label, make) in sorted(WEIGHTS.items()):
        root = repo(tmp_path / suffix, f"  - path: model.{suffix}\n")
        (root / f"model.{suffix}").write_bytes(make("cc-by-nc-4.0"))
        assert licscan(root, "lock", env=env(root)).returncode == 0
        elsewhere = {**env(root), "LICSCAN_CACHE_DIR": str(tmp_path / f"{suffix}-cache")}
        done = licscan(root, "check", "--require-verified", env=elsewhere)
        assert done.returncode == 1 and f"model.{suffix}: deny: " in done.stdout, done.stdout
        assert "unverified" not in done.stdout  # concluded again from the file's header
