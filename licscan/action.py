"""The GitHub Action's logic: `python -m licscan.action` (see action.yml).

Reads the inputs from INPUT_* variables, scans the manifest (and, with `discover`, the Hub
models the code names) with the configured policy, writes the reports (JSON, SARIF, Markdown,
HTML…), appends the Markdown summary to $GITHUB_STEP_SUMMARY, sets outputs in $GITHUB_OUTPUT,
annotates the manifest lines, writes or updates one pull-request comment, and exits 1 when a
verdict reaches fail-on (0 with `warn-only`; 2 on a configuration error). On a pull request,
`scope: changed` evaluates only the models added or changed since the base commit (read with
git). `python -m licscan.action cache-key` prints the actions/cache key and path instead.
Runs anywhere: without the GITHUB_* files it only writes the reports and prints.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from licscan.errors import LicscanError
from licscan.vocab import Verdict

if TYPE_CHECKING:
    from licscan.config import Config
    from licscan.model import ModelRef

EXTENSIONS = {"json": "json", "sarif": "sarif", "markdown": "md", "html": "html", "text": "txt"}
DEFAULT_FORMATS = ("json", "sarif", "markdown", "html")
COMMENT_MODES = ("always", "on-failure", "never")
SCOPES = ("changed", "all")
MARKER = "<!-- licscan -->"
ACTIONS_BOT = "github-actions[bot]"
MAX_COMMENT_CHARS = 65_000  # GitHub refuses a comment body over 65,536 characters
CACHE_FORMAT = "v1"  # bump when the layout of licscan's cache changes (licscan.sources.cache)


@dataclass(frozen=True)
class Inputs:
    config: str | None
    manifest: str | None
    fail_on: str | None
    formats: tuple[str, ...]
    output_dir: str
    forbid_rule_overrides: bool = False
    warn_only: bool = False
    comment: str = "on-failure"
    scope: str = "changed"
    base_ref: str | None = None
    head_ref: str | None = None
    discover: tuple[str, ...] = ()
    github_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        def get(name: str) -> str | None:
            value = env.get(f"INPUT_{name}", "").strip()
            return value or None

        formats = tuple(f for f in (get("FORMATS") or ",".join(DEFAULT_FORMATS))
                        .replace(",", " ").split() if f)
        fail_on = get("FAIL_ON")
        if fail_on not in (None, Verdict.DENY, Verdict.REVIEW):
            raise LicscanError(f"fail-on must be deny or review, not {fail_on!r}")
        unknown = [f for f in formats if f not in EXTENSIONS]
        if unknown:
            raise LicscanError(f"unknown format {unknown[0]!r}; formats: {', '.join(EXTENSIONS)}")
        overrides = get("RULE_OVERRIDES") or "warn"
        if overrides not in ("warn", "forbid"):
            raise LicscanError(f"rule-overrides must be warn or forbid, not {overrides!r}")
        comment = (get("COMMENT") or "on-failure").lower()
        if comment not in COMMENT_MODES:
            raise LicscanError(f"comment must be always, on-failure or never, not {comment!r}")
        scope = (get("SCOPE") or "changed").lower()
        if scope not in SCOPES:
            raise LicscanError(f"scope must be changed or all, not {scope!r}")
        refs = {name: get(name) for name in ("BASE_REF", "HEAD_REF")}
        for name, ref in refs.items():
            if ref is not None and not _GIT_REF.fullmatch(ref):
                raise LicscanError(f"{name.lower().replace('_', '-')} is not a git commit or "
                                   f"ref: {ref!r}")
        return cls(get("CONFIG"), get("MANIFEST"), fail_on, formats,
                   get("OUTPUT_DIR") or "licscan-report", overrides == "forbid",
                   warn_only=_flag(get("WARN_ONLY"), "warn-only"), comment=comment,
                   scope=scope, base_ref=refs["BASE_REF"], head_ref=refs["HEAD_REF"],
                   discover=tuple((get("DISCOVER") or "").split()),
                   github_token=get("GITHUB_TOKEN"))


# A commit sha, or a ref name git accepts that cannot be read as an option.
_GIT_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./\-]{0,254}")


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.lower() in ("false", "0", "no"):
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    raise LicscanError(f"{name} must be true or false, not {value!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Every line printed while the Action runs goes through `_Guard` (made inert: it cannot
    be a workflow command); the commands licscan means to issue are written past it."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["cache-key"]:
        return cache_key_main(os.environ)
    if args:
        print(f"usage: python -m licscan.action [cache-key] (not {args!r})", file=sys.stderr)
        return 2
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

    env = os.environ
    config = resolve_config(_inside(inputs.config, workspace, "config"))
    manifest = display_path(_inside(inputs.manifest, workspace, "manifest")
                            or config.manifest)
    refs = load_manifest(manifest)
    for path in inputs.discover:
        _inside(path, workspace, "discover")
    discovered, not_scanned = discovered_refs(inputs.discover, refs)
    if not_scanned:
        commands.annotate("warning", f"{not_scanned} model reference(s) found by discover are "
                          "not Hub ids the Action can scan (local paths, Ollama names, or "
                          "names built at run time): run licscan discover to list them",
                          title="licscan discover")
    event = read_event(env.get("GITHUB_EVENT_PATH"))
    scope = decide_scope(inputs, event, workspace, config, Path(manifest), refs, discovered)
    if scope.warning:
        commands.annotate("warning", scope.warning, title="licscan scope")
    forbid = overrides_forbidden(inputs.forbid_rule_overrides)
    for warning in check_rule_overrides(config.rules, forbid=forbid, where=config.where("rules")):
        commands.annotate("warning", warning, file=config.file, line=config.lines.get("rules"),
                          title="licscan rule override")
    scanner, _policy = configured_scanner(config, ScanOptions())
    result = replace(scanner.scan(scope.refs), config_file=config.file)
    report = report_dict(result)
    rendered = _render(result, report, (*inputs.formats, "markdown"), workspace)
    paths = _write_reports(rendered, inputs, workspace)
    markdown = rendered["markdown"]
    if scope.note:
        markdown = markdown.rstrip("\n") + "\n\n" + scope.note + "\n"
    _append(env.get("GITHUB_STEP_SUMMARY"), markdown)
    fail_on = inputs.fail_on or config.policy.fail_on
    failed = _failed(report, fail_on)
    outputs = _outputs(report, paths, inputs, failed)
    outputs.update({"scope": scope.mode, "skipped": str(scope.skipped),
                    "hub-requests": str(scanner.counter.count)})
    _print(result, report, commands)
    url, problem = pull_request_comment(inputs, event, env, markdown, failed)
    if problem:
        commands.annotate("warning", problem, title="licscan comment")
    outputs["comment-url"] = url or ""
    _set_outputs(env.get("GITHUB_OUTPUT"), outputs)
    if failed and inputs.warn_only:
        commands.annotate("warning", f"the gate would fail ({_tally(report)}; fail-on: "
                          f"{fail_on}), but warn-only is set", title="licscan warn-only")
        return 0
    return 1 if failed else 0


def _tally(report: Mapping[str, Any]) -> str:
    summary = report.get("summary") or {}
    verdicts = summary.get("verdicts") or {}
    return (f"{verdicts.get('deny', 0)} deny, {verdicts.get('review', 0)} review, "
            f"{summary.get('error', 0)} not scanned")


# --- the cache key ---------------------------------------------------------------------------


def cache_key(env: Mapping[str, str], workspace: Path) -> dict[str, str]:
    """The actions/cache key of licscan's Hub cache: the runner's OS and a digest of the
    lockfile and the manifest (a changed lock or manifest is a new key; restore-key falls back
    to the newest cache of this OS, which is safe: entries are keyed by commit sha). Never
    fails: a configuration the scan step will report is hashed as found."""
    from licscan.config import DEFAULT_LOCKFILE, DEFAULT_MANIFEST, resolve_config

    def get(name: str) -> str | None:
        return env.get(f"INPUT_{name}", "").strip() or None

    given = get("MANIFEST")
    manifest, lockfile = workspace / (given or DEFAULT_MANIFEST), workspace / DEFAULT_LOCKFILE
    try:
        config = resolve_config(get("CONFIG"))
        manifest = workspace / given if given else config.manifest
        lockfile = config.lockfile
    except (LicscanError, OSError, ValueError):
        pass
    digest = hashlib.sha256()
    for path in (lockfile, manifest):
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        digest.update(f"{_relative(path, workspace)}\0{len(data)}\0".encode())
        digest.update(data)
    system = re.sub(r"[^A-Za-z0-9]", "", env.get("RUNNER_OS", "")) or sys.platform
    prefix = f"licscan-{CACHE_FORMAT}-{system}-"
    temp = env.get("RUNNER_TEMP") or tempfile.gettempdir()
    return {"key": prefix + digest.hexdigest()[:40], "restore-key": prefix,
            "path": str(Path(temp) / "licscan-cache")}


def cache_key_main(env: Mapping[str, str]) -> int:
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".").resolve()
    os.chdir(workspace)
    outputs = cache_key(env, workspace)
    _set_outputs(env.get("GITHUB_OUTPUT"), outputs)
    print(f"licscan cache: {outputs['path']} (key {outputs['key']})")
    return 0


def _relative(path: Path, workspace: Path) -> str:
    try:
        return path.resolve().relative_to(workspace).as_posix()
    except ValueError:
        return path.name


# --- discovered references -------------------------------------------------------------------


def discovered_refs(paths: Sequence[str], listed: Sequence[ModelRef]) -> tuple[list[ModelRef],
                                                                                 int]:
    """The Hub models named in code and configs under `paths` that the manifest does not
    already list (at the same revision), with where they are named; and how many other
    references (local, Ollama, unresolved) the Action cannot scan."""
    if not paths:
        return [], 0
    from licscan.discover import discover
    from licscan.discover.model import HUB
    from licscan.model import ModelRef, Origin
    from licscan.targets import is_repo_id

    found = discover(list(paths), weights=False)
    seen = {_ref_key(ref) for ref in listed}
    refs, other = [], 0
    for item in found.references:
        if item.kind != HUB or not is_repo_id(item.value):
            other += 1
            continue
        ref = ModelRef(kind="hub", target=item.value, repo_id=item.value,
                       revision=item.revision, origin=Origin(item.origin.file, item.origin.line))
        if _ref_key(ref) not in seen:
            seen.add(_ref_key(ref))
            refs.append(ref)
    return refs, other


def _ref_key(ref: ModelRef, workspace: Path | None = None) -> tuple[str, ...]:
    if ref.kind == "local":
        path = Path(ref.path or ref.target)
        return ("local", _relative(path, workspace) if workspace else str(path.resolve()))
    return ("hub", ref.repo_type, ref.repo_id or ref.target, ref.revision or "")


# --- diff scope ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    mode: str  # "changed" | "all": what was evaluated
    refs: tuple[ModelRef, ...]
    skipped: int = 0
    note: str = ""  # for the summary and the comment
    warning: str = ""  # why changed scope could not be used (then every model is evaluated)


def read_event(path: str | None) -> dict[str, Any]:
    """The webhook payload of the run ($GITHUB_EVENT_PATH), or {} when there is none."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pull_request(event: Mapping[str, Any]) -> Mapping[str, Any]:
    pull = event.get("pull_request")
    return pull if isinstance(pull, dict) else {}


def _sha(side: Any) -> str | None:
    sha = side.get("sha") if isinstance(side, dict) else None
    return sha if isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{40}", sha) else None


def decide_scope(inputs: Inputs, event: Mapping[str, Any], workspace: Path, config: Config,
                 manifest: Path, refs: Sequence[ModelRef],
                 discovered: Sequence[ModelRef]) -> Scope:
    """Every model (`scope: all`, no base to compare with, or licscan.yaml changed), or only
    those added or changed since the base commit: a manifest entry that is new (or at a new
    revision), whose lockfile entry changed, whose local folder has a changed file, or a
    discovered reference that is new in a changed file. When git cannot answer, every model
    is evaluated (the gate stays closed) and a warning says why."""
    everything = (*refs, *discovered)
    if inputs.scope == "all":
        return Scope("all", everything)
    pull = _pull_request(event)
    base = inputs.base_ref or _sha(pull.get("base"))
    if base is None:
        return Scope("all", everything)
    try:
        git = _Git(workspace)
        base_commit = git.commit(base, fetch=True)
        head = inputs.head_ref or _sha(pull.get("head"))
        head_commit = git.commit(head, fetch=bool(inputs.head_ref)) if head else None
        if inputs.head_ref and head_commit is None:
            raise _GitProblem(f"head-ref {inputs.head_ref!r} is not a commit in the checkout")
        if base_commit is None:
            raise _GitProblem(f"the base commit {base[:12]} is not in the checkout and could "
                              "not be fetched (use actions/checkout with fetch-depth: 0)")
        changed = git.changed_files(base_commit, head_commit)
        settings = [*([Path(config.file)] if config.file else []), *map(Path, config.rules)]
        touched = [_relative(p, workspace) for p in settings
                   if _touches(_relative(p, workspace), changed)]
        if touched:
            return Scope("all", everything, note=f"_licscan: {touched[0]} changed in this pull "
                         "request, so every model was evaluated._")
        new_keys = _changed_keys(git, base_commit, workspace, config, manifest, refs)
    except _GitProblem as exc:
        return Scope("all", everything, warning=f"scope changed: {exc}; every model is "
                     "evaluated")
    chosen: list[ModelRef] = []
    for ref in refs:
        key = _ref_key(ref, workspace)
        if key in new_keys or (ref.kind == "local" and _touches(key[1], changed)):
            chosen.append(ref)
    chosen += _new_discoveries(git, base_commit, discovered, changed, workspace)
    skipped = len(everything) - len(chosen)
    note = (f"_licscan: {len(chosen)} model(s) added or changed since {base_commit[:12]} "
            f"evaluated; {skipped} unchanged model(s) not evaluated (scope: changed)._")
    return Scope("changed", tuple(chosen), skipped, note)


def _touches(path: str, changed: Iterable[str]) -> bool:
    """`path` (a file or folder, relative to the workspace) is or contains a changed file."""
    prefix = path.rstrip("/") + "/"
    return any(name == path or name.startswith(prefix) for name in changed)


class _GitProblem(Exception):
    pass


class _Git:
    """The few git commands diff scope needs, run in the workspace (read-only, except a
    shallow fetch of a missing base commit)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        top = self._run("rev-parse", "--show-toplevel")
        if top is None:
            raise _GitProblem("the workspace is not a git checkout")
        self.top = Path(top.decode().strip()).resolve()

    def _run(self, *args: str, check: bool = False) -> bytes | None:
        try:
            done = subprocess.run(["git", "-c", "core.quotepath=off", *args],
                                  cwd=self.workspace, capture_output=True, timeout=120,
                                  check=False, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _GitProblem(f"git {args[0]} failed: {exc}") from None
        if done.returncode != 0:
            if check:
                message = done.stderr.decode(errors="replace").strip().splitlines()
                raise _GitProblem(f"git {args[0]} failed: {message[-1] if message else ''}")
            return None
        return done.stdout

    def commit(self, ref: str, *, fetch: bool) -> str | None:
        """The full sha of `ref`, fetching it (shallow) once if the checkout lacks it."""
        for attempt in range(2):
            out = self._run("rev-parse", "--verify", "--quiet", "--end-of-options",
                            f"{ref}^{{commit}}")
            if out is not None:
                return out.decode().strip()
            if attempt == 0 and fetch:
                self._run("fetch", "--quiet", "--no-tags", "--depth=1", "origin",
                          "--end-of-options", ref)
        return None

    def changed_files(self, base: str, head: str | None) -> set[str]:
        """Paths (relative to the workspace) that differ between base and head (or the
        working tree, untracked files included)."""
        args = ["diff", "--name-only", "--no-renames", "-z", base]
        out = self._run(*args, *([head] if head else []), "--", check=True) or b""
        names = set(out.decode(errors="surrogateescape").split("\0"))
        if head is None:
            extra = self._run("ls-files", "--others", "--exclude-standard", "-z") or b""
            top = self._run("rev-parse", "--show-prefix") or b""
            prefix = top.decode().strip()
            names |= {prefix + n for n in extra.decode(errors="surrogateescape").split("\0")}
        inside = set()
        for name in names - {""}:
            try:  # not resolved: a changed symlink is the link, not its target
                inside.add((self.top / name).relative_to(self.workspace).as_posix())
            except ValueError:  # outside the workspace (it is a subfolder of the repository)
                continue
        return inside

    def show(self, commit: str, path: Path) -> bytes | None:
        """A file's bytes at `commit`, or None when it did not exist there."""
        try:
            rel = path.resolve().relative_to(self.top).as_posix()
        except ValueError:
            return None
        return self._run("show", f"{commit}:{rel}")


def _changed_keys(git: _Git, base: str, workspace: Path, config: Config, manifest: Path,
                  refs: Sequence[ModelRef]) -> set[tuple[str, ...]]:
    """Keys of the manifest entries that were not in the base manifest, or whose lockfile
    entry differs from the base lockfile's."""
    old = git.show(base, manifest)
    old_keys = _manifest_keys(old.decode("utf-8-sig", errors="replace"), manifest,
                              workspace) if old is not None else set()
    new_keys = {_ref_key(ref, workspace) for ref in refs} - old_keys
    lock_new = _lock_entries(config.lockfile.read_bytes() if config.lockfile.is_file()
                             else None)
    lock_old = _lock_entries(git.show(base, config.lockfile))
    for ref in refs:
        key = _lock_key(ref)
        if lock_new.get(key) != lock_old.get(key):
            new_keys.add(_ref_key(ref, workspace))
    return new_keys


def _lock_key(ref: ModelRef) -> tuple[str, str, str]:
    from licscan.lock.file import ref_key

    source, name = ref_key(ref)
    return source, name, ref.revision or ""


def _lock_entries(data: bytes | None) -> dict[tuple[str, str, str], str]:
    """Each lockfile entry as canonical JSON, by (source, id, requested revision); an
    unreadable lockfile has no entries (so every listed model counts as changed)."""
    try:
        lock = json.loads(data) if data else {}
    except ValueError:
        return {}
    entries: dict[tuple[str, str, str], str] = {}
    for item in lock.get("models") or () if isinstance(lock, dict) else ():
        if isinstance(item, dict):
            key = (str(item.get("source")), str(item.get("id")),
                   str(item.get("requested_revision") or ""))
            entries[key] = json.dumps(item, sort_keys=True)
    return entries


def _manifest_keys(text: str, manifest: Path, workspace: Path) -> set[tuple[str, ...]]:
    """The keys of a manifest's entries (the base version), read leniently: an entry that
    does not parse has no key, so the head's entry counts as new."""
    from licscan import safeyaml

    folder = manifest.resolve().parent
    items: list[Any]
    if manifest.suffix.lower() in (".yaml", ".yml") or re.match(r"\s*models\s*:", text):
        try:
            data = safeyaml.load(text)
        except Exception:
            return set()
        found = data.get("models") if isinstance(data, dict) else None
        items = found if isinstance(found, list) else []
    else:
        items = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    keys = set()
    for item in items:
        key = _entry_key(item, folder, workspace)
        if key is not None:
            keys.add(key)
    return keys


def _entry_key(item: Any, folder: Path, workspace: Path) -> tuple[str, ...] | None:
    from licscan.model import ModelRef
    from licscan.targets import parse_target

    try:
        if isinstance(item, str) and item:
            return _ref_key(parse_target(item, base=folder), workspace)
        if not isinstance(item, dict):
            return None
        if isinstance(item.get("path"), str):
            return ("local", _relative(folder / item["path"], workspace))
        if isinstance(item.get("id"), str):
            ref = parse_target(item["id"], base=folder)
            revision = item.get("revision")
            if isinstance(revision, str) and revision:
                ref = ModelRef(kind="hub", target=ref.target, repo_id=ref.repo_id,
                               revision=revision, repo_type=ref.repo_type)
            return _ref_key(ref, workspace)
    except LicscanError:
        return None
    return None


def _new_discoveries(git: _Git, base: str, discovered: Sequence[ModelRef], changed: set[str],
                     workspace: Path) -> list[ModelRef]:
    """Discovered references in files changed since `base` that the base version of the same
    file did not name (a reference in an unchanged file was there before)."""
    files = sorted({ref.origin.file for ref in discovered
                    if ref.origin.file and _relative(workspace / ref.origin.file, workspace)
                    in changed})
    if not files:
        return []
    from licscan.discover import discover

    before: set[tuple[str, str, str]] = set()
    with tempfile.TemporaryDirectory(prefix="licscan-base-") as tmp:
        shown = []
        for name in files:
            data = git.show(base, workspace / name)
            if data is None:
                continue
            target = Path(tmp) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            shown.append(name)
        if shown:
            old = discover([str(Path(tmp) / n) for n in shown], weights=False)
            for item in old.references:
                name = _relative(Path(item.origin.file), Path(tmp).resolve())
                before.add((name, item.value, item.revision or ""))
    return [ref for ref in discovered if ref.origin.file in files
            and (_relative(workspace / ref.origin.file, workspace), ref.repo_id or "",
                 ref.revision or "") not in before]


# --- the pull-request comment ---------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The token goes to GITHUB_API_URL only: a redirect is an error, not a second request."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


class GitHubApi:
    """The four REST calls the comment needs, with the job's token, through urllib."""

    def __init__(self, url: str, token: str, timeout: float = 20.0) -> None:
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise _ApiError(None, f"GITHUB_API_URL must be an https URL, not {url!r}")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.opener = urllib.request.build_opener(_NoRedirect())

    def call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "licscan-action",
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                raw = response.read(16 << 20)
        except urllib.error.HTTPError as exc:
            raise _ApiError(exc.code, _api_message(exc)) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _ApiError(None, f"cannot reach {self.url}: {reason}") from None
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise _ApiError(None, "the GitHub API answered with something that is not "
                                  "JSON") from None

    def login(self) -> str:
        """Who this token writes as: the user of a personal token; the job's GITHUB_TOKEN
        cannot ask (403) and writes as github-actions[bot]."""
        try:
            me = self.call("GET", "/user")
        except _ApiError as exc:
            if exc.status in (401, 403, 404):
                return ACTIONS_BOT
            raise
        login = me.get("login") if isinstance(me, dict) else None
        return login if isinstance(login, str) else ACTIONS_BOT

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in range(1, 51):  # 5,000 comments at most
            batch = self.call("GET", f"/repos/{repo}/issues/{number}/comments"
                                     f"?per_page=100&page={page}")
            if not isinstance(batch, list):
                break
            found += [c for c in batch if isinstance(c, dict)]
            if len(batch) < 100:
                break
        return found


def _api_message(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(64 << 10) or b"{}")
        message = body.get("message") if isinstance(body, dict) else None
    except (ValueError, OSError):
        message = None
    return f"HTTP {exc.code}" + (f": {str(message)[:200]}" if message else "")


def comment_body(markdown: str, env: Mapping[str, str]) -> str:
    """The marker, the summary, and a link to the run; cut to fit GitHub's limit."""
    run = ""
    server, repo, run_id = (env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                      "GITHUB_RUN_ID"))
    if server and repo and run_id.isdigit():
        run = f"\n\n[The full report and the job summary]({server}/{repo}/actions/runs/{run_id})"
    body = f"{MARKER}\n{markdown.rstrip()}"
    if len(body) + len(run) > MAX_COMMENT_CHARS:
        cut = "\n\n_… cut to fit a comment; the job summary has the whole report._"
        body = body[:MAX_COMMENT_CHARS - len(run) - len(cut)].rsplit("\n", 1)[0] + cut
    return body + run


def _ours(comment: Mapping[str, Any]) -> bool:
    body = comment.get("body")
    return isinstance(body, str) and body.startswith(MARKER)


def pull_request_comment(inputs: Inputs, event: Mapping[str, Any], env: Mapping[str, str],
                         markdown: str, failed: bool) -> tuple[str | None, str | None]:
    """Write or update the one licscan comment of the pull request: (its URL, a problem to
    warn about). `on-failure` writes a comment only when the gate fails, but always updates
    an existing one (so a fixed pull request does not keep a stale failure). A token that may
    not comment (a fork's read-only token: 403) is a warning, never a failure."""
    number = _pull_request(event).get("number")
    repo = env.get("GITHUB_REPOSITORY", "")
    if inputs.comment == "never" or not isinstance(number, int) or "/" not in repo:
        return None, None
    if not inputs.github_token:
        return None, "no github-token: the pull-request comment was not written"
    try:
        api = GitHubApi(env.get("GITHUB_API_URL") or "https://api.github.com",
                        inputs.github_token)
        me = api.login()
        # Only a comment this token wrote is updated: one a person wrote (quoting the
        # marker, or with a token that could edit it) is left alone.
        existing = [c for c in api.comments(repo, number) if _ours(c) and _author(c) == me]
        body = comment_body(markdown, env)
        for comment in existing[:1]:
            try:
                done = api.call("PATCH", f"/repos/{repo}/issues/comments/{int(comment['id'])}",
                                {"body": body})
                return _html_url(done), None
            except _ApiError as exc:
                if exc.status != 404:  # deleted meanwhile: write a new one
                    raise
        if inputs.comment == "on-failure" and not failed:
            return None, None
        done = api.call("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
        return _html_url(done), None
    except _ApiError as exc:
        why = exc.message
        if exc.status in (401, 403, 404):
            why += (" — the token may not comment: give the job `permissions: "
                    "pull-requests: write`; pull requests from forks get a read-only token, so "
                    "there the report is in the job summary only")
        return None, f"cannot write the pull-request comment on #{number}: {why}"


def _author(comment: Mapping[str, Any]) -> str | None:
    user = comment.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) else None


def _html_url(answer: Any) -> str | None:
    url = answer.get("html_url") if isinstance(answer, dict) else None
    return url if isinstance(url, str) else None


def _inside(path: str | None, workspace: Path, name: str) -> str | None:
    """An input path must stay in the workspace (the runner checks out the repository there)."""
    if path is None:
        return None
    real = (workspace / path).resolve()
    if real != workspace and workspace not in real.parents:
        raise LicscanError(f"the {name} input {path!r} is outside the workspace",
                           hint="give a path inside GITHUB_WORKSPACE")
    return path


def _render(result: Any, report: Mapping[str, Any], formats: Sequence[str],
            workspace: Path) -> dict[str, str]:
    """Through the format registry, from the typed result like every report (the JSON report
    dict built once for them all); SARIF with locations relative to the workspace, Markdown
    without autolinks."""
    from licscan.report import render_formats

    rendered = render_formats(result, formats, report, root=str(workspace))
    if "markdown" in rendered:
        rendered["markdown"] = no_autolinks(rendered["markdown"])
    return rendered


_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,31}):/(?=/)")
_WWW = re.compile(r"(?i)\b(www)\.")
_AT = re.compile(r"@(?=[\w\-])")  # e-mail addresses, @user and @org/team mentions
_BREAK = "&#8203;"  # a zero-width space, as an entity: visible in the source, not on the page


def no_autolinks(markdown: str) -> str:
    """The summary promises no links from model text, but GitHub also links bare URLs, `www.`
    names and e-mail addresses, and a pull-request comment notifies every `@user` or
    `@org/team` it names. Our Markdown has no links or mentions of its own, so every such
    pattern is broken up with a zero-width space where GitHub looks (`://`, `www.`, `@`)."""
    markdown = _SCHEME.sub(lambda m: f"{m.group(1)}:/{_BREAK}", markdown)
    markdown = _WWW.sub(lambda m: f"{m.group(1)}{_BREAK}.", markdown)
    return _AT.sub(f"@{_BREAK}", markdown)


def _write_reports(rendered: Mapping[str, str], inputs: Inputs,
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
        write_text(path, rendered[fmt], root=workspace)
        paths[fmt] = path.as_posix()
    return paths


def _failed(report: Mapping[str, Any], fail_on: str) -> bool:
    from licscan.report.model_view import verdict_rank

    return any(m.get("status") == "error" or verdict_rank(m.get("verdict"))
               >= verdict_rank(fail_on) for m in report.get("models", ()))


def _outputs(report: Mapping[str, Any], paths: Mapping[str, str], inputs: Inputs,
             failed: bool) -> dict[str, str]:
    summary = report.get("summary") or {}
    verdicts = summary.get("verdicts") or {}
    out: dict[str, str] = {
        "verdict": str(summary.get("worst_verdict", Verdict.ALLOW)),
        "failed": "true" if failed else "false", "models": str(summary.get("models", 0)),
        **{str(verdict): str(verdicts.get(verdict, 0)) for verdict in Verdict},
        "errors": str(summary.get("error", 0)), "report-dir": Path(inputs.output_dir).as_posix()}
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
