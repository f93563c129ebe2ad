#!/usr/bin/env python3
"""Build rules/fingerprints.json from reference license texts (the texts are never stored).

    python scripts/build_fingerprints.py                      # the shared corpus (manifest below)
    python scripts/build_fingerprints.py --text my.txt=my-id  # plus texts of your own
    python scripts/build_fingerprints.py --index DIR          # plus DIR/INDEX: "file<TAB>id"
    python scripts/build_fingerprints.py --check              # exit 1 when the file is stale

The corpus is read from <repo>/../shared/corpus unless --corpus says otherwise. Output is
deterministic (sorted keys), so an unchanged corpus gives a byte-identical file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licscan.identify import fingerprint  # noqa: E402
from licscan.identify.normalize import decode  # noqa: E402

CC_OPTIONS = {"optional_before": "Creative Commons Attribution",
              "optional_after": "Creative Commons is not a party"}
APPENDIX = {"optional_after": "END OF TERMS AND CONDITIONS"}

# The corpus manifest: file -> rule ids ("A AND B" for a file holding several texts, cut at
# the lines starting with the given markers) and options (parts a copy may leave out).
MANIFEST: tuple[tuple[str, str, tuple[str, ...], dict[str, str]], ...] = (
    ("llama1-license-2023.txt", "llama1", (), {}),
    ("llama2-license.txt", "llama2", (), {}),
    ("llama2-aup.txt", "llama2-aup", (), {}),
    ("llama3-license.txt", "llama3 AND llama3-aup", ("Meta Llama 3 Acceptable Use Policy",), {}),
    ("llama3-aup.txt", "llama3-aup", (), {}),
    ("llama3.1-license.txt", "llama3.1", (), {}),
    ("llama3.1-aup.txt", "llama3.1-aup", (), {}),
    ("llama3.2-license.txt", "llama3.2", (), {}),
    ("llama3.2-aup.txt", "llama3.2-aup", (), {}),
    ("llama3.3-license.txt", "llama3.3", (), {}),
    ("llama3.3-aup.txt", "llama3.3-aup", (), {}),
    ("llama4-license.txt", "llama4", (), {}),
    ("llama4-aup.txt", "llama4-aup", (), {}),
    ("fair-noncommercial-research-2024-10-18.txt", "fair-noncommercial-research AND fair-aup",
     ("FAIR Acceptable Use Policy",), {}),
    ("chameleon-research-2024.txt", "chameleon-research-2024", (), {}),
    ("gemma-tou-2024-04-01.txt", "gemma-2024-04-01", (), {}),
    ("gemma-tou-2025-03-24.txt", "gemma-2025-03-24", (), {}),
    ("gemma-prohibited-use-policy-2024-02-21.txt", "gemma-pup-2024-02-21", (), {}),
    ("tongyi-qianwen-license-2023-08-03.txt", "tongyi-qianwen", (), {}),
    ("tongyi-qianwen-research-2023-11-30.txt", "tongyi-qianwen-research", (), {}),
    ("qwen-license-2024-09-19.txt", "qwen", (), {}),
    ("deepseek-license-1.0.txt", "deepseek", (), {}),
    ("stability-ai-community-2024-07-05.txt", "stability-ai-community", (), {}),
    ("stability-ai-nc-research-2023-12-06.txt", "stability-ai-nc-research", (), {}),
    ("flux-1-dev-nc-v1.0.txt", "flux-1-dev-nc-2024-08-01", (), {}),
    ("flux-1-dev-nc-2024-11-21.txt", "flux-1-dev-nc-2024-11-21", (), {}),
    ("flux-1-dev-nc-v1.1.txt", "flux-1-dev-nc-v1.1", (), {}),
    ("flux-1-dev-nc-v1.1.1.txt", "flux-1-dev-nc-v1.1.1", (), {}),
    ("deepfloyd-if-license.txt", "deepfloyd-if", (), {}),
    ("creativeml-openrail-m-2022-08-22.txt", "creativeml-openrail-m", (), {}),
    ("creativeml-openrail++-m-2022-11-24.txt", "creativeml-openrail++-m", (), {}),
    ("bigscience-bloom-rail-1.0.txt", "bigscience-bloom-rail-1.0", (), {}),
    ("bigscience-openrail-m.txt", "bigscience-openrail-m", (), {}),
    ("bigcode-openrail-m-v1.txt", "bigcode-openrail-m", (), {}),
    ("nvidia-open-model-2025-04-28.txt", "nvidia-open-model-2025-04-28", (), {}),
    ("falcon-2-11b-tii-1.0.txt", "falcon-2-11b-1.0", (), {}),
    ("openmdw-1.0.txt", "openmdw-1.0", (), {}),
    ("openmdw-1.1.txt", "openmdw-1.1", (), {}),
    ("c-uda-1.0.txt", "c-uda", (), {}),
    ("apple-amlr.txt", "apple-amlr", (), {}),
    ("apple-ascl.txt", "apple-ascl", (), {}),
    ("aml-apple-mit.txt", "apple-ascl", (), {}),
    ("yi-community-license-2.1.txt", "yi-community-2.1", (), {}),
    ("mistral-mrl-0.1.txt", "mistral-mrl-0.1", (), {}),
    ("nvidia-license-nc.txt", "nvidia-license-nc", (), {}),
    ("apache-2.0.txt", "apache-2.0", (), APPENDIX),
    ("mit.txt", "mit", (), {}),
    ("bsd-3-clause.txt", "bsd-3-clause", (), {}),
    ("gpl-3.0.txt", "gpl-3.0", (), APPENDIX),
    ("cc-by-4.0.txt", "cc-by-4.0", (), CC_OPTIONS),
    ("cc-by-sa-4.0.txt", "cc-by-sa-4.0", (), CC_OPTIONS),
    ("cc-by-nc-4.0.txt", "cc-by-nc-4.0", (), CC_OPTIONS),
    ("cc-by-nc-sa-4.0.txt", "cc-by-nc-sa-4.0", (), CC_OPTIONS),
    ("cc-by-nc-nd-4.0.txt", "cc-by-nc-nd-4.0", (), CC_OPTIONS),
    ("cc0-1.0.txt", "cc0-1.0", (), {}),
)

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


def corpus_items(corpus: Path) -> Iterator[Item]:
    listed = {name for name, *_ in MANIFEST}
    for name in sorted(p.name for p in corpus.glob("*.txt")):
        if name not in listed:
            print(f"warning: {name} is not in the manifest; skipped", file=sys.stderr)
    for name, ids, markers, options in MANIFEST:
        path = corpus / name
        if not path.is_file():
            raise SystemExit(f"corpus file missing: {path}")
        yield from expand(Path(name).stem, read(path), ids, markers, options, name)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--no-corpus", action="store_true", help="leave the shared corpus out")
    parser.add_argument("--text", action="append", default=[], metavar="FILE=ID")
    parser.add_argument("--index", action="append", default=[], type=Path, metavar="DIR")
    parser.add_argument("--out", type=Path, default=ROOT / "rules" / fingerprint.FILENAME)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is not current")
    args = parser.parse_args(argv)

    items: list[Item] = []
    if not args.no_corpus:
        if not args.corpus.is_dir():
            raise SystemExit(f"corpus not found at {args.corpus} (pass --corpus or --no-corpus)")
        items += corpus_items(args.corpus)
    for directory in args.index:
        items += index_items(directory)
    items += text_items(args.text)
    keys = [key for key, *_ in items]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise SystemExit(f"duplicate text keys: {', '.join(duplicates)}")
    _warn_unknown_rules({rule_id for _k, _t, rule_id, _o in items})
    content = fingerprint.dump(fingerprint.build(items))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != content:
            print(f"{args.out} is stale: run scripts/build_fingerprints.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({len(items)} texts)")
        return 0
    args.out.write_text(content, encoding="utf-8")
    print(f"wrote {args.out}: {len(items)} texts, {len(content.encode()) // 1024} KiB")
    return 0


def _warn_unknown_rules(rule_ids: set[str]) -> None:
    rules = ROOT / "rules" / "licenses"
    for rule_id in sorted(rule_ids):
        if not (rules / f"{rule_id}.yaml").is_file():
            print(f"warning: no rule file rules/licenses/{rule_id}.yaml", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
