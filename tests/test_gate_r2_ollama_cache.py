"""The Ollama GGUF header cache is trusted as the snapshot cache is: a cache folder or entry
someone else can write, a symlink, an entry whose digest does not match its content or that
describes another blob is a miss (the blob's header is read again), never believed. Through the
real CLI (`scan --cache-dir`) and read_model."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from licscan.sources.cache import _signed
from licscan.weights import ollama
from licscan.weights.ollama import MODEL_TYPE, read_model
from tests.test_lockfile import licscan
from tests.test_ollama import Store, gguf

NAME = "nc-model:1b"


def scan(root: Path) -> tuple[str, str | None]:
    done = licscan(root, "scan", f"ollama:{NAME}", "--ollama-dir", "store", "--no-config",
                   "--offline", "--cache-dir", "cache", "-f", "json")
    [model] = json.loads(done.stdout)["models"]
    return model["verdict"], model["license"]["expression"]


def only_entry(cache: Path) -> Path:
    [entry] = (cache / "gguf-headers").iterdir()
    return entry


def rewrite(entry: Path, change: Any, sign: bool) -> None:
    data = json.loads(entry.read_text())
    data.pop("digest")
    change(data)
    entry.write_text(json.dumps(_signed(data) if sign else {**data, "digest": "0" * 64}))


def to_mit(data: dict[str, Any]) -> None:
    data["metadata"]["general.license"] = "mit"


@pytest.fixture
def nc_store(tmp_path: Path) -> Path:
    Store(tmp_path / "store").add(NAME, [(MODEL_TYPE, gguf("cc-by-nc-4.0"))])
    return tmp_path


def test_an_edited_entry_is_a_miss(nc_store: Path) -> None:
    assert scan(nc_store) == ("deny", "CC-BY-NC-4.0")
    entry = only_entry(nc_store / "cache")
    rewrite(entry, to_mit, sign=False)  # the owner's mode, but the digest no longer matches
    assert scan(nc_store) == ("deny", "CC-BY-NC-4.0")
    assert json.loads(entry.read_text())["metadata"]["general.license"] == "cc-by-nc-4.0"


@pytest.mark.parametrize("writable", ["entry", "folder", "root"])
def test_an_entry_others_can_write_is_not_trusted(nc_store: Path, writable: str) -> None:
    assert scan(nc_store) == ("deny", "CC-BY-NC-4.0")
    cache = nc_store / "cache"
    entry = only_entry(cache)
    rewrite(entry, to_mit, sign=True)  # a planted entry whose digest is right
    target = {"entry": entry, "folder": entry.parent, "root": cache}[writable]
    target.chmod(0o666 if writable == "entry" else 0o777)
    assert scan(nc_store) == ("deny", "CC-BY-NC-4.0")
    if writable == "entry":  # replaced by the header read again, only the owner's to write
        assert json.loads(entry.read_text())["metadata"]["general.license"] == "cc-by-nc-4.0"
        assert entry.stat().st_mode & 0o777 == 0o600
        return
    target.chmod(0o700)  # nothing is written to a folder others can write
    # the same entry in a cache only its owner can write is the owner's own: used
    assert scan(nc_store) == ("allow", "MIT")


def test_the_cache_of_another_user_is_not_used(nc_store: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store, cache = nc_store / "store", nc_store / "cache"
    read_model(store, NAME, cache)
    rewrite(only_entry(cache), to_mit, sign=True)
    ollama._HEADERS.clear()
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(cache).st_uid + 1)
    header = read_model(store, NAME, cache).gguf
    assert header is not None and header.license == "cc-by-nc-4.0"


def test_a_symlinked_or_foreign_entry_is_a_miss(nc_store: Path) -> None:
    store, cache = nc_store / "store", nc_store / "cache"
    Store(store).add("mit-model:1b", [(MODEL_TYPE, gguf("mit"))])
    read_model(store, NAME, cache)
    read_model(store, "mit-model:1b", cache)
    entries = sorted((cache / "gguf-headers").iterdir())
    mit = next(e for e in entries if "mit" in json.loads(e.read_text())["metadata"].values())
    [nc] = [e for e in entries if e != mit]

    ollama._HEADERS.clear()
    nc.unlink()
    nc.symlink_to(mit)
    header = read_model(store, NAME, cache).gguf
    assert header is not None and header.license == "cc-by-nc-4.0"
    assert not nc.is_symlink()  # written anew

    ollama._HEADERS.clear()
    nc.write_bytes(mit.read_bytes())  # a whole, signed entry of another blob
    header = read_model(store, NAME, cache).gguf
    assert header is not None and header.license == "cc-by-nc-4.0"


def test_a_trusted_entry_is_used_without_reading_the_blob(nc_store: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          ) -> None:
    store, cache = nc_store / "store", nc_store / "cache"
    first = read_model(store, NAME, cache).gguf
    assert oct(only_entry(cache).stat().st_mode & 0o777) == "0o600"
    ollama._HEADERS.clear()

    def fail(*_args: object) -> None:
        raise AssertionError("the blob was parsed again")

    monkeypatch.setattr(ollama, "read_gguf", fail)
    assert read_model(store, NAME, cache).gguf == first


def test_a_blob_rewritten_in_place_with_its_old_time_is_read_again(nc_store: Path) -> None:
    store, cache = nc_store / "store", nc_store / "cache"
    Store(store).add("same:1b", [(MODEL_TYPE, gguf("mit"))])
    first = read_model(store, "same:1b", cache)
    assert first.gguf is not None and first.gguf.license == "mit"
    blob = ollama.blob_path(store, first.layers[0].digest)
    before = blob.stat()
    time.sleep(0.05)  # file times are coarse: let the change time move on
    blob.write_bytes(gguf("isc"))  # the same size, the same inode
    os.utime(blob, ns=(before.st_atime_ns, before.st_mtime_ns))  # the old time put back
    after = blob.stat()
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == \
        (before.st_size, before.st_ino, before.st_mtime_ns)
    ollama._HEADERS.clear()
    header = read_model(store, "same:1b", cache).gguf
    assert header is not None and header.license == "isc"
