#!/usr/bin/env python3
"""Lock the rule pack after editing rule files: write rules/compiled.jsonl and rules/rules.lock.

The rule files (rules/licenses/*.yaml), rules/spdx-licenses.tsv and rules/fingerprints.json are
the pack; these two files are generated from them and tests regenerate and compare both
(tests/test_rulepack.py, tests/test_rulepack_source.py):

- rules/compiled.jsonl: every rule file's parse with the fields the loader derives filled in,
  keyed by the rule files' content hash, so that loading the pack skips YAML (~80 ms), and
  the phrase index identification derives from the rules (`licscan.identify.reference`, with
  the normalizer version it was made with);
- rules/rules.lock: the pack's version and content hash. A changed hash needs a new version in
  rules/pack.yaml: reports stamp (version, hash), and one version must always mean one set of
  facts.

    python scripts/lock_rules.py            # refuses when the hash changed but the version did not
    python scripts/lock_rules.py --check    # write nothing; exit 1 when either file is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licscan.rulecheck import compilation  # noqa: E402
from licscan.rulepack import (  # noqa: E402
    COMPILED,
    content_hash,
    pack_files,
    read_pack_meta,
    write_compiled,
)

RULES = ROOT / "rules"
LOCK = RULES / "rules.lock"


def current(rules: Path = RULES) -> dict[str, str]:
    files = [(p.relative_to(rules).as_posix(), p.read_bytes()) for p in pack_files(rules)]
    return {"version": read_pack_meta(rules)["version"], "hash": content_hash(files)}


def compiled_text(rules: Path = RULES) -> str:
    """rules/compiled.jsonl as it should read (deterministic): the rules, and the phrase index
    identification derives from them."""
    return write_compiled(compilation(rules))


def lock_text(rules: Path = RULES) -> str:
    return json.dumps(current(rules), indent=2) + "\n"


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def check(rules: Path = RULES) -> list[str]:
    """The generated files that differ from what the pack's sources give."""
    return [str(path) for path, text in ((rules / COMPILED, compiled_text(rules)),
                                         (rules / "rules.lock", lock_text(rules)))
            if _read(path) != text]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        stale = check()
        for path in stale:
            print(f"{path} is stale: run scripts/lock_rules.py", file=sys.stderr)
        return 1 if stale else 0
    now = current()
    (RULES / COMPILED).write_text(compiled_text(), encoding="utf-8")
    if LOCK.is_file():
        old = json.loads(LOCK.read_text())
        if old == now:
            print(f"rules.lock is up to date: {now['version']} {now['hash']}")
            return 0
        if old.get("version") == now["version"] and "--force" not in args:
            print(f"the rule pack changed but rules/pack.yaml still says {now['version']}; "
                  "bump the version (or pass --force during development)", file=sys.stderr)
            return 1
    LOCK.write_text(lock_text(), encoding="utf-8")
    print(f"rules.lock: {now['version']} {now['hash']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
