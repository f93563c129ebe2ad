"""A shared cache cannot turn a denied model into an allowed one (issue 12: "A shared
cache"). The Hub double serves a CC-BY-NC model; someone else rewrites its cache entry to say
MIT. licscan refuses a cache root that others can write or that belongs to someone else
(saying why on stderr and in the model's notes, and scanning without the cache), ignores an
entry or blob that others can write, and ignores an entry whose digest does not match."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from licscan.sources import cache as cache_mod
from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import Run, scan

NC_CARD = "---\nlicense: cc-by-nc-4.0\n---\n# Model\n"


def _first_scan(tmp_path: Path, hub: HubDouble) -> Path:
    hub.add_model(RepoSpec("acme/nc", files={"README.md": NC_CARD}))
    run = scan(tmp_path, "acme/nc", endpoint=hub.url)
    assert run.model()["verdict"] == "deny"
    (entry,) = (tmp_path / "licscan-cache").rglob("snap-*.json")
    return entry


def _plant_mit(entry: Path, keep_digest: bool) -> None:
    """What an attacker with write access does: rewrite the card, and (as they can) the
    digest too."""
    data = json.loads(entry.read_text())
    data["snapshot"]["card_data"] = {"license": "mit"}
    digest = getattr(cache_mod, "_payload_digest", None)  # (a cache without digests: none)
    if keep_digest and digest is not None:
        data["digest"] = digest(data)
    entry.write_text(json.dumps(data))


def _again(tmp_path: Path, hub: HubDouble) -> Run:
    return scan(tmp_path, "acme/nc", endpoint=hub.url)


def test_a_world_writable_cache_root_is_refused(tmp_path: Path, hub: HubDouble) -> None:
    entry = _first_scan(tmp_path, hub)
    _plant_mit(entry, keep_digest=True)
    root = tmp_path / "licscan-cache"
    for folder in (root, *(p for p in root.rglob("*") if p.is_dir())):
        folder.chmod(0o777)
    run = _again(tmp_path, hub)
    model = run.model()
    assert model["verdict"] == "deny" and model["declared"]["license"] == "cc-by-nc-4.0"
    assert "writable by group or others" in run.stderr
    assert any("cache was not used" in note for note in model["notes"])


def test_a_group_writable_entry_is_ignored(tmp_path: Path, hub: HubDouble) -> None:
    entry = _first_scan(tmp_path, hub)
    _plant_mit(entry, keep_digest=True)
    entry.chmod(0o664)
    assert _again(tmp_path, hub).model()["verdict"] == "deny"


def test_a_symlinked_entry_is_ignored(tmp_path: Path, hub: HubDouble) -> None:
    entry = _first_scan(tmp_path, hub)
    planted = tmp_path / "planted.json"
    planted.write_text(entry.read_text())
    _plant_mit(planted, keep_digest=True)
    entry.unlink()
    entry.symlink_to(planted)
    assert _again(tmp_path, hub).model()["verdict"] == "deny"


def test_an_entry_whose_digest_does_not_match_is_ignored(tmp_path: Path,
                                                         hub: HubDouble) -> None:
    entry = _first_scan(tmp_path, hub)
    _plant_mit(entry, keep_digest=False)
    model = _again(tmp_path, hub).model()
    assert model["verdict"] == "deny" and model["declared"]["license"] == "cc-by-nc-4.0"


def test_an_entry_without_a_digest_is_ignored(tmp_path: Path, hub: HubDouble) -> None:
    """An old-format entry (no digest) is not trusted: the card is fetched again."""
    entry = _first_scan(tmp_path, hub)
    _plant_mit(entry, keep_digest=False)
    data = json.loads(entry.read_text())
    data.pop("digest", None)
    entry.write_text(json.dumps(data))
    run = _again(tmp_path, hub)
    assert run.model()["verdict"] == "deny"


def test_a_cache_of_another_user_is_refused(tmp_path: Path, hub: HubDouble,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _first_scan(tmp_path, hub)
    _plant_mit(entry, keep_digest=True)
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # the cache files are not "ours"
    run = _again(tmp_path, hub)
    assert run.model()["verdict"] == "deny"
    assert "belongs to another user" in run.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a folder's owner needs root")
def test_a_cache_owned_by_another_uid_is_refused(tmp_path: Path, hub: HubDouble) -> None:
    entry = _first_scan(tmp_path, hub)
    _plant_mit(entry, keep_digest=True)
    root = tmp_path / "licscan-cache"
    os.chown(root, 4242, 4242)
    run = _again(tmp_path, hub)
    assert run.model()["verdict"] == "deny"
    assert "uid 4242" in run.stderr


def test_offline_with_a_refused_cache_says_why(tmp_path: Path, hub: HubDouble) -> None:
    _first_scan(tmp_path, hub)
    (tmp_path / "licscan-cache").chmod(0o777)
    run = scan(tmp_path, "acme/nc", extra=("--offline",))
    model = run.model()
    assert model["status"] == "error" and model["error"]["kind"] == "not-cached"
    assert "writable by group or others" in model["error"]["message"]


def test_a_trusted_cache_is_still_used(tmp_path: Path, hub: HubDouble) -> None:
    """The control: the user's own cache serves the second scan without downloads."""
    _first_scan(tmp_path, hub)
    before = hub.count(repo_id="acme/nc", kind="get")
    run = _again(tmp_path, hub)
    assert run.model()["verdict"] == "deny" and run.stderr == ""
    assert hub.count(repo_id="acme/nc", kind="get") == before
