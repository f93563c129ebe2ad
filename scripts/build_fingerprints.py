#!/usr/bin/env python3
"""Build the fingerprints (rules/fingerprints.bin + rules/fingerprints.json) from reference texts.

    python scripts/build_fingerprints.py                      # every text in rules/references.tsv
    python scripts/build_fingerprints.py --check              # exit 1 when a text's sha256 or
                                                              # the stored fingerprints differ
    python scripts/build_fingerprints.py --sync-manifest [--ids FILE]
                                  # add corpus files missing from the manifest (SPDX texts get
                                  # the rule whose expression id is their SPDX id)
    python scripts/build_fingerprints.py --text my.txt=my-id  # plus texts of your own
    python scripts/build_fingerprints.py --index DIR          # plus DIR/INDEX: "file<TAB>id"

rules/references.tsv is the manifest: per reference text its file (relative to the corpus
folder, <repo>/../shared/corpus unless --corpus says otherwise), rule ids ("A AND B" for a
file holding several texts, cut at the lines starting with the split markers), options
(parts a copy may leave out), its source and the sha256 of the file. The texts themselves
never enter the project; anyone with them can rebuild and check. Output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licscan.identify import fingerprint  # noqa: E402
from licscan.identify.normalize import decode  # noqa: E402

MANIFEST_PATH = ROOT / "rules" / "references.tsv"
COLUMNS = ("file", "rules", "split", "options", "source", "sha256")
# markers of the parts a copy may leave out: the Apache/GPL appendix, the CC preamble/trailer
APPENDIX = {"optional_after": "END OF TERMS AND CONDITIONS"}
CC_OPTIONS = {"optional_before": "Creative Commons Attribution",
              "optional_after": "Creative Commons is not a party"}
# header of the manifest file
HEADER = ("# Reference texts fingerprinted into rules/fingerprints.bin "
          "(scripts/build_fingerprints.py).\n"
          "# file: relative to the corpus folder; rules: 'A AND B' when the file holds both "
          "texts, cut at the lines starting with the split markers ('|'-separated); options: "
          "optional_before=LINE / optional_after=LINE (';'-separated) name parts a copy may "
          "leave out; sha256: of the file's bytes.\n")


class Entry(tuple[str, str, tuple[str, ...], dict[str, str], str, str]):
    """file, rule ids, split markers, options, source, sha256."""

    __slots__ = ()

    @property
    def file(self) -> str:
        return self[0]


def read_manifest(path: Path = MANIFEST_PATH) -> list[Entry]:
    rows: list[Entry] = []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    for cells in csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        if cells == list(COLUMNS):
            continue
        if len(cells) != len(COLUMNS):
            raise SystemExit(f"{path}: expected {len(COLUMNS)} columns, got {cells!r}")
        file, ids, split, options, source, sha = cells
        markers = tuple(m.strip() for m in split.split("|") if m.strip())
        opts = dict(part.split("=", 1) for part in options.split(";") if "=" in part)
        rows.append(Entry((file, ids, markers, {k.strip(): v.strip() for k, v in opts.items()},
                           source, sha)))
    return rows


def write_manifest(rows: list[Entry], path: Path = MANIFEST_PATH) -> None:
    out = [HEADER, "\t".join(COLUMNS) + "\n"]
    for file, ids, markers, options, source, sha in sorted(rows, key=lambda r: r.file):
        opts = ";".join(f"{k}={v}" for k, v in sorted(options.items()))
        out.append("\t".join((file, ids, " | ".join(markers), opts, source, sha)) + "\n")
    path.write_text("".join(out), encoding="utf-8")


Item = tuple[str, str, str, dict[str, str]]  # key, text, rule id, options


def read(path: Path) -> str:
    text, problem = decode(path.read_bytes())
    if text is None:
        raise SystemExit(f"{path}: not a text file ({problem})")
    return text


def expand(key: str, text: str, ids: str, markers: tuple[str, ...],
           options: dict[str, str], source: str) -> Iterator[Item]:
    """One item per text in the file; options apply to the first text."""
    rule_ids = [part.strip() for part in ids.split(" AND ")]
    if len(rule_ids) != len(markers) + 1:
        raise SystemExit(f"{source}: {len(rule_ids)} ids need {len(rule_ids) - 1} split markers")
    for number, (part, rule_id) in enumerate(zip(fingerprint.split_text(text, markers),
                                                  rule_ids, strict=True)):
        extra = dict(options) if number == 0 else {}
        yield (key if number == 0 else f"{key}#{number + 1}", part, rule_id,
               {**extra, "source": source})


def corpus_items(corpus: Path, manifest: list[Entry] | None = None,
                 check: bool = False) -> Iterator[Item]:
    rows = read_manifest() if manifest is None else manifest
    problems = []
    for file, ids, markers, options, _source, sha in rows:
        path = corpus / file
        if not path.is_file():
            problems.append(f"corpus file missing: {path}")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            problems.append(f"{file}: sha256 differs from the manifest")
            if check:
                continue
        key = file[:-4] if file.endswith(".txt") else file
        yield from expand(key, read(path), ids, markers, options, file)
    if problems:
        raise SystemExit("\n".join(problems))


def _options_for(text: str) -> dict[str, str]:
    lines = {line.strip().casefold() for line in text.splitlines()}

    def has(marker: str) -> bool:
        return any(line.startswith(marker.casefold()) for line in lines)

    if all(has(m) for m in CC_OPTIONS.values()):
        return dict(CC_OPTIONS)
    if has(APPENDIX["optional_after"]):
        return dict(APPENDIX)
    return {}


def sync_manifest(corpus: Path, ids_file: Path | None) -> int:
    """Add corpus files that the manifest lacks; returns how many were added."""
    from licscan.rulepack import load_rulepack

    rows = read_manifest() if MANIFEST_PATH.is_file() else []
    known = {r.file for r in rows}
    given: dict[str, tuple[str, tuple[str, ...]]] = {}
    if ids_file is not None:
        for line in ids_file.read_text(encoding="utf-8").splitlines():
            cells = line.split("\t")
            if line.startswith("#") or len(cells) < 2:
                continue
            given[cells[0].strip()] = (cells[1].strip(), ())
    pack = load_rulepack()
    added = 0
    for index_path, prefix in ((corpus / "INDEX.tsv", ""), (corpus / "spdx" / "INDEX.tsv",
                                                             "spdx/")):
        if not index_path.is_file():
            continue
        with index_path.open(encoding="utf-8") as fh:
            for cells in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                file = prefix + cells["file"]
                if file in known:
                    continue
                text = read(corpus / file)
                if prefix:
                    spdx_id = cells["spdx_id"]
                    rule = pack.by_expression_id.get(spdx_id.lower())
                    ids, markers = (rule.id if rule else spdx_id.lower()), ()
                elif cells["file"] in given:
                    ids, markers = given[cells["file"]]
                    if " AND " in ids:
                        markers = ("FAIR Acceptable Use Policy",) if "fair-aup" in ids else ()
                else:
                    print(f"warning: {file}: no rule id (pass --ids); skipped", file=sys.stderr)
                    continue
                source = cells.get("source", "")
                sha = hashlib.sha256((corpus / file).read_bytes()).hexdigest()
                rows.append(Entry((file, ids, markers, _options_for(text), source, sha)))
                known.add(file)
                added += 1
    write_manifest(rows)
    return added


def index_items(directory: Path) -> Iterator[Item]:
    """DIR/INDEX (or INDEX.tsv): file<TAB>id[ AND id ...][<TAB>marker | marker ...]."""
    index = next((p for p in (directory / "INDEX", directory / "INDEX.tsv") if p.is_file()), None)
    if index is None:
        raise SystemExit(f"{directory}: no INDEX file")
    for line in index.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2:
            raise SystemExit(f"{index}: expected 'file<TAB>id', got {line!r}")
        markers = tuple(m.strip() for m in cells[2].split("|")) if len(cells) > 2 and \
            cells[2].strip() else ()
        ids = cells[1].strip()
        yield from expand(f"{ids.split(' AND ')[0]}/{cells[0]}", read(directory / cells[0]),
                          ids, markers, {}, cells[0])


def text_items(pairs: list[str]) -> Iterator[Item]:
    for pair in pairs:
        file, sep, rule_id = pair.rpartition("=")
        if not sep or not file or not rule_id:
            raise SystemExit(f"--text expects FILE=ID, got {pair!r}")
        path = Path(file)
        yield f"{rule_id}/{path.name}", read(path), rule_id, {"source": path.name}


def build_outputs(items: list[Item]) -> tuple[bytes, str]:
    keys = [key for key, *_ in items]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise SystemExit(f"duplicate text keys: {', '.join(duplicates)}")
    binary = fingerprint.pack_binary(fingerprint.build(items))
    return binary, fingerprint.pointer(binary)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--no-corpus", action="store_true", help="leave the manifest out")
    parser.add_argument("--text", action="append", default=[], metavar="FILE=ID")
    parser.add_argument("--index", action="append", default=[], type=Path, metavar="DIR")
    parser.add_argument("--out", type=Path, default=ROOT / "rules",
                        help="folder for fingerprints.bin and fingerprints.json")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a text's sha256 or the stored fingerprints differ")
    parser.add_argument("--sync-manifest", action="store_true",
                        help="add corpus files missing from rules/references.tsv, then build")
    parser.add_argument("--ids", type=Path, help="file<TAB>rule ids for --sync-manifest")
    args = parser.parse_args(argv)

    if args.sync_manifest:
        print(f"manifest: {sync_manifest(args.corpus, args.ids)} file(s) added")
    items: list[Item] = []
    if not args.no_corpus:
        if not args.corpus.is_dir():
            raise SystemExit(f"corpus not found at {args.corpus} (pass --corpus or --no-corpus)")
        items += corpus_items(args.corpus, check=args.check)
    for directory in args.index:
        items += index_items(directory)
    items += text_items(args.text)
    _warn_unknown_rules({rule_id for _k, _t, rule_id, _o in items})
    binary, pointer = build_outputs(items)
    bin_path = args.out / fingerprint.BINARY
    json_path = args.out / fingerprint.FILENAME
    if args.check:
        stale = [p for p, want in ((bin_path, binary), (json_path, pointer.encode()))
                 if not p.is_file() or p.read_bytes() != want]
        if stale:
            print(f"{', '.join(map(str, stale))} stale: run scripts/build_fingerprints.py",
                  file=sys.stderr)
            return 1
        print(f"{bin_path} is up to date ({len(items)} texts)")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    bin_path.write_bytes(binary)
    json_path.write_text(pointer, encoding="utf-8")
    print(f"wrote {bin_path}: {len(items)} texts, {len(binary) // 1024} KiB")
    return 0


def _warn_unknown_rules(rule_ids: set[str]) -> None:
    rules = ROOT / "rules" / "licenses"
    missing = sorted(r for r in rule_ids if not (rules / f"{r}.yaml").is_file())
    if missing:
        print(f"warning: {len(missing)} rule id(s) without a rule file in rules/licenses: "
              f"{', '.join(missing[:12])}{' ...' if len(missing) > 12 else ''}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
