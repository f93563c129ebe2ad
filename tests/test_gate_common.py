"""Shared by the gate tests (tests/test_gate_*.py): run `licscan scan --format json` through
the real CLI (in-process with click's runner, or as a subprocess), with a commercial context
(the demo's situation) and the built-in default policy, and read the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from licscan.cli import cli

CARD_APACHE = "---\nlicense: apache-2.0\n---\n# Model\n\nA model.\n"
CONTEXT = "context:\n  use: commercial\n  distribution: hosted\n  regions: [US, EU]\n"


@dataclass(frozen=True)
class Run:
    code: int
    report: dict[str, Any]
    stderr: str

    @property
    def models(self) -> list[dict[str, Any]]:
        return list(self.report["models"])

    def model(self, index: int = 0) -> dict[str, Any]:
        return self.models[index]


def context_file(tmp_path: Path) -> Path:
    path = tmp_path / "context.yaml"
    if not path.exists():
        path.write_text(CONTEXT)
    return path


def scan(tmp_path: Path, *targets: str, endpoint: str | None = None,
         extra: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Run:
    """`licscan scan TARGETS --format json --context <commercial>` in-process."""
    args = ["scan", *targets, "--format", "json", "--context", str(context_file(tmp_path)),
            "--no-config", "--jobs", "2", *extra]
    full_env = {"LICSCAN_CACHE_DIR": str(tmp_path / "licscan-cache"), **(env or {})}
    if endpoint:
        full_env["HF_ENDPOINT"] = endpoint
    result = CliRunner().invoke(cli, args, env=full_env, catch_exceptions=False)
    try:
        report = json.loads(result.stdout)
    except ValueError as exc:
        raise AssertionError(f"no JSON report (exit {result.exit_code}): "
                             f"{result.output[-2000:]}") from exc
    return Run(result.exit_code, report, result.stderr)


def scan_process(tmp_path: Path, *targets: str, endpoint: str | None = None,
                 extra: tuple[str, ...] = (), timeout: float = 300,
                 env: dict[str, str] | None = None) -> Run:
    """The same as a separate `python -m licscan` process."""
    out = tmp_path / "report.json"
    args = [sys.executable, "-m", "licscan", "scan", *targets, "--format", "json",
            "--context", str(context_file(tmp_path)), "--no-config", "-o", str(out), *extra]
    full_env = {**os.environ, "LICSCAN_CACHE_DIR": str(tmp_path / "licscan-cache"),
                **(env or {})}
    if endpoint:
        full_env["HF_ENDPOINT"] = endpoint
    proc = subprocess.run(args, capture_output=True, text=True, env=full_env, timeout=timeout)
    if not out.exists():
        raise AssertionError(f"no report (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return Run(proc.returncode, json.loads(out.read_text()), proc.stderr)


def codes(model: dict[str, Any]) -> set[str]:
    return {f["code"] for f in model.get("findings", [])}


def expression(model: dict[str, Any]) -> str:
    return str((model.get("license") or {}).get("expression") or "")


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
    return root


def scan_card(tmp_path: Path, body: str) -> dict[str, Any]:
    """The JSON model of a folder holding only a README: an Apache-2.0 card, then `body`."""
    return scan(tmp_path, str(write_tree(tmp_path / "m", {"README.md": CARD_APACHE + body}))
                ).model()
