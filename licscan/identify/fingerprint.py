"""Fingerprints: what the rule pack keeps of a reference text, without keeping the text.

Per reference text, `rules/fingerprints.json` holds the hash of its canonical form, one short
hash per sentence (with the sentence's length and guarded tokens: numbers and guard words),
and the set of crc32 hashes of its 5-token shingles. That is enough to recognise the text,
align a scanned copy sentence by sentence, and say which passages differ and why.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from licscan.identify.guards import marks
from licscan.identify.normalize import NORMALIZER_VERSION, decode, normalize, shingles

FORMAT = 1
FILENAME = "fingerprints.json"


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
    return entry


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


@dataclass(frozen=True)
class AddedText:
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
