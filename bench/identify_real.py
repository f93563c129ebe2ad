#!/usr/bin/env python3
"""Identification on license files that real repositories ship (not our reference texts).

    python bench/identify_real.py [--dir /work/realfiles] [--tsv bench/realfiles.tsv] [--json]
                                  [--only CLASS] [--show-all]

bench/realfiles.tsv labels each file (facts only: repository, path, commit, sha256, class,
expected answer, pristine); the files themselves live OUTSIDE the project (default
/work/realfiles, rebuilt as bench/fetch_realfiles.md describes). Without that folder the
script says so and exits 0 (CI has no such folder).

Classes and what counts as right:
  in-set      expected is a rule id or "A AND B" ("a|b": either id is right; "B?": a license
              the file names for another part of the repository, e.g. the code of a
              model's repository: reporting it is right, omitting it too). pristine=yes:
              status identified with exactly those rule ids. pristine=no (meaning changed):
              right when status is modified with the expected rule among the matches (a text
              built on a template several references share may be called a modified version
              of any of them); unknown is counted apart; the expected license reported as
              identified is a gate error.
  out-of-set  expected "unknown": status unknown. Any identified or modified match is wrong
              (the text was concluded, or called a modified version of, a license it is not).
              "unknown|rule": the pack knows that license by title only (no reference text);
              identifying it as that rule is right too.
  qualified   expected "unknown": a card, README or LICENSE that qualifies a license ("Apache
              2.0 with additional restrictions"): status unknown (a known text inside may be
              reported as a match). Status identified or modified is wrong.
Headline figures (goal 0 for the last three): per class right / wrong / unknown; pristine
in-set files reported modified; out-of-set files concluded as a known license (identified)
or as a modified known license; qualified texts identified as their permissive base.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licscan.identify import TextIdentification, identify_bytes  # noqa: E402
from licscan.rulepack import load_rulepack  # noqa: E402

DEFAULT_DIR = Path("/work/realfiles")
DEFAULT_TSV = ROOT / "bench" / "realfiles.tsv"
COLUMNS = ("id", "file", "repo", "path", "commit", "sha256", "class", "expected", "pristine",
           "note")
CLASSES = ("in-set", "out-of-set", "qualified")
# the permissive bases a qualified text must never be concluded as
PERMISSIVE = frozenset({"apache-2.0", "mit", "bsd-3-clause", "bsd-2-clause", "isc", "cc-by-4.0",
                        "cc0-1.0", "unlicense", "0bsd", "bsl-1.0", "zlib", "openrail",
                        "creativeml-openrail-m", "bigscience-openrail-m"})


@dataclass(frozen=True)
class Row:
    id: str
    file: str
    repo: str
    path: str
    commit: str
    sha256: str
    cls: str
    expected: tuple[str, ...]  # rule ids ("a|b" = any of them); () for "unknown"
    pristine: str
    note: str


@dataclass(frozen=True)
class Outcome:
    row: Row
    status: str  # identify status, or "missing" / "sha-mismatch"
    got: tuple[str, ...]  # every matched rule id, in file order
    identified: tuple[str, ...]  # matched rule ids whose match is "identified"
    verdict: str  # "right" | "wrong" | "unknown"
    reason: str
    seconds: float


def read_rows(tsv: Path) -> list[Row]:
    rows = []
    with tsv.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader((line for line in handle if not line.startswith("#")),
                                delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{tsv}: missing columns {sorted(missing)}")
        for cells in reader:
            cls = cells["class"].strip()
            if cls not in CLASSES:
                raise SystemExit(f"{tsv}: id {cells['id']}: class {cls!r} not in {CLASSES}")
            expected = cells["expected"].strip()
            if cls == "in-set":
                ids = tuple(part.strip() for part in expected.split(" AND "))
            else:  # "unknown", or "unknown|rule": a rule the pack knows by title only is fine
                ids = tuple(r for r in expected.split("|") if r.strip() not in ("", "unknown"))
            rows.append(Row(cells["id"].strip(), cells["file"].strip(), cells["repo"].strip(),
                            cells["path"].strip(), cells["commit"].strip(),
                            cells["sha256"].strip(), cls, ids, cells["pristine"].strip(),
                            (cells.get("note") or "").strip()))
    return rows


def top_reason(result: TextIdentification) -> str:
    for match in result.matches:
        for diff in match.differences:
            if diff.guarded:
                where = f"line {diff.line}: " if diff.line else ""
                return f"{match.rule_id}: {where}{diff.reason or diff.kind}"
    for qualifier in result.qualifiers:
        return f"qualifier: {qualifier.reason}"
    if result.reason:
        return result.reason
    if result.alternatives:
        return "closest " + ", ".join(f"{c.rule_id} {c.score:.0f}" for c in
                                      result.alternatives[:3])
    return ""


def judge(row: Row, result: TextIdentification) -> str:
    identified = {m.rule_id for m in result.matches if m.status == "identified"}
    got = {m.rule_id for m in result.matches}
    if row.cls == "in-set":
        if row.pristine == "no":
            if alternatives(row) & identified:
                return "wrong"  # an edited text shown as the original
            if result.status == "modified" and all(part & got for part in _required(row)):
                return "right"
            return "unknown" if result.status == "unknown" else "wrong"
        if result.status == "identified" and identified == got and _covers(row, got):
            return "right"
        return "unknown" if result.status == "unknown" and not got else "wrong"
    if row.cls == "qualified":
        # a qualified file may hold a known text (reported as a match) next to the passage
        # that qualifies it; the conclusion for the file must still be "not that license"
        return "right" if result.status == "unknown" else "wrong"
    # out-of-set: the right answer is "not a license we know" (or the license the pack
    # knows by title only, when the row names it)
    if result.status == "unknown" and not got:
        return "right"
    if got and got <= identified <= set(row.expected):
        return "right"
    return "wrong"


def _covers(row: Row, got: set[str]) -> bool:
    """Every expected text is matched by one of its alternatives, and nothing else is."""
    allowed = {rule.rstrip("?") for part in row.expected for rule in part.split("|")}
    return all(part & got for part in _required(row)) and got <= allowed


def _required(row: Row) -> list[set[str]]:
    """The expected parts that must be found (a part ending in "?" is optional)."""
    return [set(part.split("|")) for part in row.expected if not part.endswith("?")]


def alternatives(row: Row) -> set[str]:
    """The rule ids of the required expected parts."""
    return {rule for part in _required(row) for rule in part}


def run(rows: list[Row], folder: Path) -> list[Outcome]:
    pack = load_rulepack()
    out = []
    for row in rows:
        path = folder / row.file
        if not path.is_file():
            out.append(Outcome(row, "missing", (), (), "unknown", f"{path} not found", 0.0))
            continue
        data = path.read_bytes()
        if row.sha256 and hashlib.sha256(data).hexdigest() != row.sha256:
            out.append(Outcome(row, "sha-mismatch", (), (), "unknown",
                               "content differs from the labelled sha256", 0.0))
            continue
        start = time.perf_counter()
        try:
            result = identify_bytes(data, pack, Path(row.path).name)
        except Exception as exc:  # a crash is a result to report, not a reason to stop
            out.append(Outcome(row, "error", (), (), "wrong",
                               f"identify raised {type(exc).__name__}: {exc}", 0.0))
            continue
        elapsed = time.perf_counter() - start
        out.append(Outcome(row, result.status, tuple(m.rule_id for m in result.matches),
                           tuple(m.rule_id for m in result.matches if m.status == "identified"),
                           judge(row, result), top_reason(result), elapsed))
    return out


def figures(outcomes: list[Outcome]) -> dict[str, object]:
    per_class: dict[str, dict[str, int]] = {}
    for cls in CLASSES:
        counts = Counter(o.verdict for o in outcomes if o.row.cls == cls)
        per_class[cls] = {"files": sum(counts.values()), "right": counts["right"],
                          "wrong": counts["wrong"], "unknown": counts["unknown"]}
    pristine_modified = [o for o in outcomes if o.row.cls == "in-set" and o.row.pristine == "yes"
                         and o.status == "modified"]
    edited_as_original = [o for o in outcomes if o.row.cls == "in-set" and o.row.pristine == "no"
                          and alternatives(o.row) & set(o.identified)]
    out_identified = [o for o in outcomes if o.row.cls == "out-of-set"
                      and set(o.identified) - set(o.row.expected)]
    out_modified = [o for o in outcomes if o.row.cls == "out-of-set" and o.got
                    and not o.identified]
    qualified_base = [o for o in outcomes if o.row.cls == "qualified"
                      and set(o.identified) & PERMISSIVE]
    qualified_any = [o for o in outcomes if o.row.cls == "qualified" and o.got]
    return {
        "files": len(outcomes),
        "classes": per_class,
        "pristine_in_set_reported_modified": len(pristine_modified),
        "edited_in_set_shown_as_original": len(edited_as_original),
        "out_of_set_concluded_known": len(out_identified),
        "out_of_set_called_modified_known": len(out_modified),
        "qualified_identified_as_permissive_base": len(qualified_base),
        "qualified_matched_any_license": len(qualified_any),
        "missing_or_changed_files": sum(o.status in ("missing", "sha-mismatch")
                                        for o in outcomes),
        "identify_errors": sum(o.status == "error" for o in outcomes),
        "seconds_total": round(sum(o.seconds for o in outcomes), 3),
    }


def outcome_dict(o: Outcome) -> dict[str, object]:
    return {"id": o.row.id, "file": o.row.file, "class": o.row.cls,
            "expected": " AND ".join(o.row.expected) if o.row.cls == "in-set"
            else "|".join(("unknown", *o.row.expected)), "pristine": o.row.pristine,
            "status": o.status, "got": list(o.got), "identified": list(o.identified),
            "verdict": o.verdict, "reason": o.reason}


def print_report(outcomes: list[Outcome], stats: dict[str, object], show_all: bool) -> None:
    classes = stats["classes"]
    assert isinstance(classes, dict)
    print(f"real license files: {stats['files']}  (identify time {stats['seconds_total']} s)")
    for cls, c in classes.items():
        print(f"  {cls:10s} {c['files']:4d} files: right {c['right']:3d}  wrong {c['wrong']:3d}  "
              f"unknown {c['unknown']:3d}")
    print(f"pristine in-set files reported modified (goal 0): "
          f"{stats['pristine_in_set_reported_modified']}")
    print(f"edited in-set files shown as the original (goal 0): "
          f"{stats['edited_in_set_shown_as_original']}")
    print(f"out-of-set files concluded as a known license (goal 0): "
          f"{stats['out_of_set_concluded_known']}")
    print(f"out-of-set files called a modified known license (goal 0): "
          f"{stats['out_of_set_called_modified_known']}")
    print(f"qualified texts identified as the permissive base (goal 0): "
          f"{stats['qualified_identified_as_permissive_base']}  "
          f"(matched any license: {stats['qualified_matched_any_license']})")
    if stats["identify_errors"]:
        print(f"identify raised on {stats['identify_errors']} files (see the table)")
    if stats["missing_or_changed_files"]:
        print(f"missing or changed files: {stats['missing_or_changed_files']}")
    shown = [o for o in outcomes if show_all or o.verdict != "right"]
    if shown:
        print("\nid   class      expected                       status      got"
              "                            reason")
    for o in shown:
        expected = " AND ".join(o.row.expected) or "unknown"
        if o.row.cls == "in-set" and o.row.pristine == "no":
            expected += " (edited)"
        elif o.row.cls != "in-set":
            expected = "|".join(("unknown", *o.row.expected))
        got = " AND ".join(f"{r}{'' if r in o.identified else '*'}" for r in o.got) or "-"
        mark = "" if o.verdict == "right" else o.verdict.upper() + " "
        print(f"{o.row.id:4s} {o.row.cls:10s} {expected[:30]:30s} {o.status:11s} {got[:30]:30s} "
              f"{mark}{o.reason[:110]}")
    if shown:
        print("(* = matched as modified)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of the files")
    parser.add_argument("--tsv", type=Path, default=DEFAULT_TSV, help="labels")
    parser.add_argument("--json", action="store_true", help="machine output on stdout")
    parser.add_argument("--only", choices=CLASSES, help="one class only")
    parser.add_argument("--show-all", action="store_true", help="list right outcomes too")
    args = parser.parse_args(argv)
    if hasattr(signal, "SIGPIPE"):  # `| head` ends the listing quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if not args.dir.is_dir():
        print(f"real-file set not found at {args.dir}: skipped (rebuild it as "
              f"bench/fetch_realfiles.md describes)")
        return 0
    rows = read_rows(args.tsv)
    if args.only:
        rows = [r for r in rows if r.cls == args.only]
    outcomes = run(rows, args.dir)
    stats = figures(outcomes)
    if args.json:
        json.dump({"figures": stats, "files": [outcome_dict(o) for o in outcomes]}, sys.stdout,
                  indent=1, sort_keys=True)
        print()
    else:
        print_report(outcomes, stats, args.show_all)
    return 0


if __name__ == "__main__":
    sys.exit(main())
