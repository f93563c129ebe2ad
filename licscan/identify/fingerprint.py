"""Fingerprints: what the rule pack keeps of a reference text, without keeping the text.

Per reference text: the hash of its canonical form, one short hash per sentence (with the
sentence's length and guarded tokens: numbers and guard words), and the set of crc32 hashes of
its 5-token shingles. That is enough to recognise the text, align a scanned copy sentence by
sentence, and say which passages differ and why.

The built-in pack stores ~840 texts in `rules/fingerprints.bin` (format 2, see `pack_binary`):
a small header read on every identification (hashes for the exact path), a sketch of every
text's shingles (read on the first fuzzy match), and one compressed chunk per text, decoded
only for the texts a scan is compared with. `rules/fingerprints.json` names the binary and
its sha256, so the rule pack's hash covers it. A user's pack (`licscan rules add-text`) keeps
format-1 JSON entries in its own `fingerprints.json`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from licscan.identify.guards import GUARD_WORDS, marks
from licscan.identify.normalize import (
    NORMALIZER_VERSION,
    decode,
    normalize,
    sentence_hash,
    shingles,
)
from licscan.record import Record

FORMAT = 1
FILENAME = "fingerprints.json"
BINARY = "fingerprints.bin"
MAGIC = b"LSFP2\n"
SKETCH_MOD = 8  # the sketch keeps shingles whose hash is 0 modulo this ...
SKETCH_MIN = 24  # ... and at least this many (the smallest hashes) of short texts


def fingerprint_text(text: str, rule_id: str, *, source: str | None = None,
                     optional_before: str | None = None,
                     optional_after: str | None = None) -> dict[str, Any]:
    """The fingerprint entry of one reference text.

    `optional_before` / `optional_after` name the line (by its start) before/from which the
    text may be left out of a copy without changing the license (a preamble, an appendix).
    """
    norm = normalize(text)
    sentences = []
    for sentence in norm.sentences:
        words = norm.tokens[sentence.start:sentence.end]
        item = f"{sentence.hash}:{len(words)}"
        guarded = marks(words)
        if guarded:
            item += ":" + " ".join(guarded)
        sentences.append(item)
    values = sorted(set(shingles(norm.tokens)))
    entry: dict[str, Any] = {
        "rule": rule_id, "v": NORMALIZER_VERSION, "hash": norm.hash,
        "tokens": len(norm.tokens), "sentences": sentences,
        "shingles": base64.b64encode(struct.pack(f"<{len(values)}I", *values)).decode("ascii"),
    }
    if source:
        entry["source"] = source
    optional = []
    before = _marker_line(text, optional_before)
    after = _marker_line(text, optional_after)
    if before is not None:
        count = sum(1 for s in norm.sentences if s.first_line < before)
        if count:
            optional.append([0, count])
    if after is not None:
        first = next((i for i, s in enumerate(norm.sentences) if s.first_line >= after), None)
        if first is not None:
            optional.append([first, len(norm.sentences)])
    if optional:
        entry["optional"] = optional
    titles = _title_sentences(text, norm)
    if titles:
        entry["title"] = titles
    untitled = _untitled(text, norm)
    if untitled:
        entry["untitled"] = untitled
    return entry


_TITLE_WORDS = frozenset({"license", "agreement", "terms"})


def _untitled(text: str, norm: Any) -> list[list[Any]]:
    """[sentence, hash] of an opening sentence without the title line it starts with, when
    the text runs its title into the first sentence ("IBM Public License Version 1.0" over
    "THE ACCOMPANYING PROGRAM IS PROVIDED ...", with no full stop after the title): a copy
    that leaves the title out has that sentence, and a title left out is no edit. A title
    line is short, has no closing punctuation, names a license, agreement or terms, and the
    next line starts a sentence (a capital or a list number), not continues one."""
    if not norm.sentences:
        return []
    first = norm.sentences[0]
    lines = text.splitlines()
    if first.last_line <= first.first_line or first.first_line >= len(lines):
        return []
    title = lines[first.first_line - 1].strip().lstrip("#").strip()
    after = next((line.strip() for line in lines[first.first_line:first.last_line]
                  if line.strip()), "")
    if not title or len(title) > 100 or title.endswith((".", ",", ";", ":")) or \
            not title[0].isupper() or not after or not (after[0].isupper() or after[0].isdigit()):
        return []
    line_of = norm.lines
    head = [t for i, t in enumerate(norm.tokens[first.start:first.end], start=first.start)
            if line_of[i] == first.first_line]
    rest = [t for i, t in enumerate(norm.tokens[first.start:first.end], start=first.start)
            if line_of[i] > first.first_line]
    if not _TITLE_WORDS & set(head) or not rest:
        return []
    return [[0, sentence_hash(rest)]]


def _title_sentences(text: str, norm: Any) -> list[int]:
    """The sentences of the title lines that open a text (short lines without a full stop):
    a copy may leave them out, or head the text with a title of its own."""
    lines = text.splitlines()
    out = []
    for number, sentence in enumerate(norm.sentences[:3]):
        spanned = lines[sentence.first_line - 1:sentence.last_line]
        words = sentence.end - sentence.start
        if sentence.first_line > 6 or words > 25 or not spanned:
            break
        if _names_itself(norm.tokens[sentence.start:sentence.end]):
            out.append(number)  # "PostgreSQL is released under the PostgreSQL License, ..."
            continue
        if words > 20 or any(len(line.strip()) > 100 or
                             line.rstrip().endswith((".", ",", ";", ":")) for line in spanned):
            break
        out.append(number)
    return out


_NAMING_VERBS = frozenset({"released", "licensed", "distributed", "available", "provided"})


def _names_itself(words: Sequence[str]) -> bool:
    """An opening statement that only says which license follows ("X is released under the X
    License, a liberal Open Source license"): a copy may leave it out like a title."""
    if "license" not in words or any(w in GUARD_WORDS for w in words):
        return False
    return any(w in _NAMING_VERBS and n + 1 < len(words) and words[n + 1] == "under"
               for n, w in enumerate(words[:8]))


def _marker_line(text: str, marker: str | None) -> int | None:
    if not marker:
        return None
    wanted = marker.casefold()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().casefold().startswith(wanted):
            return number
    raise ValueError(f"marker line {marker!r} not found")


def split_text(text: str, markers: Sequence[str]) -> list[str]:
    """Cut a file holding several texts at the lines starting with each marker, in order."""
    lines = text.splitlines(keepends=True)
    parts = []
    start = 0
    for marker in markers:
        wanted = marker.casefold()
        cut = next((i for i in range(start + 1, len(lines))
                    if lines[i].strip().casefold().startswith(wanted)), None)
        if cut is None:
            raise ValueError(f"split marker {marker!r} not found")
        parts.append("".join(lines[start:cut]))
        start = cut
    parts.append("".join(lines[start:]))
    return parts


def dump(texts: Mapping[str, Any]) -> str:
    """Deterministic JSON for fingerprints.json."""
    return json.dumps({"format": FORMAT, "texts": dict(texts)}, sort_keys=True, indent=1,
                      ensure_ascii=True) + "\n"


def write(path: Path, texts: Mapping[str, Any]) -> None:
    path.write_text(dump(texts), encoding="utf-8")


def read_texts(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    texts = data.get("texts", {}) if isinstance(data, dict) else {}
    return dict(texts) if isinstance(texts, dict) else {}


@dataclass(frozen=True, eq=False, repr=False)
class AddedText(Record):
    key: str
    rule_id: str
    path: Path  # the fingerprints file written
    tokens: int
    sentences: int
    replaced: bool  # an entry with this key existed and was overwritten
    rule_file: bool  # <rules>/licenses/<id>.yaml exists


def add_text(file: str | Path, rule_id: str, rules_dir: str | Path = "rules") -> AddedText:
    """Fingerprint the license text in `file` as rule `rule_id` into <rules_dir>/fingerprints.json.

    The text itself is not stored. Adding a file with the same name again replaces its entry.
    """
    from licscan.errors import RulePackError

    source = Path(file)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise RulePackError(f"cannot read the license text: {exc.strerror}",
                            file=str(source)) from exc
    text, problem = decode(data)
    if text is None:
        raise RulePackError(f"not a license text: {problem}", file=str(source))
    entry = fingerprint_text(text, rule_id, source=source.name)
    if not entry["tokens"]:
        raise RulePackError("the file holds no words", file=str(source))
    root = Path(rules_dir)
    root.mkdir(parents=True, exist_ok=True)
    target = root / FILENAME
    texts = read_texts(target)
    key = f"{rule_id}/{source.name}"
    replaced = key in texts
    texts[key] = entry
    write(target, texts)
    return AddedText(key, rule_id, target, entry["tokens"], len(entry["sentences"]), replaced,
                     (root / "licenses" / f"{rule_id}.yaml").is_file())


def build(items: Iterable[tuple[str, str, str, dict[str, str]]]) -> dict[str, Any]:
    """Entries for (key, text, rule id, options) items; options as for fingerprint_text."""
    return {key: fingerprint_text(text, rule_id, **options)
            for key, text, rule_id, options in items}


def sketch(values: Sequence[int]) -> list[int]:
    """A sample of a sorted shingle set, to estimate which texts a scan resembles: a
    reference's shingles found in a scan, counted over its sketch, estimate its coverage."""
    picked = [v for v in values if v % SKETCH_MOD == 0]
    if len(picked) < SKETCH_MIN:
        picked = sorted(set(picked) | set(values[:SKETCH_MIN]))
    return picked


def pack_binary(texts: Mapping[str, Any]) -> bytes:
    """fingerprints.bin for format-1 entries: MAGIC, header length (u32), zlib(header JSON),
    zlib(all sketches, u32), then per text zlib(sentences JSON) and zlib(shingles, u32).
    Offsets in the header are relative to the end of the header; each chunk carries a
    blake2b digest in the header, checked when it is read."""
    header: list[list[Any]] = []
    sketches: list[int] = []
    chunks = bytearray()
    for key in sorted(texts):
        entry = texts[key]
        values = sorted(struct.unpack(f"<{len(base64.b64decode(entry['shingles'])) // 4}I",
                                      base64.b64decode(entry["shingles"])))
        sample = sketch(values)
        body = json.dumps({"sentences": entry["sentences"],
                           "optional": entry.get("optional", []),
                           "title": entry.get("title", []),
                           "untitled": entry.get("untitled", [])},
                          separators=(",", ":")).encode()
        parts = []
        for raw in (body, struct.pack(f"<{len(values)}I", *values)):
            packed = zlib.compress(raw, 9)
            parts.append([len(chunks), len(packed), hashlib.blake2b(packed, digest_size=8)
                          .hexdigest()])
            chunks += packed
        header.append([key, entry["rule"], entry["hash"], entry["tokens"],
                       entry.get("source", ""), len(values), len(sketches), len(sample),
                       *parts[0], *parts[1]])
        sketches.extend(sample)
    sketch_block = zlib.compress(struct.pack(f"<{len(sketches)}I", *sketches), 9)
    meta = {"v": NORMALIZER_VERSION, "texts": header, "sketch": len(sketch_block),
            "sketch_digest": hashlib.blake2b(sketch_block, digest_size=8).hexdigest()}
    head = zlib.compress(json.dumps(meta, separators=(",", ":"), sort_keys=True).encode(), 9)
    return MAGIC + struct.pack("<I", len(head)) + head + sketch_block + bytes(chunks)


def pointer(binary: bytes, name: str = BINARY) -> str:
    """The fingerprints.json that names a binary (its sha256 puts it in the pack's hash)."""
    (length,) = struct.unpack_from("<I", binary, len(MAGIC))
    header = binary[:len(MAGIC) + 4 + length]
    return json.dumps({"format": 2, "packed": {name: {
        "sha256": hashlib.sha256(binary).hexdigest(),
        # the header holds a digest of the sketch block and of every chunk: checking it is
        # enough to trust what is read later, without hashing 4 MiB on every start-up
        "header_sha256": hashlib.sha256(header).hexdigest(),
        "normalizer": NORMALIZER_VERSION}}},
        sort_keys=True, indent=1) + "\n"
