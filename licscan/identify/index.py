"""The fingerprints of a rule pack, decoded once per pack (keyed by the pack's content hash).

The exact-hash path reads only the binary's header. The first fuzzy match reads the sketch of
every text (a sample of its shingles) to find the texts a scan resembles; only those have
their sentences and shingle sets decoded, and the decoded sets are kept for a limited number
of texts, so identifying thousands of files stays within a small memory budget.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from licscan.identify.normalize import NORMALIZER_VERSION
from licscan.record import Record
from licscan.rulepack import Rule, RulePack

KEEP_DECODED = 96  # shingle sets kept decoded (LRU); each is a few hundred KiB at most


class FingerprintError(ValueError):
    """A fingerprint binary that does not match what the rule pack says about it."""


@dataclass(frozen=True, eq=False, repr=False)
class _Details(Record):
    sentence_hashes: tuple[str, ...]
    sentence_tokens: tuple[int, ...]
    sentence_marks: tuple[tuple[str, ...], ...]
    optional: frozenset[int]
    titles: frozenset[int]  # title sentences: a copy may leave them out, not change them
    # hash of an opening sentence without the title line run into it -> that sentence
    untitled: Mapping[str, int]


def _details(sentences: Sequence[str], optional: Sequence[Sequence[int]],
             titles: Sequence[int] = (), untitled: Sequence[Sequence[Any]] = ()) -> _Details:
    hashes, counts, guarded = [], [], []
    for item in sentences:
        parts = item.split(":", 2)
        hashes.append(parts[0])
        counts.append(int(parts[1]))
        guarded.append(tuple(parts[2].split(" ")) if len(parts) > 2 else ())
    return _Details(tuple(hashes), tuple(counts), tuple(guarded),
                    frozenset(i for start, end in optional for i in range(start, end)),
                    frozenset(titles), {str(h): int(j) for j, h in untitled})


@dataclass(frozen=True, eq=False)
class RefText:
    """One reference text of a rule, as the fingerprints describe it."""

    key: str
    rule_id: str
    hash: str
    tokens: int
    size: int  # number of distinct shingles
    source: str
    _store: _Store | None = field(repr=False, compare=False)
    _inline: tuple[Any, ...] = field(default=(), repr=False, compare=False)  # JSON entries
    number: int = 0  # position in the binary

    @cached_property
    def _detail(self) -> _Details:
        if self._store is None:
            sentences, optional, _packed, titles, untitled = self._inline
            return _details(sentences, optional, titles, untitled)
        return self._store.details(self.number)

    @property
    def sentence_hashes(self) -> tuple[str, ...]:
        return self._detail.sentence_hashes

    @property
    def sentence_tokens(self) -> tuple[int, ...]:
        return self._detail.sentence_tokens

    @property
    def sentence_marks(self) -> tuple[tuple[str, ...], ...]:
        return self._detail.sentence_marks

    @property
    def optional(self) -> frozenset[int]:
        return self._detail.optional

    @property
    def titles(self) -> frozenset[int]:
        return self._detail.titles

    @property
    def untitled(self) -> Mapping[str, int]:
        return self._detail.untitled

    @property
    def shingles(self) -> frozenset[int]:
        if self._store is None:
            return self._inline_set
        return self._store.shingles(self.number)

    @cached_property
    def _inline_set(self) -> frozenset[int]:
        return decode_shingles(self._inline[2])

    @property
    def sketch(self) -> Sequence[int]:
        if self._store is None:
            return tuple(sorted(self.shingles))
        return self._store.sketch(self.number)


class _Store:
    """The texts of one fingerprints.bin."""

    def __init__(self, path: Path, header_end: int, meta: Mapping[str, Any]) -> None:
        self._path = path
        self._meta = meta
        self._sketch_start = header_end
        self._chunks = header_end + int(meta["sketch"])
        self._rows: list[list[Any]] = meta["texts"]
        self._sets: OrderedDict[int, frozenset[int]] = OrderedDict()

    def _read(self, start: int, length: int) -> bytes:
        """Bytes of the binary, read when needed: a fuzzy identification reads the sketches
        and a few texts of its 4 MiB (each part is checked against its digest)."""
        try:
            with self._path.open("rb") as file:
                file.seek(start)
                raw = file.read(length)
        except OSError as exc:
            raise FingerprintError(f"cannot read {self._path}: {exc.strerror or exc}") from exc
        if len(raw) != length:
            raise FingerprintError(f"{self._path} is cut short")
        return raw

    def _chunk(self, offset: int, length: int, digest: str) -> bytes:
        raw = self._read(self._chunks + offset, length)
        if hashlib.blake2b(raw, digest_size=8).hexdigest() != digest:
            raise FingerprintError("fingerprint chunk does not match its digest")
        return zlib.decompress(raw)

    def details(self, number: int) -> _Details:
        row = self._rows[number]
        body = json.loads(self._chunk(row[8], row[9], row[10]))
        return _details(body["sentences"], body.get("optional", ()), body.get("title", ()),
                        body.get("untitled", ()))

    def shingles(self, number: int) -> frozenset[int]:
        found = self._sets.get(number)
        if found is not None:
            self._sets.move_to_end(number)
            return found
        row = self._rows[number]
        raw = self._chunk(row[11], row[12], row[13])
        values = frozenset(struct.unpack(f"<{len(raw) // 4}I", raw))
        self._sets[number] = values
        if len(self._sets) > KEEP_DECODED:
            self._sets.popitem(last=False)
        return values

    @cached_property
    def _sketches(self) -> tuple[int, ...]:
        raw = self._read(self._sketch_start, self._chunks - self._sketch_start)
        if hashlib.blake2b(raw, digest_size=8).hexdigest() != self._meta["sketch_digest"]:
            raise FingerprintError("fingerprint sketch does not match its digest")
        plain = zlib.decompress(raw)
        return struct.unpack(f"<{len(plain) // 4}I", plain)

    def sketch(self, number: int) -> Sequence[int]:
        row = self._rows[number]
        return self._sketches[row[6]:row[6] + row[7]]


@dataclass(frozen=True, eq=False, repr=False)
class PackIndex(Record):
    texts: tuple[RefText, ...]
    by_hash: Mapping[str, tuple[RefText, ...]]  # texts equal in canonical form share a hash
    skipped: tuple[str, ...]  # entries made by another normalizer version

    @cached_property
    def rules_with_text(self) -> frozenset[str]:
        return frozenset(t.rule_id for t in self.texts)

    def without(self, rule_ids: frozenset[str]) -> PackIndex:
        """The index less the texts of some rules (leave-one-out evaluation: how does a
        license the pack does not know come out?)."""
        texts = tuple(t for t in self.texts if t.rule_id not in rule_ids)
        by_hash: dict[str, tuple[RefText, ...]] = {}
        for key, refs in self.by_hash.items():
            kept = tuple(r for r in refs if r.rule_id not in rule_ids)
            if kept:
                by_hash[key] = kept
        return PackIndex(texts, by_hash, self.skipped)


_CACHE: dict[str, PackIndex] = {}


def pack_index(pack: RulePack) -> PackIndex:
    index = _CACHE.get(pack.hash)
    if index is None:
        index = _CACHE[pack.hash] = build_index(pack.fingerprints, pack.origins)
    return index


def _binary(name: str, facts: Mapping[str, Any], origins: Sequence[str]) -> _Store | None:
    # the newest folder holding the file wins, as for rules
    for origin in reversed(origins):
        path = Path(origin) / name
        if not path.is_file():
            continue
        header = facts.get("header_sha256")
        with path.open("rb") as file:
            data = file.read(10)
            if not data.startswith(b"LSFP2\n") or len(data) < 10:
                raise FingerprintError(f"{path} is not a fingerprint binary")
            (length,) = struct.unpack_from("<I", data, 6)
            # the header carries the digests of the sketch block and of every chunk (checked
            # when they are read), so its sha256 vouches for the whole file; without it, the
            # whole file is hashed
            data += file.read(length if header is not None else -1)
        if hashlib.sha256(data if header is None else data[:10 + length]).hexdigest() != (
                header if header is not None else facts.get("sha256")):
            raise FingerprintError(f"{path} does not match the sha256 in fingerprints.json")
        meta = json.loads(zlib.decompress(data[10:10 + length]))
        return _Store(path, 10 + length, meta)
    return None


def build_index(fingerprints: Mapping[str, Any], origins: Sequence[str] = ()) -> PackIndex:
    """The index of a fingerprints.json mapping (its packed binaries read from `origins`);
    also how rulecheck reads a user's binary to compare its rows with the built-in ones."""
    texts: list[RefText] = []
    skipped: list[str] = []
    packed = fingerprints.get("packed", {})
    for name in sorted(packed if isinstance(packed, dict) else {}):
        store = _binary(name, packed[name], origins)
        if store is None:
            continue
        if store._meta.get("v") != NORMALIZER_VERSION:
            skipped.append(name)
            continue
        for number, row in enumerate(store._rows):
            texts.append(RefText(row[0], row[1], row[2], row[3], row[5], row[4], store,
                                 number=number))
    entries = fingerprints.get("texts", {})
    for key in sorted(entries if isinstance(entries, dict) else {}):
        entry = entries[key]
        if not isinstance(entry, dict) or entry.get("v") != NORMALIZER_VERSION:
            skipped.append(key)
            continue
        packed_set = str(entry["shingles"])
        texts.append(RefText(key, str(entry["rule"]), str(entry["hash"]), int(entry["tokens"]),
                             len(base64.b64decode(packed_set)) // 4, str(entry.get("source", "")),
                             None, (entry["sentences"], entry.get("optional", ()), packed_set,
                                    entry.get("title", ()), entry.get("untitled", ()))))
    by_hash: dict[str, list[RefText]] = {}
    for text in texts:
        same = by_hash.setdefault(text.hash, [])
        if all(t.rule_id != text.rule_id for t in same):
            same.append(text)
    return PackIndex(tuple(texts), {k: tuple(v) for k, v in by_hash.items()}, tuple(skipped))


def decode_shingles(packed: str) -> frozenset[int]:
    """The shingle set of a format-1 fingerprint: little-endian uint32, base64-encoded."""
    raw = base64.b64decode(packed)
    return frozenset(struct.unpack(f"<{len(raw) // 4}I", raw))


def rule_facts(pack: RulePack, rule_id: str) -> tuple[str, str, str | None]:
    """(expression id, name, version) of a rule; a fingerprint may name a rule the pack lacks."""
    rule: Rule | None = pack.get(rule_id)
    if rule is None:
        return f"LicenseRef-licscan-{rule_id}", rule_id, None
    return rule.expression_id, rule.name, rule.version
