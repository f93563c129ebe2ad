"""A source that holds its snapshots in memory: conclusions and lineage tested without the Hub.

    source = MemorySource([hub_snapshot("acme/base", {"license": "cc-by-nc-4.0"}),
                           hub_snapshot("acme/tuned", {"license": "apache-2.0",
                                                       "base_model": "acme/base"})])
    Scanner(options, source=source).scan([ModelRef("hub", "acme/tuned", "acme/tuned")])

Snapshots are keyed like the scan's memo (`ref_key`: repository type, id and revision), so a
base model named by a card finds the snapshot whatever ref the test built. Any other ref is
`not-found`, or the SourceError given to `fail`. `fetches` counts the calls per key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from licscan.errors import SourceError
from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.sources.base import RefKey, ref_key


def hub_ref(repo_id: str, revision: str | None = None, repo_type: str = "model") -> ModelRef:
    return ModelRef(kind="hub", target=repo_id, repo_id=repo_id, revision=revision,
                    repo_type=repo_type)


def hub_snapshot(repo_id: str, card: Mapping[str, Any] | None = None,
                 files: Mapping[str, bytes] | None = None, *, repo_type: str = "model",
                 revision: str | None = None, tags: Iterable[str] = ()) -> Snapshot:
    """A Hub repository as the Hub source would return it: `card` as the Hub's cardData,
    `files` (path -> bytes) as its license files. The commit is derived from the id unless
    given."""
    blobs = tuple(FileBlob(path=p, size=len(d), sha256=hashlib.sha256(d).hexdigest(), data=d)
                  for p, d in sorted((files or {}).items()))
    commit = hashlib.sha1(f"{repo_type}/{repo_id}".encode()).hexdigest()
    return Snapshot(ref=hub_ref(repo_id, revision, repo_type), source="hub",
                    revision=commit, card_data=dict(card) if card is not None else None,
                    card_data_origin="model-info" if card is not None else "none",
                    readme=None, files=blobs, listing=tuple(p for p, _d in sorted(
                        (files or {}).items())), tags=tuple(tags))


class MemorySource:
    def __init__(self, snapshots: Iterable[Snapshot] = ()) -> None:
        self._snapshots: dict[RefKey, Snapshot] = {}
        self._errors: dict[RefKey, SourceError] = {}
        self._lock = threading.Lock()  # fetch runs on the scan's worker threads
        self.fetches: Counter[RefKey] = Counter()
        for snapshot in snapshots:
            self.add(snapshot)

    def add(self, snapshot: Snapshot) -> None:
        self._snapshots[ref_key(snapshot.ref)] = snapshot

    def fail(self, ref: ModelRef, error: SourceError) -> None:
        """Fetching `ref` raises `error`."""
        self._errors[ref_key(ref)] = error

    def fetch(self, ref: ModelRef) -> Snapshot:
        key = ref_key(ref)
        with self._lock:
            self.fetches[key] += 1
        if key in self._errors:
            raise self._errors[key]
        snapshot = self._snapshots.get(key)
        if snapshot is None:
            raise SourceError("not-found", f"{ref.display_id} is not in the memory source")
        return replace(snapshot, ref=ref)

    def count(self, ref: ModelRef) -> int:
        """How many times `ref` (or a ref with its key) was fetched."""
        with self._lock:
            return self.fetches[ref_key(ref)]
