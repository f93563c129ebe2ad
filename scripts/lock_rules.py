#!/usr/bin/env python3
"""Record the rule pack's content hash in rules/rules.lock.

A changed hash needs a new version in rules/pack.yaml: reports stamp (version, hash), and the
same version must always mean the same facts. Run after editing rule files:

    python scripts/lock_rules.py            # refuses when the hash changed but the version did not
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licscan.rulepack import (  # noqa: E402
    COMPILED,
    compile_pack,
    content_hash,
    pack_files,
    read_pack_meta,
)

RULES = ROOT / "rules"
LOCK = RULES / "rules.lock"


def current() -> dict[str, str]:
    files = [(p.relative_to(RULES).as_posix(), p.read_bytes()) for p in pack_files(RULES)]
    return {"version": read_pack_meta(RULES)["version"], "hash": content_hash(files)}


def write_compiled() -> None:
    """rules/compiled.json: the parsed rule files, so that loading the pack skips YAML."""
    (RULES / COMPILED).write_text(json.dumps(compile_pack(RULES), sort_keys=True,
                                             ensure_ascii=False) + "\n")


def main() -> int:
    now = current()
    write_compiled()
    if LOCK.is_file():
        old = json.loads(LOCK.read_text())
        if old == now:
            print(f"rules.lock is up to date: {now['version']} {now['hash']}")
            return 0
        if old.get("version") == now["version"] and "--force" not in sys.argv:
            print(f"the rule pack changed but rules/pack.yaml still says {now['version']}; "
                  "bump the version (or pass --force during development)", file=sys.stderr)
            return 1
    LOCK.write_text(json.dumps(now, indent=2) + "\n")
    print(f"rules.lock: {now['version']} {now['hash']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
