"""The GitHub Action's logic: `python -m licscan.action` (see action.yml).

Reads the inputs from INPUT_* variables, scans the manifest with the configured policy, writes
the reports (JSON, SARIF, Markdown, HTML…), appends the Markdown summary to
$GITHUB_STEP_SUMMARY, sets outputs in $GITHUB_OUTPUT, annotates the manifest lines, and exits
1 when a verdict reaches fail-on (2 on a configuration error). Runs anywhere: without the
GITHUB_* files it only writes the reports and prints.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

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
    forbid_rule_overrides: bool = False

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
        overrides = get("RULE_OVERRIDES") or "warn"
        if overrides not in ("warn", "forbid"):
            raise LicscanError(f"rule-overrides must be warn or forbid, not {overrides!r}")
        return cls(get("CONFIG"), get("MANIFEST"), fail_on, formats,
                   get("OUTPUT_DIR") or "licscan-report", overrides == "forbid")


def main() -> int:
    """Every line printed while the Action runs goes through `_Guard` (made inert: it cannot
    be a workflow command); the commands licscan means to issue are written past it."""
    out, err = sys.stdout, sys.stderr
    guards = _Guard(out), _Guard(err)
    sys.stdout, sys.stderr = guards
    try:
        return _main(_Commands(out, guards[0]))
    finally:
        for guard in guards:
            guard.close()
        sys.stdout, sys.stderr = out, err


def _main(commands: _Commands) -> int:
    env = os.environ
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".").resolve()
    os.chdir(workspace)
    if env.get("INPUT_TOKEN", "").strip():
        os.environ["HF_TOKEN"] = env["INPUT_TOKEN"].strip()
    try:
        inputs = Inputs.from_env(env)
        return _run(inputs, workspace, commands)
    except LicscanError as exc:
        from licscan.redact import redact

        commands.annotate("error", redact(exc.message), file=exc.file, line=exc.line,
                          title=f"licscan: {exc.key}" if exc.key else "licscan")
        print(f"licscan: error: {redact(exc.diagnostics())}", file=sys.stderr)
        _append(env.get("GITHUB_STEP_SUMMARY"), "## licscan: configuration error\n\n"
                + _fence(redact(exc.diagnostics())))
        _set_outputs(env.get("GITHUB_OUTPUT"), {"verdict": "error", "failed": "true"})
        return 2
    except Exception as exc:  # the one boundary for bugs, as in the CLI
        from licscan.redact import redact

        message = redact(f"{type(exc).__name__}: {exc}")
        commands.annotate("error", f"internal error: {message}", title="licscan")
        print(f"licscan: internal error: {message}", file=sys.stderr)
        _set_outputs(env.get("GITHUB_OUTPUT"), {"verdict": "error", "failed": "true"})
        return 3


class _Guard(io.TextIOBase):
    """A text stream that writes whole lines, each made inert (`inert`). A partial line waits
    for its end, so a command cannot be assembled from several writes."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.raw.write(inert(line) + "\n")
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        if self.pending:
            self.raw.write(inert(self.pending) + "\n")
            self.pending = ""
        self.raw.flush()
        super().close()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8") or "utf-8"


def inert(line: str) -> str:
    """One line of free text that the runner cannot read as a workflow command: control
    characters escaped (a carriage return would start a line of its own), no `::` at its start
    (the runner trims before looking) and no `##[` anywhere (the old command syntax)."""
    from licscan.redact import printable_line

    line = printable_line(line).replace("##[", "## [")
    return "> " + line if line.strip().startswith("::") else line


class _Commands:
    """The only writer of workflow commands: annotations with escaped data and properties,
    and free text inside a `::stop-commands::` block."""

    def __init__(self, raw: TextIO, guarded: _Guard) -> None:
        self.raw = raw
        self.guarded = guarded

    def emit(self, command: str) -> None:
        self.guarded.flush()
        self.raw.write(command + "\n")
        self.raw.flush()

    def annotate(self, level: str, message: str, *, file: str | None = None,
                 line: int | None = None, title: str | None = None) -> None:
        self.emit(_command(level, message, file=file, line=line, title=title))

    def quoted(self, text: str) -> None:
        """Untrusted text (model cards) twice guarded: each line inert, and the whole
        between `::stop-commands::TOKEN` and `::TOKEN::`."""
        token = secrets.token_hex(16)
        self.emit(f"::stop-commands::{token}")
        self.guarded.write(text if text.endswith("\n") else text + "\n")
        self.emit(f"::{token}::")


def _run(inputs: Inputs, workspace: Path, commands: _Commands) -> int:
    from dataclasses import replace

    from licscan.config import (
        check_rule_overrides,
        display_path,
        overrides_forbidden,
        resolve_config,
    )
    from licscan.report.json_report import report_dict
    from licscan.scan import ScanOptions, configured_scanner
    from licscan.targets import load_manifest

    config = resolve_config(_inside(inputs.config, workspace, "config"))
    manifest = display_path(_inside(inputs.manifest, workspace, "manifest")
                            or config.manifest)
    refs = load_manifest(manifest)
    forbid = overrides_forbidden(inputs.forbid_rule_overrides)
    for warning in check_rule_overrides(config.rules, forbid=forbid, where=config.where("rules")):
        commands.annotate("warning", warning, file=config.file, line=config.lines.get("rules"),
                          title="licscan rule override")
    scanner, _policy = configured_scanner(config, ScanOptions())
    result = replace(scanner.scan(refs), config_file=config.file)
    report = report_dict(result)
    paths = _write_reports(result, report, inputs, workspace)
    env = os.environ
    _append(env.get("GITHUB_STEP_SUMMARY"), _render("markdown", result, report, workspace))
    fail_on = inputs.fail_on or config.policy.fail_on
    failed = _failed(report, fail_on)
    _set_outputs(env.get("GITHUB_OUTPUT"), _outputs(report, paths, inputs, failed))
    _print(result, report, commands)
    return 1 if failed else 0


def _inside(path: str | None, workspace: Path, name: str) -> str | None:
    """An input path must stay in the workspace (the runner checks out the repository there)."""
    if path is None:
        return None
    real = (workspace / path).resolve()
    if real != workspace and workspace not in real.parents:
        raise LicscanError(f"the {name} input {path!r} is outside the workspace",
                           hint="give a path inside GITHUB_WORKSPACE")
    return path


def _render(fmt: str, result: Any, report: Mapping[str, Any], workspace: Path) -> str:
    """Through the format registry; Markdown and SARIF from the JSON report (so both match
    the saved report), SARIF with locations relative to the workspace."""
    from importlib import import_module

    from licscan.redact import redact
    from licscan.report import FORMATS

    module = import_module(FORMATS.get(fmt) or f"licscan.report.{fmt}")
    if fmt == "markdown":
        return no_autolinks(redact(module.render_dict(report, root=str(workspace))))
    if fmt == "sarif":
        return redact(module.render_dict(report, root=str(workspace)))
    return redact(module.render(result))


_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,31}):/(?=/)")
_WWW = re.compile(r"(?i)\b(www)\.")
_EMAIL = re.compile(r"(?<=[\w.+\-])@(?=[\w\-]+\.)")
_BREAK = "&#8203;"  # a zero-width space, as an entity: visible in the source, not on the page


def no_autolinks(markdown: str) -> str:
    """The summary promises no links from model text, but GitHub also links bare URLs, `www.`
    names and e-mail addresses. Our Markdown has no links of its own, so every such pattern
    is broken up with a zero-width space where the autolinker looks (`://`, `www.`, `@`)."""
    markdown = _SCHEME.sub(lambda m: f"{m.group(1)}:/{_BREAK}", markdown)
    markdown = _WWW.sub(lambda m: f"{m.group(1)}{_BREAK}.", markdown)
    return _EMAIL.sub(f"@{_BREAK}", markdown)


def _write_reports(result: Any, report: Mapping[str, Any], inputs: Inputs,
                   workspace: Path) -> dict[str, str]:
    """Into output-dir, which must stay in the workspace: a folder on the way, or a report
    file, that is a symlink cannot carry a write out of it (licscan.safewrite)."""
    from licscan.safewrite import make_folder, write_text

    _inside(inputs.output_dir, workspace, "output-dir")
    folder = Path(inputs.output_dir)
    make_folder(folder, root=workspace)
    paths = {}
    for fmt in inputs.formats:
        path = folder / f"licscan.{EXTENSIONS[fmt]}"
        write_text(path, _render(fmt, result, report, workspace), root=workspace)
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


def _print(result: Any, report: Mapping[str, Any], commands: _Commands) -> None:
    """The text table as quoted text (model cards must not issue workflow commands), then one
    annotation per model that needs attention, on its manifest line."""
    from licscan.report import render

    commands.quoted(render(result, "text"))
    for model in report.get("models", ()):
        verdict = model.get("verdict")
        if model.get("status") != "error" and verdict == "allow":
            continue
        origin = model.get("origin") or {}
        level = "error" if verdict == "deny" or model.get("status") == "error" else "warning"
        reason = model.get("verdict_reason") or ""
        commands.annotate(level, f"{model.get('id')}: {verdict}: {reason} "
                                 f"[{model.get('decided_by')}]",
                          file=origin.get("file"), line=origin.get("line"),
                          title=f"licscan {verdict}")


def _command(level: str, message: str, *, file: str | None = None, line: int | None = None,
             title: str | None = None) -> str:
    props = {"file": file, "line": str(line) if line else None, "title": title}
    text = ",".join(f"{k}={_escape(v, prop=True)}" for k, v in props.items() if v)
    return f"::{level}{' ' + text if text else ''}::{_escape(message)}"


def _escape(value: str, prop: bool = False) -> str:
    """GitHub's escaping of command data (%, CR, LF) and properties (also : and ,), after
    control characters are shown escaped; `##[` is broken up as in free text."""
    from licscan.redact import printable

    value = printable(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    value = value.replace("##[", "## [")
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
