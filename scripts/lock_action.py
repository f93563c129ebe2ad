"""Regenerate requirements/action.txt: the Action's dependencies, pinned, with every file's hash.

    .venv/bin/pip install "pip-tools>=7.4,<8"
    .venv/bin/python scripts/lock_action.py

The Action (action.yml) installs exactly these with `pip install --require-hashes`, so a
compromised or re-uploaded release on the index cannot reach a user's CI. Resolves the
`dependencies` of pyproject.toml against PyPI alone (the local pip configuration, mirrors and
find-links are ignored) and records the hashes of every file of each pinned release, so one
lock serves Linux, macOS and Windows runners. Run it when pyproject.toml's dependencies change,
or to take security releases; review the diff like any other dependency update.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "requirements" / "action.txt"
INDEX = "https://pypi.org/simple"


def main() -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, CUSTOM_COMPILE_COMMAND="python scripts/lock_action.py")
    argv = [sys.executable, "-m", "piptools", "compile", "--quiet", "--generate-hashes",
            "--allow-unsafe", "--strip-extras", "--no-emit-index-url", "--no-emit-find-links",
            "--index-url", INDEX, "--output-file", "requirements/action.txt", "pyproject.toml"]
    done = subprocess.run(argv, cwd=ROOT, env=env, check=False)
    if done.returncode == 0:
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
