"""The snapshot cache: request counts on a warm scan, offline scans, corruption, concurrency,
pruning, and that the token is never written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

import pytest

from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.report import render
from licscan.scan import Scanner, ScanOptions
from licscan.sources.cache import KEYED_FIELDS, STORED_FIELDS, SnapshotCache, cache_root
from licscan.sources.hub import HubSettings, HubSource
from licscan.targets import parse_target
from tests.hubdouble import HubDouble, RepoSpec

CANARY = "hf_CACHEcanaryCACHEcanary0123456789"
LIMIT = 1 << 20
MIT = "Copyright (c) 2024 Acme\nSPDX-License-Identifier: MIT\n"


def _repo(hub: HubDouble, repo_id: str, **spec: object) -> str:
    files = {"README.md": "---\nlicense: mit\n---\n# model\n", "LICENSE": MIT,
             "model.safetensors": b"\0" * 64}
    return hub.add_model(RepoSpec(repo_id=repo_id, files=files, **spec))  # type: ignore[arg-type]


def _scanner(hub: HubDouble, cache: Path | None, **settings: object) -> Scanner:
    hub_settings = HubSettings(endpoint=hub.url, timeout=5, retries=1, backoff=0.01,
                               cache_dir=str(cache) if cache else None,
                               use_cache=cache is not None, **settings)  # type: ignore[arg-type]
    return Scanner(ScanOptions(jobs=4, hub=hub_settings))


def _report(scanner: Scanner, targets: list[str]) -> dict[str, object]:
    report: dict[str, object] = json.loads(
        render(scanner.scan([parse_target(t) for t in targets]), "json"))
    report.pop("generated_at")
    report.pop("context", None)
    return report


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_every_snapshot_field_is_stored() -> None:
    assert {f.name for f in fields(Snapshot)} == {*STORED_FIELDS, *KEYED_FIELDS}


def test_roundtrip_keeps_every_field(tmp_path: Path) -> None:
    ref = ModelRef(kind="hub", target="a/b", repo_id="a/b")
    sha = "a" * 40
    snap = Snapshot(
        ref=ref, source="hub", revision=sha, card_data={"license": "mit", "n": [1, 2.5, None]},
        card_data_origin="README.md", readme=FileBlob("README.md", 3, None, None, "too-large",
                                                      "big"),
        files=(FileBlob("LICENSE", 3, _sha256(b"foo"), b"foo"),
               FileBlob("NOTICE", 0, None, None, "too-large", "big")),
        listing=("LICENSE", "NOTICE", "README.md"), gated=None, private=True, tags=("x:y",),
        notes=("a note",), card_problem="bad", card_problem_line=3)
    cache = SnapshotCache(tmp_path)
    assert cache.store(snap, 100)
    assert cache.load(ref, sha, 100) == snap
    assert cache.load(ref, sha, 101) is None  # another size cap: another reading
    assert cache.load(replace(ref, repo_id="a/c"), sha, 100) is None


def test_warm_scan_makes_only_revision_requests(hub: HubDouble, tmp_path: Path) -> None:
    ids = [f"acme/m{i}" for i in range(5)]
    for repo_id in ids:
        _repo(hub, repo_id)
    cold = _report(_scanner(hub, tmp_path), ids)
    assert hub.count(kind="info") == 5
    assert hub.count(kind="get") == 5 * 2 * 2  # README + LICENSE, each a 307 + the file
    assert not [r for r in hub.requests if ".safetensors" in r.path]
    hub.reset_log()
    warm = _report(_scanner(hub, tmp_path), ids)
    assert hub.count(kind="info") == 5
    assert len(hub.requests) == 5
    assert warm == cold  # the cache changes nothing in the report


def test_cached_full_sha_makes_no_request(hub: HubDouble, tmp_path: Path) -> None:
    sha = _repo(hub, "acme/pinned")
    first = _report(_scanner(hub, tmp_path), [f"acme/pinned@{sha}"])
    hub.reset_log()
    second = _report(_scanner(hub, tmp_path), [f"acme/pinned@{sha}"])
    assert hub.requests == []
    assert first == second


def test_a_new_commit_is_fetched(hub: HubDouble, tmp_path: Path) -> None:
    _repo(hub, "acme/moving")
    _scanner(hub, tmp_path).scan([parse_target("acme/moving")])
    hub.add_model(RepoSpec(repo_id="acme/moving", files={
        "README.md": "---\nlicense: apache-2.0\n---\n", "LICENSE": MIT}))
    hub.reset_log()
    (model,) = _scanner(hub, tmp_path).scan([parse_target("acme/moving")]).models
    assert model.declared.license == "apache-2.0"
    assert hub.count(kind="get") == 4


def test_no_cache_reads_and_writes_nothing(hub: HubDouble, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICSCAN_CACHE_DIR", str(tmp_path / "env-cache"))
    _repo(hub, "acme/m")
    for _ in range(2):
        hub.reset_log()
        _scanner(hub, None).scan([parse_target("acme/m")])
        assert hub.count(kind="get") == 4
    assert not (tmp_path / "env-cache").exists()


def test_offline_uses_the_recorded_revision(hub: HubDouble, tmp_path: Path) -> None:
    sha = _repo(hub, "acme/m", branches={"v2": {"README.md": "---\nlicense: mit\n---\n"}})
    online = _report(_scanner(hub, tmp_path), ["acme/m", "acme/m@v2"])
    hub.reset_log()
    offline_scanner = _scanner(hub, tmp_path, offline=True)
    offline = _report(offline_scanner, ["acme/m", "acme/m@v2", f"acme/m@{sha}", "acme/other",
                                        "acme/m@v3"])
    assert hub.requests == []
    models = offline["models"]
    assert isinstance(models, list)
    assert [m["status"] for m in models] == ["ok", "ok", "ok", "error", "error"]
    assert models[0]["revision"] == sha
    assert any("default branch resolved to " + sha in n for n in models[0]["notes"])
    assert any("revision 'v2' resolved to" in n for n in models[1]["notes"])
    assert "notes" not in models[2]  # a full sha needs no resolving
    for missing in models[3:]:
        assert missing["error"]["kind"] == "not-cached"
        assert "not in the licscan cache" in missing["error"]["message"]
    online_models = online["models"]
    assert isinstance(online_models, list)
    assert models[0]["license"] == online_models[0]["license"]
    assert models[0]["verdict"] == online_models[0]["verdict"]


def test_offline_follows_the_branch_as_last_seen(hub: HubDouble, tmp_path: Path) -> None:
    first = _repo(hub, "acme/m")
    _scanner(hub, tmp_path).scan([parse_target("acme/m")])
    (ref_file,) = (tmp_path / "v1" / "repos").rglob("ref-*.json")
    inode = ref_file.stat().st_ino
    _scanner(hub, tmp_path).scan([parse_target("acme/m")])
    assert ref_file.stat().st_ino == inode  # unchanged mapping: touched, not rewritten
    hub.add_model(RepoSpec(repo_id="acme/m", files={"README.md": "---\nlicense: mit\n---\n"}))
    second = hub.sha("acme/m")
    assert second != first
    _scanner(hub, tmp_path).scan([parse_target("acme/m")])
    (model,) = _scanner(hub, tmp_path, offline=True).scan([parse_target("acme/m")]).models
    assert model.revision == second
    assert any(f"resolved to {second}, as last seen online at " in n
               for n in model.notes)


def test_offline_without_cache_is_not_cached(tmp_path: Path) -> None:
    source = HubSource(HubSettings(offline=True, use_cache=False))
    with pytest.raises(Exception, match="cache is disabled") as info:
        source.fetch(parse_target("acme/m"))
    assert getattr(info.value, "kind", None) == "not-cached"


def test_hf_hub_offline_means_cache_only(hub: HubDouble, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(hub, "acme/m")
    _scanner(hub, tmp_path).scan([parse_target("acme/m")])
    hub.reset_log()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (model,) = _scanner(hub, tmp_path).scan([parse_target("acme/m")]).models
    assert model.status == "ok" and hub.requests == []


def test_gated_snapshot_is_refetched_online_but_used_offline(hub: HubDouble,
                                                             tmp_path: Path) -> None:
    _repo(hub, "meta/gated", gated="manual")
    _scanner(hub, tmp_path).scan([parse_target("meta/gated")])
    hub.reset_log()
    _scanner(hub, tmp_path).scan([parse_target("meta/gated")])
    assert hub.count(kind="get") == 2  # incomplete (a token may open it): read again
    hub.reset_log()
    (model,) = _scanner(hub, tmp_path, offline=True).scan([parse_target("meta/gated")]).models
    assert model.status == "ok" and model.gated == "manual" and hub.requests == []


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong-repo", "blob", "blob-missing",
                                    "blob-huge", "directory"])
def test_broken_entries_are_refetched(hub: HubDouble, tmp_path: Path, damage: str) -> None:
    _repo(hub, "acme/m")
    cold = _report(_scanner(hub, tmp_path), ["acme/m"])
    (entry,) = (tmp_path / "v1" / "repos").rglob("snap-*.json")
    blobs = _files(tmp_path / "v1" / "blobs")
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[:50])
    elif damage == "garbage":
        entry.write_bytes(b"\xff\x00[[[[" * 1000)
    elif damage == "wrong-repo":
        data = json.loads(entry.read_text())
        data["repo_id"] = "evil/other"
        entry.write_text(json.dumps(data))
    elif damage == "blob":
        blobs[0].write_bytes(b"tampered")
    elif damage == "blob-missing":
        for blob in blobs:
            blob.unlink()
    elif damage == "blob-huge":
        with open(blobs[0], "r+b") as fh:  # sparse: never read whole
            fh.truncate(10 << 30)
    else:
        entry.unlink()
        entry.mkdir()
    hub.reset_log()
    again = _report(_scanner(hub, tmp_path), ["acme/m"])
    assert again == cold
    assert hub.count(kind="get") == 4  # refetched
    hub.reset_log()
    if damage != "directory":  # repaired: the third scan is warm again
        assert _report(_scanner(hub, tmp_path), ["acme/m"]) == cold
        assert hub.count(kind="get") == 0


def test_broken_ref_records_mean_not_cached(hub: HubDouble, tmp_path: Path) -> None:
    _repo(hub, "acme/m")
    _scanner(hub, tmp_path).scan([parse_target("acme/m")])
    for ref in (tmp_path / "v1" / "repos").rglob("ref-*.json"):
        ref.write_text('{"revision": "", "sha": "../../../etc", "recorded_at": 1}')
    (model,) = _scanner(hub, tmp_path, offline=True).scan([parse_target("acme/m")]).models
    assert model.error is not None and model.error.kind == "not-cached"


def test_unusable_cache_dir_does_not_fail_the_scan(hub: HubDouble, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    _repo(hub, "acme/m")
    (model,) = _scanner(hub, blocker / "cache").scan([parse_target("acme/m")]).models
    assert model.status == "ok"


def test_card_data_with_yaml_only_types_is_cached_as_plain_json(hub: HubDouble,
                                                                 tmp_path: Path) -> None:
    hub.add_model(RepoSpec(repo_id="acme/binary-card", files={
        "README.md": "---\nlicense: mit\nblob: !!binary aGVsbG8=\n---\n", "LICENSE": MIT},
        card_data=None, info_override={"cardData": None}))
    (model,) = _scanner(hub, tmp_path).scan([parse_target("acme/binary-card")]).models
    assert model.status == "ok"
    assert "card-invalid" in {f.code for f in model.findings}
    (entry,) = (tmp_path / "v1" / "repos").rglob("snap-*.json")
    assert json.loads(entry.read_text())["snapshot"]["card_data"]["blob"] == "hello"


def test_token_is_never_written(hub: HubDouble, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(hub, "meta/gated", gated="manual", approved_tokens=(CANARY,))
    _repo(hub, "acme/m")
    monkeypatch.setenv("HF_TOKEN", CANARY)
    _scanner(hub, tmp_path).scan([parse_target("meta/gated"), parse_target("acme/m")])
    assert CANARY in hub.tokens_seen
    files = _files(tmp_path)
    assert len(files) > 4
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), path


def test_cache_root_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LICSCAN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "licscan"
    monkeypatch.setenv("LICSCAN_CACHE_DIR", str(tmp_path / "env"))
    assert cache_root() == tmp_path / "env"
    assert cache_root(str(tmp_path / "flag")) == tmp_path / "flag"


def test_prune_removes_least_recently_used(tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path, max_bytes=40_000)
    assert cache.ensure_root()
    refs = [ModelRef(kind="hub", target=f"a/m{i}", repo_id=f"a/m{i}") for i in range(20)]
    for age, ref in enumerate(refs):
        data = f"{ref.repo_id}\n".encode() * 300
        snap = Snapshot(ref=ref, source="hub", revision=f"{age:040x}", card_data={},
                        card_data_origin="none", readme=None,
                        files=(FileBlob("LICENSE", len(data), _sha256(data), data),))
        assert cache.store(snap, LIMIT)
    now = time.time()
    for path in _files(tmp_path / "v1"):  # m0 is the oldest, m19 the newest
        index = next((i for i, r in enumerate(refs)
                      if cache._repo_dir("model", str(r.repo_id)) in path.parents), None)
        if index is None:
            blob = path.read_bytes().decode().split("\n")[0]
            index = int(blob.split("/m")[1])
        os.utime(path, (now - 1000 + index, now - 1000 + index))
    stale = tmp_path / "v1" / ".x.tmp"
    stale.write_text("x")
    os.utime(stale, (now - 7200, now - 7200))
    assert cache.load(refs[0], f"{0:040x}", LIMIT) is not None  # a hit makes m0 recent
    left = cache.prune()
    assert left <= 30_000
    assert not stale.exists()
    assert cache.load(refs[0], f"{0:040x}", LIMIT) is not None
    assert cache.load(refs[19], f"{19:040x}", LIMIT) is not None
    assert cache.load(refs[1], f"{1:040x}", LIMIT) is None


def test_prune_runs_at_most_daily(tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path, max_bytes=1)
    assert cache.ensure_root()
    junk = tmp_path / "v1" / "blobs" / "aa" / "junk"
    junk.parent.mkdir(parents=True)
    junk.write_bytes(b"x" * 100)
    cache.maybe_prune()
    assert not junk.exists()
    junk.write_bytes(b"x" * 100)
    cache.maybe_prune()  # pruned a moment ago
    assert junk.exists()


_WRITER = """
import sys
from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.sources.cache import SnapshotCache
import hashlib
cache = SnapshotCache(__import__("pathlib").Path(sys.argv[1]))
cache.ensure_root()
for round_ in range(40):
    for i in range(10):
        ref = ModelRef(kind="hub", target=f"a/m{i}", repo_id=f"a/m{i}")
        data = (f"license of m{i} " * 200).encode()
        snap = Snapshot(ref=ref, source="hub", revision=f"{i:040x}", card_data={"i": i},
                        card_data_origin="README.md", readme=None,
                        files=(FileBlob("LICENSE", len(data), hashlib.sha256(data).hexdigest(),
                                        data),))
        assert cache.store(snap, 1 << 20)
        cache.record_ref(ref, f"{i:040x}")
"""


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)])
             for _ in range(2)]
    cache = SnapshotCache(tmp_path)
    seen = 0
    while any(p.poll() is None for p in procs):
        for i in range(10):
            ref = ModelRef(kind="hub", target=f"a/m{i}", repo_id=f"a/m{i}")
            hit = cache.load(ref, f"{i:040x}", LIMIT)
            if hit is not None:  # a reader sees a whole entry or none, never a torn one
                seen += 1
                assert hit.card_data == {"i": i}
                assert hit.files[0].data == (f"license of m{i} " * 200).encode()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    for i in range(10):
        ref = ModelRef(kind="hub", target=f"a/m{i}", repo_id=f"a/m{i}")
        assert cache.load(ref, f"{i:040x}", LIMIT) is not None
        assert cache.resolve(ref) is not None
    assert not list(tmp_path.rglob("*.tmp"))


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _cli_has_cache_flags() -> bool:
    from click.testing import CliRunner

    from licscan.cli.scan import scan_command

    return "--offline" in CliRunner().invoke(scan_command, ["--help"]).output


@pytest.mark.skipif(not _cli_has_cache_flags(), reason="scan has no --offline/--no-cache yet")
def test_cli_cache_flags(hub: HubDouble, tmp_path: Path) -> None:
    _repo(hub, "acme/m")
    _repo(hub, "acme/never-scanned")
    env = {**os.environ, "HF_ENDPOINT": hub.url, "LICSCAN_CACHE_DIR": str(tmp_path / "env")}
    flag_dir = tmp_path / "flag"

    def licscan(*args: str) -> tuple[int, dict[str, object]]:
        out = tmp_path / "report.json"
        proc = subprocess.run([sys.executable, "-m", "licscan", "scan", *args, "-f", "json",
                               "-o", str(out), "--no-config"], capture_output=True, text=True,
                              env=env, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.returncode, json.loads(out.read_text())

    assert licscan("acme/m", "--cache-dir", str(flag_dir))[0] == 0
    assert list(flag_dir.rglob("snap-*.json")) and not (tmp_path / "env").exists()
    hub.reset_log()
    code, report = licscan("acme/m", "acme/never-scanned", "--offline", "--cache-dir",
                           str(flag_dir))
    assert hub.requests == [] and code == 1
    models = report["models"]
    assert isinstance(models, list)
    assert models[0]["status"] == "ok" and "resolved to" in " ".join(models[0]["notes"])
    assert models[1]["error"]["kind"] == "not-cached"
    hub.reset_log()
    assert licscan("acme/m", "--no-cache", "--cache-dir", str(flag_dir))[0] == 0
    assert hub.count(kind="get") == 4  # read again, cache ignored
    assert not (tmp_path / "env").exists()
