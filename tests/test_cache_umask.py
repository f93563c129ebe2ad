"""The licscan cache under a permissive umask (002, 000): licscan creates its folders 0o700 and
its files 0o600 whatever the umask, so the cache it made is one it trusts and `licscan check
--require-verified` can succeed; a cache folder that someone else made group-writable is still
refused. Through the real CLI, in fresh processes started with the umask set (the umask is
per process, so it is never changed in the test process)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_lockfile import OFFLINE, REPO, card, hub_env, license_file

UMASKS = [0o002, 0o000]


def _licscan(cwd: Path, *args: str, umask: int, env: dict[str, str],
             ) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, PYTHONPATH=str(REPO), **env)
    return subprocess.run([sys.executable, "-m", "licscan", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120, check=False, umask=umask)


def _project(tmp_path: Path, hub: HubDouble) -> Path:
    hub.add_model(RepoSpec(repo_id="acme/base", files={
        "README.md": card("mit"), "LICENSE": license_file("mit", 1)}))
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "models.yaml").write_text("models:\n  - id: acme/base\n    revision: main\n")
    (root / "licscan.yaml").write_text("policy:\n  allow: [MIT]\n")
    return root


def _modes(root: Path) -> dict[Path, int]:
    return {p: stat.S_IMODE(p.lstat().st_mode) for p in (root, *root.rglob("*"))}


@pytest.mark.parametrize("umask", UMASKS, ids=lambda m: f"umask-{m:03o}")
def test_a_cache_made_under_a_permissive_umask_is_trusted(tmp_path: Path, hub: HubDouble,
                                                          umask: int) -> None:
    root = _project(tmp_path, hub)
    cache = tmp_path / "home" / "cache" / "licscan"  # none of it exists yet
    online = {**hub_env(hub, tmp_path), "LICSCAN_CACHE_DIR": str(cache)}
    done = _licscan(root, "lock", umask=umask, env=online)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cache" not in done.stderr, done.stderr  # no "cache was not used" warning
    modes = _modes(cache)
    assert modes and all(mode & (stat.S_IRWXG | stat.S_IRWXO) == 0
                         for mode in modes.values()), modes
    assert {mode for path, mode in modes.items() if path.is_dir()} == {0o700}
    assert {mode for path, mode in modes.items() if path.is_file()} == {0o600}

    hub.stop()
    offline = {**OFFLINE, "LICSCAN_CACHE_DIR": str(cache)}
    done = _licscan(root, "check", "--require-verified", umask=umask, env=offline)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unverified" not in done.stdout and "not used" not in done.stderr


@pytest.mark.parametrize("umask", UMASKS, ids=lambda m: f"umask-{m:03o}")
def test_a_scan_under_a_permissive_umask_is_served_from_the_cache(
        tmp_path: Path, hub: HubDouble, umask: int) -> None:
    _project(tmp_path, hub)
    env = {**hub_env(hub, tmp_path), "LICSCAN_CACHE_DIR": str(tmp_path / "new" / "cache")}
    args = ("scan", "acme/base", "--no-config", "-f", "json", "-o", str(tmp_path / "r.json"))
    first = _licscan(tmp_path, *args, umask=umask, env=env)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    before = hub.count(repo_id="acme/base", kind="get")
    second = _licscan(tmp_path, *args, umask=umask, env=env)
    assert second.returncode == 0 and second.stderr == "", second.stderr
    assert hub.count(repo_id="acme/base", kind="get") == before  # no file fetched again


@pytest.mark.parametrize("where", [".", "v1", "v1/repos"])
def test_a_folder_someone_made_group_writable_is_still_refused(tmp_path: Path, hub: HubDouble,
                                                               where: str) -> None:
    root = _project(tmp_path, hub)
    cache = tmp_path / "cache"
    online = {**hub_env(hub, tmp_path), "LICSCAN_CACHE_DIR": str(cache)}
    assert _licscan(root, "lock", umask=0o002, env=online).returncode == 0
    (cache / where).chmod(0o770)
    hub.stop()
    done = _licscan(root, "check", "--require-verified", umask=0o002,
                    env={**OFFLINE, "LICSCAN_CACHE_DIR": str(cache)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "writable by group or others (mode 770)" in done.stdout + done.stderr
    assert stat.S_IMODE((cache / where).stat().st_mode) == 0o770  # licscan changed nothing


def test_an_entry_folder_someone_made_group_writable_is_a_miss(tmp_path: Path,
                                                               hub: HubDouble) -> None:
    """Below `repos/`: the folder of one repository's entries, made group-writable by
    someone else after licscan wrote it, is not trusted (the entry is fetched again)."""
    _project(tmp_path, hub)
    cache = tmp_path / "cache"
    env = {**hub_env(hub, tmp_path), "LICSCAN_CACHE_DIR": str(cache)}
    args = ("scan", "acme/base", "--no-config", "-f", "json", "-o", str(tmp_path / "r.json"))
    assert _licscan(tmp_path, *args, umask=0o002, env=env).returncode == 0
    (entry,) = cache.rglob("snap-*.json")
    entry.parent.chmod(0o775)
    before = hub.count(repo_id="acme/base", kind="get")
    assert _licscan(tmp_path, *args, umask=0o002, env=env).returncode == 0
    assert hub.count(repo_id="acme/base", kind="get") > before


@pytest.mark.parametrize("umask", UMASKS, ids=lambda m: f"umask-{m:03o}")
def test_a_cache_first_made_by_an_ollama_scan_is_trusted(tmp_path: Path, hub: HubDouble,
                                                         umask: int) -> None:
    """The GGUF header cache of an Ollama scan (weights/ollama.py) may be the first to
    create the cache root: made 0o700 too, so both caches are used afterwards."""
    from licscan.weights.ollama import MODEL_TYPE
    from tests.test_ollama import Store, gguf

    Store(tmp_path / "store").add("m:1b", [(MODEL_TYPE, gguf("mit"))])
    cache = tmp_path / "fresh" / "cache"
    env = {**hub_env(hub, tmp_path), "LICSCAN_CACHE_DIR": str(cache)}
    done = _licscan(tmp_path, "scan", "ollama:m:1b", "--ollama-dir", "store", "--no-config",
                    "-f", "json", umask=umask, env=env)
    assert done.returncode == 0, done.stderr
    assert list((cache / "gguf-headers").iterdir())  # the header was cached
    assert {stat.S_IMODE(p.stat().st_mode) for p in (cache, cache / "gguf-headers")} == {0o700}
    _project(tmp_path, hub)
    args = ("scan", "acme/base", "--no-config", "-f", "json", "-o", str(tmp_path / "r.json"))
    first = _licscan(tmp_path, *args, umask=umask, env=env)
    assert first.returncode == 0 and first.stderr == "", first.stderr
