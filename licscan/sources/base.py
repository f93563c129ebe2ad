"""The `Source` interface, `ModelRef -> Snapshot`, and the two sources that route by kind.

Every source raises `SourceError` (its `kind` goes to the JSON report) for a model it cannot
read. `HubSource` (sources/hub.py) reads the Hub and its cache; `LocalSource` reads from disk;
`KindSource` sends each ref to one of them (the Scanner's default); `MemorySource`
(sources/memory.py) holds snapshots for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from licscan.errors import SourceError
from licscan.model import ModelRef, Snapshot
from licscan.sources.files import MAX_FILE_BYTES
from licscan.sources.local import fetch_local

#: one repository at one revision: what a scan fetches at most once
RefKey = tuple[str, str, str | None]


class Source(Protocol):
    def fetch(self, ref: ModelRef) -> Snapshot:
        """The model's snapshot; raises SourceError when it cannot be read."""
        ...


def ref_key(ref: ModelRef) -> RefKey:
    """Two refs with the same key name the same snapshot (a Hub id typed two ways, a base
    model named by a card and by the command line)."""
    if ref.kind == "ollama":  # the same name in two stores is two models
        return ("ollama", ref.target, ref.path)
    if ref.kind != "hub":
        return (ref.kind, ref.path or ref.target, None)
    return (ref.repo_type, ref.repo_id or ref.target, ref.revision)


class LocalSource:
    """Models read from disk: a model folder, a weight file's header (GGUF, safetensors,
    ONNX), the Ollama store."""

    def __init__(self, max_file_bytes: int = MAX_FILE_BYTES,
                 ollama_cache: Callable[[], Path | None] | None = None) -> None:
        """`ollama_cache`: the folder of the licscan cache for Ollama headers (None: none);
        asked only when an Ollama model is fetched."""
        self.max_file_bytes = max_file_bytes
        self._ollama_cache = ollama_cache

    def fetch(self, ref: ModelRef) -> Snapshot:
        # weights.sources pulls in the weight-file readers and discovery (~40 ms): only a
        # scan of a weight file or an Ollama model pays for it.
        from licscan.weights import sources

        if ref.kind == "local":
            return fetch_local(ref, self.max_file_bytes)
        if ref.kind == "gguf":
            return sources.fetch_gguf(ref)
        if ref.kind == "safetensors":
            return sources.fetch_safetensors(ref)
        if ref.kind == "onnx":
            return sources.fetch_onnx(ref)
        if ref.kind == "ollama":
            cache = self._ollama_cache() if self._ollama_cache is not None else None
            return sources.fetch_ollama(ref, cache)
        raise SourceError("internal", f"unknown kind of model reference: {ref.kind!r}")


class KindSource:
    """Hub refs to the Hub source, every other kind to the local source. `hub` is a factory:
    the Hub client is set up only when a Hub model is fetched."""

    def __init__(self, hub: Callable[[], Source], local: Source) -> None:
        self._hub = hub
        self._local = local

    def fetch(self, ref: ModelRef) -> Snapshot:
        if ref.kind == "hub":
            return self._hub().fetch(ref)
        return self._local.fetch(ref)
