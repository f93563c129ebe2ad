"""The GitHub Action's logic: `python -m licscan.action` (see action.yml).

Reads the inputs from INPUT_* variables, scans the manifest with the configured policy, writes
the reports (JSON, SARIF, Markdown, HTML…), appends the Markdown summary to
$GITHUB_STEP_SUMMARY, sets outputs in $GITHUB_OUTPUT, annotates the manifest lines, and exits
1 when a verdict reaches fail-on (2 on a configuration error). Runs anywhere: without the
GITHUB_* files it only writes the reports and prints.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from licscan.errors import LicscanError

EXTENSIONS = {"json": "json", "sarif": "sarif", "markdown": "md", "html": "html", "text": "txt"}
DEFAULT_FORMATS = ("json", "sarif", "markdown", "html")


@dataclass(frozen=True)
class Inputs:
    config: str | None
    manifest: str | None
    fail_on: str | None
    formats: tuple[str, ...]
    output_dir: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        def get(name: str) -> str | None:
            value = env.get(f"INPUT_{name}", "").strip()
            return value or None

        formats = tuple(f for f in (get("FORMATS") or ",".join(DEFAULT_FORMATS))
                        .replace(",", " ").split() if f)
        fail_on = get("FAIL_ON")
        if fail_on not in (None, "deny", "review"):
            raise LicscanError(f"fail-on must be deny or review, not {fail_on!r}")
        unknown = [f for f in formats if f not in EXTENSIONS]
        if unknown:
            raise LicscanError(f"unknown format {unknown[0]!r}; formats: {', '.join(EXTENSIONS)}")
        return cls(get("CONFIG"), get("MANIFEST"), fail_on, formats,
                   get("OUTPUT_DIR") or "licscan-report")


def main() -> int:
    env = os.environ
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".").resolve()
    os.chdir(workspace)
    if env.get("INPUT_TOKEN", "").strip():
        os.environ["HF_TOKEN"] = env["INPUT_TOKEN"].strip()
    try:
        inputs = Inputs.from_env(env)
        return _run(inputs, workspace)
    except LicscanError as exc:
        from licscan.redact import redact

        print(_command("error", redact(exc.message), file=exc.file, line=exc.line,
                       title=f"licscan: {exc.key}" if exc.key else "licscan"))
        print(f"licscan: error: {redact(exc.diagnostics())}", file=sys.stderr)
        _append(env.get("GITHUB_STEP_SUMMARY"), "## licscan: configuration error\n\n"
                + _fence(redact(exc.diagnostics())))
        _set_outputs(env.get("GITHUB_OUTPUT"), {"verdict": "error", "failed": "true"})
        return 2


def _run(inputs: Inputs, workspace: Path) -> int:
    from dataclasses import replace

    from licscan.config import display_path, resolve_config
    from licscan.policy import configured_scanner
    from licscan.report.json_report import report_dict
    from licscan.scan import ScanOptions
    from licscan.targets import load_manifest

    config = resolve_config(inputs.config)
    manifest = display_path(inputs.manifest or config.manifest)
    refs = load_manifest(manifest)
    scanner, _policy = configured_scanner(config, ScanOptions())
    result = replace(scanner.scan(refs), config_file=config.file)
    report = report_dict(result)
    paths = _write_reports(result, report, inputs, workspace)
    env = os.environ
    _append(env.get("GITHUB_STEP_SUMMARY"), _render("markdown", result, report, workspace))
    fail_on = inputs.fail_on or config.policy.fail_on
    failed = _failed(report, fail_on)
    _set_outputs(env.get("GITHUB_OUTPUT"), _outputs(report, paths, inputs, failed))
    _print(result, report)
    return 1 if failed else 0


def _render(fmt: str, result: Any, report: Mapping[str, Any], workspace: Path) -> str:
    """Through the format registry; Markdown and SARIF from the JSON report (so both match
    the saved report), SARIF with locations relative to the workspace."""
    from importlib import import_module

    from licscan.redact import redact
    from licscan.report import FORMATS

    module = import_module(FORMATS.get(fmt) or f"licscan.report.{fmt}")
    if fmt in ("markdown", "sarif"):
        return redact(module.render_dict(report, root=str(workspace)))
    return redact(module.render(result))


def _write_reports(result: Any, report: Mapping[str, Any], inputs: Inputs,
                   workspace: Path) -> dict[str, str]:
    folder = Path(inputs.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt in inputs.formats:
        path = folder / f"licscan.{EXTENSIONS[fmt]}"
        path.write_text(_render(fmt, result, report, workspace), encoding="utf-8")
        paths[fmt] = path.as_posix()
    return paths


def _failed(report: Mapping[str, Any], fail_on: str) -> bool:
    rank = {"allow": 0, "review": 1, "deny": 2}
    return any(m.get("status") == "error" or rank.get(m.get("verdict", "review"), 1)
               >= rank[fail_on] for m in report.get("models", ()))


def _outputs(report: Mapping[str, Any], paths: Mapping[str, str], inputs: Inputs,
             failed: bool) -> dict[str, str]:
    summary = report.get("summary") or {}
    verdicts = summary.get("verdicts") or {}
    out = {"verdict": str(summary.get("worst_verdict", "allow")),
           "failed": "true" if failed else "false", "models": str(summary.get("models", 0)),
           "allow": str(verdicts.get("allow", 0)), "review": str(verdicts.get("review", 0)),
           "deny": str(verdicts.get("deny", 0)), "errors": str(summary.get("error", 0)),
           "report-dir": Path(inputs.output_dir).as_posix()}
    out.update({f"{fmt}-file": path for fmt, path in paths.items()})
    return out


def _print(result: Any, report: Mapping[str, Any]) -> None:
    """The text table inside a stop-commands block (model cards must not issue workflow
    commands), then one annotation per model that needs attention, on its manifest line."""
    from licscan.report import render

    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}")
    print(render(result, "text"), end="")
    print(f"::{token}::")
    for model in report.get("models", ()):
        verdict = model.get("verdict")
        if model.get("status") != "error" and verdict == "allow":
            continue
        origin = model.get("origin") or {}
        level = "error" if verdict == "deny" or model.get("status") == "error" else "warning"
        reason = model.get("verdict_reason") or ""
        print(_command(level, f"{model.get('id')}: {verdict}: {reason} "
                              f"[{model.get('decided_by')}]",
                       file=origin.get("file"), line=origin.get("line"),
                       title=f"licscan {verdict}"))


def _command(level: str, message: str, *, file: str | None = None, line: int | None = None,
             title: str | None = None) -> str:
    props = {"file": file, "line": str(line) if line else None, "title": title}
    text = ",".join(f"{k}={_escape(v, prop=True)}" for k, v in props.items() if v)
    return f"::{level}{' ' + text if text else ''}::{_escape(message)}"


def _escape(value: str, prop: bool = False) -> str:
    from licscan.redact import printable

    value = printable(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def _set_outputs(path: str | None, outputs: Mapping[str, str]) -> None:
    lines = []
    for name, value in outputs.items():
        if "\n" in value:
            delimiter = f"licscan_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    _append(path, "\n".join(lines) + "\n")


def _append(path: str | None, text: str) -> None:
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text if text.endswith("\n") else text + "\n")


def _fence(text: str) -> str:
    return "```\n" + text.replace("```", "'''") + "\n```\n"


if __name__ == "__main__":
    sys.exit(main())
