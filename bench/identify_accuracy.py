#!/usr/bin/env python3
"""Accuracy of `licscan identify` over the reference corpus, formatting variants and edits.

    python bench/identify_accuracy.py [--corpus DIR] [--scancode PATH] [--json OUT]

Inputs: every corpus text (pristine), seven formatting variants of each (re-wrapped at 60
and 100 columns, markdown, CRLF, HTML entities and markup, extra header and footer, UTF-16
and UTF-8-with-BOM bytes), joined pairs of texts, and adversarial edits (version changed,
threshold changed, non-commercial clause removed, negation removed, truncated).
Figures: per-class precision, recall and abstention for the first two groups; for the edits,
how many came out as the unmodified license (must be zero). With --scancode, the same files
are also scanned by ScanCode (a separate installation) for a side-by-side count.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_fingerprints import read_manifest  # noqa: E402

from licscan.identify import identify_bytes  # noqa: E402
from licscan.identify.normalize import decode  # noqa: E402
from licscan.rulepack import RulePack, load_rulepack  # noqa: E402

# --- formatting variants: the same license, differently dressed ------------------------

_URL = re.compile(r"(?<![(\[])https?://[^\s()\[\]<>]+[^\s()\[\]<>.,;]")


def rewrap(text: str, width: int) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width, break_long_words=False)
                       for p in paragraphs if p.strip())


def markdown(text: str) -> str:
    lines = text.splitlines()
    out = []
    titled = False
    for line in lines:
        stripped = line.strip()
        if stripped and not titled:
            out.append("# " + stripped)
            titled = True
            continue
        if re.match(r"^\d{1,2}\.\s+[A-Z][^.]{2,60}\.?$", stripped):
            out.append("## " + stripped)
            continue
        if re.match(r"^([a-z]|[ivx]{1,4})\.\s", stripped):
            line = "- " + stripped
        line = re.sub(r"“([^”]{1,40})”", r"“**\1**”", line)
        out.append(_URL.sub(lambda m: f"[{m.group(0)}]({m.group(0)})", line))
    return "\n".join(out) + "\n"


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


_ENTITIES = {"“": "&ldquo;", "”": "&rdquo;", "‘": "&lsquo;", "’": "&rsquo;", "—": "&mdash;",
             "–": "&ndash;", "©": "&copy;", "\"": "&quot;"}


def html_entities(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char, entity in _ENTITIES.items():
        text = text.replace(char, entity)
    text = "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = "\n".join(f"<p>{p.strip()}</p>" for p in paragraphs[1:])
    return (f"<!DOCTYPE html>\n<html><head><title>License</title></head><body>\n"
            f"<h1>{paragraphs[0].strip() if paragraphs else ''}</h1>\n{body}\n</body></html>\n")


def header_footer(text: str) -> str:
    return ("LICENSE\n\nThe model weights in this repository are distributed under the "
            "following terms.\n\n" + text +
            "\n\n---\n\nPlease direct questions about this file to the maintainers.\n")


def ollama_page(text: str) -> str:
    """A model page that shows the license under the model's tag, in a code fence."""
    return "# llama3.3:70b\n\nLicense\n\n```\n" + text.strip("\n") + "\n```\n"


def code_fence(text: str) -> str:
    return "```text\n" + text.strip("\n") + "\n```\n"


# a copyright statement: the word or sign, then a year, a sign or a placeholder
_COPYRIGHT_LINE = re.compile(r"(?im)^[ \t#*>-]*(?:copyright|\(c\)|©)[ \t]*(?:\(c\)|©)?[ \t]*"
                             r"(?:(?:19|20)\d\d|\{|\[|<|\(c\)|©).*$")


# where the statement ends on its line: after its placeholders when a sentence follows them
# ("Copyright [yyyy] [name of copyright owner] Licensed under ..."), or at the first full stop
# ("Copyright (c) <year> by <author>. This material may ...", "..., Inc. made with their
# permission"); the rest of the line is license text that a replaced copyright line keeps
_PLACEHOLDERS = re.compile(r"[ \t#*>-]*(?:copyright|\(c\)|©)[ \t]*(?:\(c\)|©)?[ \t]*"
                           r"(?:[\[{<][^\]}>\n]*[\]}>][ \t]*)+", re.I)
_FULL_STOP = re.compile(r"(?<![ .][A-Z])\.(?=[ \t]+\S)")  # (not after an initial: "S. Karr")
# ... or, in a sentence that goes on, at the comma after the holder ("Copyright (c) 2000-2018
# Glenn Randers-Pehrson, are / derived from ...": "are" is the license's own word)
_HOLDER_END = re.compile(r",(?=[ \t]+[a-z])")


def _replace_statement(line: str, replacement: str) -> str:
    end = len(line)
    slots = _PLACEHOLDERS.match(line)
    if slots and line[slots.end():slots.end() + 1].isupper():
        end = slots.end()
    elif (stop := _FULL_STOP.search(line)) is not None:
        end = stop.end()
    elif (holder := _HOLDER_END.search(line)) is not None:
        end = holder.start()
    rest = line[end:].strip()
    return replacement + ("" if not rest else rest if rest.startswith(",") else " " + rest)


# a "(C) 1989 ..." line that continues a sentence ending in "copyright" ("a modified version
# of the GNU General Public License copyright / (C) 1989, 1991 Free Software Foundation";
# "publish a valid copyright notice "Copyright / (C) 1988 ...") is the license's own text
# naming another holder, not the file's copyright line: a user replaces the latter only
_CONTINUES = re.compile(r"copyright\W{0,2}\Z", re.I)


def _statements(text: str, replacement: str, count: int = 0) -> str:
    done = 0

    def one(match: re.Match[str]) -> str:
        nonlocal done
        if (count and done >= count) or \
                _CONTINUES.search(text[max(0, match.start() - 40):match.start()].rstrip()):
            return match.group(0)
        done += 1
        return _replace_statement(match.group(0), replacement)

    return _COPYRIGHT_LINE.sub(one, text)


def copyright_changed(text: str) -> str:
    if _COPYRIGHT_LINE.search(text):
        return _statements(text, "Copyright (c) 2019-2025 Example Robotics GmbH and contributors")
    return "Copyright (c) 2025 Example Robotics GmbH\n\n" + text


def copyright_placeholder(text: str) -> str:
    placeholder = "Copyright {yyyy} {name of copyright owner}"
    if _COPYRIGHT_LINE.search(text):
        return _statements(text, placeholder, count=1)
    return "Copyright [year] [fullname]\n\n" + text


def renumbered(text: str) -> str:
    """Another list style: '1.' -> '1)', 'a.' -> '(a)', '(i)' -> 'i.'."""
    text = re.sub(r"(?m)^(\s*)(\d{1,2})\.(\s)", r"\1\2)\3", text)
    text = re.sub(r"(?m)^(\s*)([a-h])\.(\s)", r"\1(\2)\3", text)
    return re.sub(r"(?m)^(\s*)\(([ivx]{1,4})\)(\s)", r"\1\2.\3", text)


def links(text: str) -> str:
    """URLs as markdown links and autolinks, with and without the scheme."""
    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        bare = re.sub(r"^https?://(www\.)?", "", url)
        return f"[{bare}](<{url}>)" if len(url) % 2 else f"<{url}>"
    return _URL.sub(link, text)


def no_title(text: str) -> str:
    """The title line left out (a line on its own, or in capitals, before the text)."""
    lines = text.lstrip("\n").splitlines(keepends=True)
    if len(lines) < 2:
        return text
    first = lines[0].strip()
    # (a line in capitals followed by more capitals is a sentence in capitals, not a title:
    # "THIS MATERIAL IS PROVIDED AS IS, WITH ABSOLUTELY NO WARRANTY EXPRESSED / OR IMPLIED.")
    own = not lines[1].strip() or (first.isupper() and not lines[1].strip().isupper())
    if own and len(first) < 100 and not first.endswith((".", ",", ";", ":")):
        return "".join(lines[1:])
    return text


_LOOK_ALIKE = str.maketrans("aceopxyACEHKMOPTX", "асеорхуАСЕНКМОРТХ")  # Cyrillic


VARIANTS: dict[str, Callable[[str], bytes]] = {
    "pristine": lambda t: t.encode("utf-8"),
    "rewrap-60": lambda t: rewrap(t, 60).encode("utf-8"),
    "rewrap-100": lambda t: rewrap(t, 100).encode("utf-8"),
    "markdown": lambda t: markdown(t).encode("utf-8"),
    "crlf": lambda t: crlf(t).encode("utf-8"),
    "html-entities": lambda t: html_entities(t).encode("utf-8"),
    "header-footer": lambda t: header_footer(t).encode("utf-8"),
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-8-bom": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    "ollama-page": lambda t: ollama_page(t).encode("utf-8"),
    "code-fence": lambda t: code_fence(t).encode("utf-8"),
    "copyright-changed": lambda t: copyright_changed(t).encode("utf-8"),
    "copyright-placeholder": lambda t: copyright_placeholder(t).encode("utf-8"),
    "renumbered": lambda t: renumbered(t).encode("utf-8"),
    "links": lambda t: links(t).encode("utf-8"),
    "no-title": lambda t: no_title(t).encode("utf-8"),
}
# noise an attacker adds to push a text out of recognition (issue 12): never an edit
NOISE: dict[str, Callable[[str], bytes]] = {
    "nul-prefix": lambda t: b"\0" + t.encode("utf-8"),
    "controls": lambda t: t.replace(" ", " \x01", 40).encode("utf-8"),
    "blank-padding": lambda t: (t + "\n" * 1_000_000).encode("utf-8"),
    "look-alikes": lambda t: t.translate(_LOOK_ALIKE).encode("utf-8"),
}

# --- adversarial edits: each must not come out as the unmodified license ----------------


def bump(number: str) -> str:
    parts = re.split(r"(\d+)", number)
    for index in range(len(parts) - 1, -1, -1):
        if parts[index].isdigit():
            parts[index] = str(int(parts[index]) + 7)
            break
    return "".join(parts)


def edit_version(text: str, version: str | None) -> str | None:
    """Change the version (as the license states it) everywhere, or the head's first number."""
    candidates = [version] if version and re.search(rf"(?<![\w.]){re.escape(version)}(?![\w]|\.\d)",
                                                      text) else []
    if not candidates:
        # not a list or section number ("1. Definitions", "1) This notice", "0.1 As required")
        head = "\n".join(re.sub(r"^\s*\(?\d+(?:\.\d+)*(?:[.)]\s|\s+(?=[A-Z]))", "", line)
                         for line in text.strip().splitlines()[:6]
                         if not re.search(r"copyright|\(c\)|©|rights reserved", line, re.I))
        # a number in the title or version line, not a list marker ("1. Definitions")
        found = re.search(r"(?<![\w.])v?\d+(?:\.\d+)*(?![\w.])|(?<![\w.])\d+(?:\.\d+)+", head)
        if not found:
            return None
        candidates = [found.group(0)]
    old = candidates[0]
    return re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w]|\.\d)", bump(old), text)


def edit_threshold(text: str) -> str | None:
    found = re.search(r"\b\d[\d,.]*(?=\s*(?:million|billion)\b)|(?<=\$)\s?\d[\d,]*", text)
    if not found:
        return None
    return text[:found.start()] + bump(found.group(0).strip()) + text[found.end():]


_NC = re.compile(r"non-?commercial|research purposes|research or evaluation", re.I)


def edit_noncommercial(text: str) -> str | None:
    """Remove the first sentence (after the title) that limits use to non-commercial/research."""
    for found in _NC.finditer(text, 200):
        start = max(text.rfind(". ", 0, found.start()), text.rfind("\n", 0, found.start())) + 1
        end = text.find(". ", found.end())
        end = len(text) if end < 0 else end + 1
        return text[:start] + text[end:]
    return None


def edit_negation(text: str) -> str | None:
    found = re.search(r"\b(may|shall|will|must|do|does) not\b", text[len(text) // 5:])
    if not found:
        return None
    at = len(text) // 5 + found.start()
    return text[:at] + found.group(1) + text[at + len(found.group(0)):]


_NAME = re.compile(r"\b(?:Meta|Google|Alibaba Cloud|DeepSeek|Stability AI|Black Forest Labs|"
                   r"Apple|NVIDIA|Mistral AI|Technology Innovation Institute|Licensor)\b")


def edit_party(text: str) -> str | None:
    """Another licensor: the DeepFloyd IF / LLaMA 1 trap (same skeleton, other names)."""
    names = Counter(m.group(0) for m in _NAME.finditer(text))
    if not names:
        return None
    return re.sub(rf"\b{re.escape(names.most_common(1)[0][0])}\b", "Acme Robotics", text)


def edit_inserted(text: str) -> str | None:
    """A clause of our own inserted at a paragraph break in the middle."""
    at = text.find("\n\n", len(text) // 2)
    if at < 0:
        return None
    return (text[:at] + "\n\nThe Licensee may not use the Model or its outputs in any product "
            "offered to customers." + text[at:])


def truncate(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:max(1, len(lines) * 6 // 10)])


# --- the test set ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # "pristine" | "format" | "joined" | "edit"
    kind: str  # variant or edit name
    data: bytes
    expected: tuple[str, ...]  # rule ids; for edits, the original's


def corpus_texts(corpus: Path, only: str | None = None) -> list[tuple[str, str, tuple[str, ...]]]:
    """(file, text, rule ids) of every text in rules/references.tsv; `only`: "models" (the
    top folder) or "spdx"."""
    out = []
    for name, ids, _markers, _options, _source, _sha in read_manifest():
        if only is not None and (name.startswith("spdx/") != (only == "spdx")):
            continue
        text, _problem = decode((corpus / name).read_bytes())
        out.append((name, text or "", tuple(i.strip() for i in ids.split(" AND "))))
    return out


def cases(corpus: Path, pack: RulePack, only: str | None = None,
          noise_every: int = 10) -> Iterator[Case]:
    texts = corpus_texts(corpus, only)
    for name, text, ids in texts:
        for kind, make in VARIANTS.items():
            yield Case(f"{name}:{kind}", "pristine" if kind == "pristine" else "format", kind,
                       make(text), ids)
    for number, (name, text, ids) in enumerate(texts):
        if noise_every and number % noise_every == 0:
            for kind, make in NOISE.items():
                yield Case(f"{name}:{kind}", "noise", kind, make(text), ids)
    singles = [(n, t, i) for n, t, i in texts if len(i) == 1]
    for number, (name, text, ids) in enumerate(singles):
        other_name, other, other_ids = singles[(number * 7 + 3) % len(singles)]
        if other_ids[0] in ids or _same_family(pack, ids[0], other_ids[0]):
            continue
        yield Case(f"{name}+{other_name}", "joined", "joined",
                   (text.rstrip() + "\n\n\n" + other).encode("utf-8"), ids + other_ids)
    for name, text, ids in texts:
        rule = pack.get(ids[0])
        edits = {"version": edit_version(text, rule.version if rule else None),
                 "threshold": edit_threshold(text), "noncommercial": edit_noncommercial(text),
                 "negation": edit_negation(text), "party": edit_party(text),
                 "inserted": edit_inserted(text), "truncated": truncate(text)}
        for kind, edited in edits.items():
            if edited is not None and edited != text:
                yield Case(f"{name}:{kind}", "edit", kind, edited.encode("utf-8"), ids)


def _same_family(pack: RulePack, a: str, b: str) -> bool:
    ra, rb = pack.get(a), pack.get(b)
    return bool(ra and rb and ra.family and ra.family == rb.family)


# --- scoring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    case: Case
    status: str
    got: tuple[str, ...]  # identified rule ids
    correct: bool
    seconds: float
    reason: str | None = None


def judge(case: Case, status: str, matches: list[tuple[str, str]], seconds: float,
          reason: str | None = None) -> Outcome:
    """matches: (rule id, match status). Edits pass unless shown as the unmodified original."""
    identified = tuple(r for r, s in matches if s == "identified")
    if case.group == "edit":
        correct = not (status == "identified" and case.expected[0] in identified)
    else:
        correct = status == "identified" and sorted(identified) == sorted(case.expected)
    return Outcome(case, status, identified, correct, seconds, reason)


def run_licscan(all_cases: list[Case], pack: RulePack) -> list[Outcome]:
    out = []
    for case in all_cases:
        start = time.perf_counter()
        result = identify_bytes(case.data, pack, case.name)
        elapsed = time.perf_counter() - start
        out.append(judge(case, result.status, [(m.rule_id, m.status) for m in result.matches],
                         elapsed, result.reason))
    return out


def per_class(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    inputs: Counter[str] = Counter()
    right: Counter[str] = Counter()
    abstained: Counter[str] = Counter()
    claimed: Counter[str] = Counter()
    claimed_right: Counter[str] = Counter()
    for o in outcomes:
        for rule_id in o.case.expected:
            inputs[rule_id] += 1
            if o.correct:
                right[rule_id] += 1
            elif o.status != "identified":
                abstained[rule_id] += 1
        for rule_id in o.got:
            claimed[rule_id] += 1
            if rule_id in o.case.expected:
                claimed_right[rule_id] += 1
    return {r: {"inputs": inputs[r], "recall": right[r] / inputs[r],
                "precision": claimed_right[r] / claimed[r] if claimed[r] else 1.0,
                "abstention": abstained[r] / inputs[r]} for r in sorted(inputs)}


def summary(outcomes: list[Outcome]) -> dict[str, object]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.case.group].append(o)
    out: dict[str, object] = {}
    for group, items in sorted(groups.items()):
        kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in items:
            kinds[o.case.kind][0] += 1
            kinds[o.case.kind][1] += o.correct
        out[group] = {"cases": len(items), "correct": sum(o.correct for o in items),
                      "by_kind": {k: {"cases": v[0], "correct": v[1]} for k, v in kinds.items()},
                      "wrong": _wrong_kinds(items)}
    identification = [o for o in outcomes if o.case.group != "edit"]
    claims = [o for o in identification if o.got]
    out["micro"] = {
        "precision": sum(o.correct for o in claims) / len(claims) if claims else 1.0,
        "recall": sum(o.correct for o in identification) / len(identification),
        "abstention": sum(o.status != "identified" for o in identification) / len(identification),
        "edits_shown_as_original": sum(not o.correct for o in outcomes if o.case.group == "edit"),
    }
    return out


# what a wrong outcome was: another license named (the worst), the license reported
# modified, unknown; and among the unknown, texts that the variant left indistinguishable
# (several references differ only in the title the variant dropped)
_INDISTINGUISHABLE = "the text is the reference text of several licenses"


def _wrong_kinds(items: list[Outcome]) -> dict[str, int]:
    tally: Counter[str] = Counter()
    for o in items:
        if o.correct or o.case.group == "edit":
            continue
        if set(o.got) - set(o.case.expected):
            tally["another license"] += 1
        elif o.status == "modified":
            tally["modified"] += 1
        elif (o.reason or "").startswith(_INDISTINGUISHABLE):
            tally["indistinguishable"] += 1
        else:
            tally["unknown"] += 1
    return dict(tally)


# --- ScanCode, the benchmark peer ------------------------------------------------------


# ScanCode keys that say "some license text here" without naming one
_SCANCODE_NOISE = frozenset({"unknown-license-reference", "unknown", "warranty-disclaimer",
                             "proprietary-license", "free-unknown", "other-permissive",
                             "other-copyleft"})
_SCANCODE_KEY = re.compile(r"LicenseRef-scancode-[A-Za-z0-9.+-]+|(?<=SPDX )[A-Za-z0-9.+-]+")


def scancode_names(corpus: Path, pack: RulePack) -> dict[str, str]:
    """ScanCode / SPDX id -> rule id: our expression ids, plus the ids INDEX.tsv gives."""
    names = {r.expression_id.lower(): r.id for r in pack.rules.values()}
    index = corpus / "INDEX.tsv"
    rules = {row[0]: row[1] for row in read_manifest() if " AND " not in row[1]}
    if index.is_file():
        for line in index.read_text(encoding="utf-8").splitlines()[1:]:
            cells = line.split("\t")
            if len(cells) > 1 and cells[0] in rules:
                for key in _SCANCODE_KEY.findall(cells[1]):
                    names.setdefault(key.lower(), rules[cells[0]])
    return names


def run_scancode(all_cases: list[Case], names: dict[str, str], scancode: Path,
                 processes: int) -> tuple[list[Outcome], list[Outcome]] | str:
    """Scan all cases in one ScanCode run: outcomes when any detection names the license,
    and when only a detection scored 100 does (a lower score reads as "modified").
    A string explains why ScanCode could not run."""
    if not scancode.is_file():
        return f"ScanCode not installed at {scancode}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cases"
        root.mkdir()
        cases_by_file = {}
        for number, case in enumerate(all_cases):
            path = root / f"{number:05d}.txt"
            path.write_bytes(case.data)
            cases_by_file[path.name] = case
        output = Path(tmp) / "out.json"
        start = time.perf_counter()
        proc = subprocess.run([str(scancode), "--license", "-n", str(processes), "--json",
                               str(output), "--quiet", str(root)], capture_output=True, text=True)
        elapsed = (time.perf_counter() - start) / max(len(all_cases), 1)
        if proc.returncode != 0 or not output.is_file():
            return f"ScanCode failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"
        data = json.loads(output.read_text())
    lenient, scored = [], []
    for item in data.get("files", []):
        found = cases_by_file.get(Path(item["path"]).name)
        if found is None or item.get("type") != "file":
            continue
        detections = []  # (rule id, every match scored 100)
        for detection in item.get("license_detections") or []:
            perfect = all(m.get("score") == 100 for m in detection.get("matches", []))
            for part in re.split(r"\s+(?:AND|OR|WITH)\s+|[()]",
                                 detection.get("license_expression_spdx") or ""):
                key = part.strip().lower()
                short = key.removeprefix("licenseref-scancode-")
                if key and short not in _SCANCODE_NOISE:
                    # ScanCode's own key for a license SPDX lists (openmdw-1.0)
                    detections.append((names.get(key) or names.get(short, key), perfect))
        status = "identified" if detections else "unknown"
        lenient.append(judge(found, status, [(r, "identified") for r, _p in detections],
                             elapsed))
        marked = [(r, "identified" if p else "modified") for r, p in detections]
        scored.append(judge(found, status if all(p for _r, p in detections) else "modified",
                            marked, elapsed))
    return lenient, scored


def report(title: str, outcomes: list[Outcome]) -> dict[str, object]:
    figures = summary(outcomes)
    print(f"\n== {title}")
    for group in ("pristine", "format", "noise", "joined", "edit"):
        item = figures.get(group)
        if isinstance(item, dict):
            kinds = ", ".join(f"{k} {v['correct']}/{v['cases']}"
                              for k, v in item["by_kind"].items())
            print(f"{group:9s} {item['correct']}/{item['cases']}  ({kinds})")
            if item.get("wrong"):
                print(" " * 10 + "wrong: " + ", ".join(f"{k} {v}" for k, v in
                                                        sorted(item["wrong"].items())))
    micro = figures["micro"]
    assert isinstance(micro, dict)
    print(f"micro precision {micro['precision']:.3f}  recall {micro['recall']:.3f}  "
          f"abstention {micro['abstention']:.3f}  edits shown as the original: "
          f"{micro['edits_shown_as_original']}")
    return figures


def leave_one_out(corpus: Path, pack: RulePack, only: str | None, show: bool
                  ) -> dict[str, object]:
    """Each reference text identified by an index without its rule's texts: a proxy for the
    licenses real repositories ship that the pack does not know. Right: unknown (or the
    rule itself by title); wrong: any other license, identified or modified."""
    from licscan.identify import identify_text
    from licscan.identify.index import pack_index

    full = pack_index(pack)
    tally: Counter[str] = Counter()
    nearest: list[tuple[float, str, str]] = []
    wrong = []
    for name, text, ids in corpus_texts(corpus, only):
        result = identify_text(text, pack, name, index=full.without(frozenset(ids)))
        others = [m for m in result.matches if m.rule_id not in ids]
        if not others:
            tally["unknown" if result.status == "unknown" else "itself by title"] += 1
        else:
            kind = "modified" if all(m.status == "modified" for m in others) else "identified"
            tally[f"wrong ({kind})"] += 1
            wrong.append(f"{name}: {result.status} " + ", ".join(
                f"{m.rule_id} {m.status} {m.confidence}" for m in others))
        best = max((c.score for c in result.alternatives), default=0.0)
        top = result.alternatives[0].rule_id if result.alternatives else "-"
        nearest.append((best, name, top))
    print("\n== leave-one-out: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    scores = sorted(s for s, _n, _t in nearest)
    if scores:
        cuts = [scores[int(len(scores) * q)] for q in (0.5, 0.9, 0.95, 0.99)]
        print("nearest other text (alternative score): median {:.1f}, p90 {:.1f}, p95 {:.1f}, "
              "p99 {:.1f}, max {:.1f}".format(*cuts, scores[-1]))
    for line in wrong if show else wrong[:15]:
        print("  " + line)
    return {"tally": dict(tally), "wrong": wrong,
            "nearest": [{"file": n, "score": s, "rule": t} for s, n, t in sorted(nearest)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--scancode", type=Path, nargs="?", const=Path(
        "/tmp/scancode-venv/bin/scancode"), default=None, help="also run ScanCode")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--show", action="store_true", help="list every wrong outcome")
    parser.add_argument("--only", choices=["models", "spdx"], help="one corpus folder")
    parser.add_argument("--groups", default="pristine,format,noise,joined,edit",
                        help="comma-separated case groups to run")
    parser.add_argument("--leave-one-out", action="store_true",
                        help="identify each text without its own reference (unknown vs wrong)")
    parser.add_argument("--noise-every", type=int, default=10,
                        help="noise variants for every Nth text (0: none)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    pack = load_rulepack()
    if args.leave_one_out:
        loo = leave_one_out(args.corpus, pack, args.only, args.show)
        if args.json:
            args.json.write_text(json.dumps(loo, indent=1, sort_keys=True) + "\n")
        return 0
    wanted = set(args.groups.split(","))
    all_cases = [c for c in cases(args.corpus, pack, args.only, args.noise_every)
                 if c.group in wanted]
    ours = run_licscan(all_cases, pack)
    figures: dict[str, object] = {"licscan": report("licscan", ours),
                                  "licscan_classes": per_class(
                                      [o for o in ours if o.case.group != "edit"])}
    worst = sorted(ours, key=lambda o: -o.seconds)[:3]
    print("slowest: " + ", ".join(f"{o.case.name} {o.seconds * 1000:.1f} ms" for o in worst))
    wrong = [o for o in ours if not o.correct]
    for o in wrong if args.show else wrong[:20]:
        print(f"  WRONG {o.case.name}: {o.status} {' AND '.join(o.got) or '-'} "
              f"(expected {' AND '.join(o.case.expected)})")
    _print_classes(figures["licscan_classes"])
    if args.scancode is not None:
        theirs = run_scancode(all_cases, scancode_names(args.corpus, pack), args.scancode,
                              args.processes)
        if isinstance(theirs, str):
            print(f"\n== ScanCode: not run: {theirs}")
            figures["scancode"] = {"error": theirs}
        else:
            lenient, scored = theirs
            figures["scancode"] = report("ScanCode, any detection names the license", lenient)
            figures["scancode_scored"] = report(
                "ScanCode, only detections scored 100 name the license", scored)
            figures["scancode_classes"] = per_class(
                [o for o in lenient if o.case.group != "edit"])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    return 0 if not wrong else 1


def _print_classes(classes: object) -> None:
    assert isinstance(classes, dict)
    weak = {k: v for k, v in classes.items() if v["recall"] < 1 or v["precision"] < 1}
    print(f"classes: {len(classes)}, with precision or recall below 1: {len(weak)}")
    for rule_id, v in sorted(weak.items()):
        print(f"  {rule_id:32s} precision {v['precision']:.2f} recall {v['recall']:.2f} "
              f"abstention {v['abstention']:.2f} ({v['inputs']} inputs)")


if __name__ == "__main__":
    sys.exit(main())
