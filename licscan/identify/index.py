"""The fingerprints of a rule pack, decoded once per pack (keyed by the pack's content hash)."""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from licscan.identify.normalize import NORMALIZER_VERSION
from licscan.rulepack import Rule, RulePack


@dataclass(frozen=True)
class RefText:
    """One reference text of a rule, as the fingerprints describe it."""

    key: str
    rule_id: str
    hash: str
    tokens: int
    sentence_hashes: tuple[str, ...]
    sentence_tokens: tuple[int, ...]
    sentence_marks: tuple[tuple[str, ...], ...]
    optional: frozenset[int]  # sentences a copy may leave out
    packed: str  # the shingle set, as stored

    @cached_property
    def shingles(self) -> frozenset[int]:
        # decoded on first use: an exact-hash match never needs it
        return decode_shingles(self.packed)


@dataclass(frozen=True)
class PackIndex:
    texts: tuple[RefText, ...]
    by_hash: Mapping[str, RefText]
    skipped: tuple[str, ...]  # entries made by another normalizer version


_CACHE: dict[str, PackIndex] = {}


def pack_index(pack: RulePack) -> PackIndex:
    index = _CACHE.get(pack.hash)
    if index is None:
        index = _CACHE[pack.hash] = _build(pack.fingerprints)
    return index


def _build(fingerprints: Mapping[str, Any]) -> PackIndex:
    texts = []
    skipped = []
    entries = fingerprints.get("texts", {})
    for key in sorted(entries):
        entry = entries[key]
        if not isinstance(entry, dict) or entry.get("v") != NORMALIZER_VERSION:
            skipped.append(key)
            continue
        hashes, counts, guarded = [], [], []
        for item in entry["sentences"]:
            parts = item.split(":", 2)
            hashes.append(parts[0])
            counts.append(int(parts[1]))
            guarded.append(tuple(parts[2].split(" ")) if len(parts) > 2 else ())
        optional = frozenset(i for start, end in entry.get("optional", ())
                             for i in range(start, end))
        texts.append(RefText(key, str(entry["rule"]), str(entry["hash"]), int(entry["tokens"]),
                             tuple(hashes), tuple(counts), tuple(guarded), optional,
                             str(entry["shingles"])))
    by_hash: dict[str, RefText] = {}
    for text in texts:
        by_hash.setdefault(text.hash, text)
    return PackIndex(tuple(texts), by_hash, tuple(skipped))


def decode_shingles(packed: str) -> frozenset[int]:
    """The shingle set of a fingerprint: sorted little-endian uint32, base64-encoded."""
    raw = base64.b64decode(packed)
    return frozenset(struct.unpack(f"<{len(raw) // 4}I", raw))


def rule_facts(pack: RulePack, rule_id: str) -> tuple[str, str, str | None]:
    """(expression id, name, version) of a rule; a fingerprint may name a rule the pack lacks."""
    rule: Rule | None = pack.get(rule_id)
    if rule is None:
        return f"LicenseRef-licscan-{rule_id}", rule_id, None
    return rule.expression_id, rule.name, rule.version
