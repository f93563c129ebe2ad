"""`licscan check` against a lockfile that is self-consistent but not the one for this manifest:
an entry that names another commit than the manifest pins, an older lockfile restored after a
base model was relicensed, and a lockfile that no reader can walk (nested past the recursion
limit, an integer past Python's digit limit). Through the real CLI, with the Hub double."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_lockfile import OFFLINE, card, hub_env, licscan, local_project

_POLICY = "policy:\n  deny: [non-commercial]\n  allow: [MIT]\n"


def _project(tmp_path: Path, manifest: str) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "licscan.yaml").write_text(_POLICY)
    (root / "models.yaml").write_text(manifest)
    return root


def test_an_entry_naming_another_commit_than_the_pin_is_refused(tmp_path: Path,
                                                                  hub: HubDouble) -> None:
    old = hub.add_model(RepoSpec(repo_id="acme/m", files={"README.md": card("mit")}))
    root = _project(tmp_path, f"models:\n  - id: acme/m\n    revision: {old}\n")
    env = hub_env(hub, tmp_path)
    assert licscan(root, "lock", env=env).returncode == 0
    [old_entry] = json.loads((root / "licscan.lock").read_text())["models"]
    new = hub.add_model(RepoSpec(repo_id="acme/m", files={"README.md": card("cc-by-nc-4.0")}))
    (root / "models.yaml").write_text(f"models:\n  - id: acme/m\n    revision: {new}\n")
    assert licscan(root, "lock", env=env).returncode == 0
    hub.stop()
    honest = licscan(root, "check", "--require-verified")
    assert honest.returncode == 1 and "acme/m: deny: " in honest.stdout, honest.stdout

    lock = json.loads((root / "licscan.lock").read_text())
    lock["models"] = [{**old_entry, "requested_revision": new}]  # the old commit, new pin
    (root / "licscan.lock").write_text(json.dumps(lock, indent=2) + "\n")
    for args in (("check",), ("check", "--require-verified")):
        done = licscan(root, *args)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"the manifest pins commit {new}, the lockfile names revision {old[:12]}" \
            in done.stderr, done.stderr


def _replay(tmp_path: Path, hub: HubDouble, relicensed: str, manifest_id: str) -> Path:
    """Lock, relicense `relicensed` non-commercial, relock; then restore the first lockfile."""
    root = _project(tmp_path, f"models:\n  - id: {manifest_id}\n")
    env = hub_env(hub, tmp_path)
    assert licscan(root, "lock", env=env).returncode == 0
    old_lock = (root / "licscan.lock").read_text()
    hub.add_model(RepoSpec(repo_id=relicensed, files={"README.md": card("cc-by-nc-4.0")}))
    relock = licscan(root, "lock", env=env)
    assert relock.returncode == 0 and "1 deny" in relock.stdout, relock.stdout  # honestly
    hub.stop()
    honest = licscan(root, "check", "--require-verified")
    assert honest.returncode == 1 and "deny" in honest.stdout, honest.stdout
    (root / "licscan.lock").write_text(old_lock)
    return root


def test_a_restored_lockfile_pinning_an_old_base_is_not_verified(tmp_path: Path,
                                                                   hub: HubDouble) -> None:
    hub.add_model(RepoSpec(repo_id="acme/base", files={"README.md": card("mit")}))
    hub.add_model(RepoSpec(repo_id="acme/ft", files={
        "README.md": "---\nlicense: mit\nbase_model: acme/base\n"
                     "base_model_relation: finetune\n---\n# a fine-tune\n"}))
    root = _replay(tmp_path, hub, "acme/base", "acme/ft")
    done = licscan(root, "check", "--require-verified")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "acme/ft: unverified: " in done.stdout and "this machine last saw its base model " \
        f"or dataset acme/base (default branch) at {hub.sha('acme/base')[:12]}" in done.stdout
    # without --require-verified it is a note, as any entry whose evidence is not trusted
    done = licscan(root, "check")
    assert done.returncode == 0 and "1 model(s) unverified" in done.stdout, done.stdout


def test_a_restored_lockfile_naming_an_old_branch_commit_is_not_verified(
        tmp_path: Path, hub: HubDouble) -> None:
    hub.add_model(RepoSpec(repo_id="acme/m", files={"README.md": card("mit")}))
    root = _replay(tmp_path, hub, "acme/m", "acme/m")
    done = licscan(root, "check", "--require-verified")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "acme/m: unverified: " in done.stdout and "this machine last saw acme/m (default " \
        f"branch) at {hub.sha('acme/m')[:12]}" in done.stdout, done.stdout


def test_the_current_lockfile_is_still_verified(tmp_path: Path, hub: HubDouble) -> None:
    """The control: nothing superseded, the remembered entry passes."""
    hub.add_model(RepoSpec(repo_id="acme/base", files={"README.md": card("mit")}))
    hub.add_model(RepoSpec(repo_id="acme/ft", files={
        "README.md": "---\nlicense: mit\nbase_model: acme/base\n---\n# a fine-tune\n"}))
    root = _project(tmp_path, "models:\n  - id: acme/ft\n")
    assert licscan(root, "lock", env=hub_env(hub, tmp_path)).returncode == 0
    hub.stop()
    done = licscan(root, "check", "--require-verified", env=OFFLINE)
    assert done.returncode == 0 and "unverified" not in done.stdout, done.stdout


def _unreadable(tmp_path: Path, edit: str) -> str:
    root = local_project(tmp_path, {"m": "mit"})
    assert licscan(root, "lock").returncode == 0
    text = (root / "licscan.lock").read_text()
    (root / "licscan.lock").write_text(text.replace('"manifest":', edit + ', "manifest":', 1))
    done = licscan(root, "check")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "internal error" not in done.stderr and "licscan.lock" in done.stderr, done.stderr
    return done.stderr


def test_a_lockfile_nested_past_the_recursion_limit_is_a_lockfile_error(tmp_path: Path) -> None:
    stderr = _unreadable(tmp_path / "a", '"x": ' + "[" * 200_000 + "]" * 200_000)
    assert "nested too deeply" in stderr
    # deep enough to trouble a later walk, shallow enough for the parser
    stderr = _unreadable(tmp_path / "b", '"x": ' + "[" * 500 + "]" * 500)
    assert "nested deeper than" in stderr


def test_an_integer_past_the_digit_limit_is_a_lockfile_error(tmp_path: Path) -> None:
    assert "not valid JSON" in _unreadable(tmp_path, '"x": ' + "9" * 5000)


def test_a_branch_that_moved_without_drift_is_verified_after_lock_check(
        tmp_path: Path, hub: HubDouble) -> None:
    """A new commit on a base model's branch that changes nothing check rests on: check says
    superseded until `lock --check` online finds no drift, then verifies the lockfile as it
    stands (no relock needed)."""
    hub.add_model(RepoSpec(repo_id="acme/base", files={"README.md": card("mit")}))
    hub.add_model(RepoSpec(repo_id="acme/ft", files={
        "README.md": "---\nlicense: mit\nbase_model: acme/base\n---\n# a fine-tune\n"}))
    root = _project(tmp_path, "models:\n  - id: acme/ft\n")
    env = hub_env(hub, tmp_path)
    assert licscan(root, "lock", env=env).returncode == 0
    locked = (root / "licscan.lock").read_text()
    hub.add_model(RepoSpec(repo_id="acme/base", files={"README.md": card("mit") + "\nmore\n"}))
    assert licscan(root, "scan", "acme/base", "--no-config", env=env).returncode == 0
    done = licscan(root, "check", "--require-verified", env=OFFLINE)
    assert done.returncode == 1 and "this machine last saw its base model" in done.stdout
    done = licscan(root, "lock", "--check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    hub.stop()
    assert (root / "licscan.lock").read_text() == locked  # nothing written
    done = licscan(root, "check", "--require-verified", env=OFFLINE)
    assert done.returncode == 0 and "unverified" not in done.stdout, done.stdout
