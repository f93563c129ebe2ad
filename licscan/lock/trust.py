"""What `licscan check` may believe of a lockfile, and how it verifies the rest.

The lockfile is a file in the repository: anyone who can open a pull request can edit it. So
`check` takes from it only what it cannot know offline, and recomputes everything else:

- trusted as recorded (offline there is no other source; `licscan lock --check` resolves them
  again and compares): the revision, the concluded expression, the findings and the evidence
  digests of Hub models;
- recomputed from the rule pack and the configured context: every license's facts (rule,
  name, category, family, aliases, flags, the commercial-use answer in the context) and the
  model's flags. A lockfile that states anything else was edited: `check` refuses it (exit 2)
  naming the model and the field, and decides from the recomputed facts in any case;
- checked for shape: every finding code is one licscan emits, every severity a known one, and
  the status `ok` (`licscan lock` writes nothing when a model cannot be resolved, so an entry
  marked unresolved — which the policy would send to its `unknown` verdict — was edited);
- re-read for local models: the card, the license files read when locking and a digest of the
  folder's files, so a changed LICENSE or card fails `check` until `licscan lock` runs again.

Only the rule pack loader and the light SPDX reader are used: no identification, no network.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licscan.model import Record
from licscan.policy import expr as spdx
from licscan.policy.model import BOOL_FLAGS, TRI_FLAGS, FindingFact, LeafFacts, ModelFacts
from licscan.vocab import SEVERITIES, strictness

if TYPE_CHECKING:
    from licscan.policy.facts import FactBuilder

# The folder digest: content (up to what a scan reads of one file) of every file, but only the
# size of weights and archives over that limit (a scan never reads them as license text).
MAX_HASHED_BYTES = 16 << 20
MAX_ENTRIES = 100_000
MAX_LISTED = 1_000  # files named in the lockfile, per local model
_SKIP_DIRS = frozenset({".git", ".cache", "__pycache__"})
_WEIGHTS = frozenset({".safetensors", ".bin", ".gguf", ".ggml", ".pt", ".pth", ".onnx", ".ckpt",
                      ".h5", ".msgpack", ".pkl", ".npz", ".npy", ".tflite", ".parquet", ".arrow",
                      ".zip", ".tar", ".gz", ".tgz", ".xz", ".zst", ".7z", ".model", ".keras"})


@dataclass(frozen=True, eq=False, repr=False)
class Disagreement(Record):
    field: str
    locked: Any
    expected: Any
    source: str = "by the rule pack"

    def __str__(self) -> str:
        return (f"{self.field} is {_show(self.locked)} in the lockfile, but "
                f"{_show(self.expected)} {self.source}")


def _show(value: Any) -> str:
    return "absent" if value is None else repr(value)


# --- facts from the rule pack ------------------------------------------------------------


def expression_keys(expression: str | None) -> list[str]:
    parsed = spdx.parsed(expression)
    return [] if parsed is None else list(dict.fromkeys(leaf.key for leaf in spdx.leaves(parsed)))


def model_flags(expression: str | None, builder: FactBuilder) -> dict[str, Any]:
    """The model's flags as the policy reads them (licscan.conclude.flags_for, then
    licscan.policy.facts.model_flags): per license the rule's flags, `AND` the strictest, `OR`
    the most permissive; an id without a rule is unknown for the three uses and sets no duty.
    Without a license (no expression, or one that does not parse) every flag is "unknown":
    "no attribution duty" is no fact about a license nobody determined."""
    parsed = spdx.parsed(expression)
    if parsed is None:
        return dict.fromkeys((*TRI_FLAGS, *BOOL_FLAGS), "unknown")
    unknown: dict[str, Any] = {**dict.fromkeys(TRI_FLAGS, "unknown"),
                               **dict.fromkeys(BOOL_FLAGS, False)}

    def fold(node: spdx.Expr) -> dict[str, Any]:
        if isinstance(node, spdx.Leaf):
            rule = builder.pack.by_expression_id.get(node.key.lower())
            if rule is None:
                return dict(unknown)
            f = rule.flags
            return {"commercial_use": f.commercial_use, "modification": f.modification,
                    "distribution": f.distribution, "attribution": f.attribution,
                    "share_alike": f.share_alike,
                    "acceptable_use_policy": f.acceptable_use_policy}
        parts = [fold(arg) for arg in node.args]
        pick = max if node.op == "AND" else min
        out: dict[str, Any] = {
            key: pick((p[key] for p in parts), key=strictness)
            for key in TRI_FLAGS}
        out.update({key: any(p[key] for p in parts) for key in BOOL_FLAGS})
        return out

    return fold(parsed)


def trusted_facts(facts: ModelFacts, builder: FactBuilder,
                  multimodal: bool | None) -> ModelFacts:
    """`facts` with everything the rule pack and the context determine recomputed."""
    if facts.status != "ok":
        return replace(facts, licenses={}, has_context=builder.context is not None)
    chosen = multimodal if builder.context is not None else None
    leaves = {key.lower(): builder.leaf(key, chosen) for key in expression_keys(facts.expression)}
    return replace(facts, licenses=leaves, flags=model_flags(facts.expression, builder),
                   has_context=builder.context is not None)


def disagreements(locked: ModelFacts, trusted: ModelFacts) -> list[Disagreement]:
    out: list[Disagreement] = []
    if locked.status != "ok":  # `licscan lock` writes nothing when a model is unresolved
        out.append(Disagreement("status", locked.status, "ok", "as licscan lock writes it"))
    if locked.has_context != trusted.has_context:
        out.append(Disagreement("context", locked.has_context, trusted.has_context,
                                "in licscan.yaml"))
    if locked.status == "ok":
        for key in sorted({*locked.flags, *trusted.flags}):
            if locked.flags.get(key) != trusted.flags.get(key):
                out.append(Disagreement(f"flags.{key}", locked.flags.get(key),
                                        trusted.flags.get(key)))
    for key in sorted({*locked.licenses, *trusted.licenses}):
        before, after = locked.licenses.get(key), trusted.licenses.get(key)
        label = (before or after or LeafFacts(key=key)).key
        if before is None or after is None:
            out.append(Disagreement(f"licenses[{label}]", None if before is None else "present",
                                    None if after is None else "present"))
            continue
        out += [Disagreement(f"licenses[{label}].{name}", value, theirs)
                for name, value, theirs in _leaf_fields(before, after) if value != theirs]
    out += finding_problems(locked.findings)
    return out


def _leaf_fields(a: LeafFacts, b: LeafFacts) -> Iterable[tuple[str, Any, Any]]:
    yield "rule", a.rule, b.rule
    yield "name", a.name, b.name
    yield "category", a.category, b.category
    yield "family", a.family, b.family
    yield "aliases", sorted(a.aliases), sorted(b.aliases)
    for key in sorted({*a.flags, *b.flags}):
        yield f"flags.{key}", a.flags.get(key), b.flags.get(key)
    yield "context.commercial_use", a.context, b.context
    yield "context.reason", a.context_reason, b.context_reason


def finding_problems(findings: Iterable[FindingFact]) -> list[Disagreement]:
    from licscan.policy.findings import CATALOGUE

    out = []
    for index, finding in enumerate(findings):
        if finding.code not in CATALOGUE:
            out.append(Disagreement(f"findings[{index}].code", finding.code,
                                    "a code licscan emits", "(see docs/findings.md)"))
        if finding.severity not in SEVERITIES:
            out.append(Disagreement(f"findings[{index}].severity", finding.severity,
                                    " or ".join(SEVERITIES), "in licscan"))
    return out


# --- local model folders -----------------------------------------------------------------


def _file_digest(path: Path, limit: int = MAX_HASHED_BYTES) -> str:
    digest = hashlib.sha256()
    left = limit
    with open(path, "rb") as fh:
        while left > 0 and (chunk := fh.read(min(1 << 20, left))):
            digest.update(chunk)
            left -= len(chunk)
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True, eq=False, repr=False)
class _Item(Record):
    name: str
    line: str  # the entry as it enters the folder digest
    digest: str | None = None  # a regular file's content digest
    capped: bool = False  # the walk stopped at MAX_ENTRIES: what follows is not digested


def _walk(folder: Path) -> Iterable[_Item]:
    """Every entry below `folder`, in a stable order; symlinks are not followed."""
    count = 0
    stack = [Path()]
    while stack:
        rel = stack.pop()
        try:
            entries = sorted(os.scandir(folder / rel), key=lambda e: e.name)
        except OSError as exc:
            yield _Item(rel.as_posix(), f"{rel.as_posix()}/\0unreadable {exc.errno}")
            continue
        subdirs = []
        for entry in entries:
            count += 1
            if count > MAX_ENTRIES:
                yield _Item("", "\0truncated", capped=True)
                return
            name = (rel / entry.name).as_posix()
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield _Item(name, f"{name}\0unreadable {exc.errno}")
                continue
            if stat.S_ISLNK(info.st_mode):
                yield _Item(name, f"{name}\0link {os.readlink(entry.path)}")
            elif stat.S_ISDIR(info.st_mode):
                if entry.name not in _SKIP_DIRS:
                    subdirs.append(rel / entry.name)
            elif stat.S_ISREG(info.st_mode):
                if info.st_size > MAX_HASHED_BYTES and \
                        Path(entry.name).suffix.lower() in _WEIGHTS:
                    yield _Item(name, f"{name}\0{info.st_size}")
                else:
                    digest = _safe_digest(Path(entry.path))
                    yield _Item(name, f"{name}\0{info.st_size} {digest}", digest)
        stack.extend(reversed(subdirs))


def _safe_digest(path: Path) -> str:
    try:
        return _file_digest(path)
    except OSError as exc:
        return f"unreadable {exc.errno}"


def local_evidence(folder: Path, paths: Iterable[str]) -> dict[str, Any]:
    """For the lockfile: one digest of every file in the folder, and the digest of each file
    by name (all of them up to MAX_LISTED, else the card and the license files the scan read),
    so `check` can say which file changed. A folder of more than MAX_ENTRIES entries is
    digested only that far: `capped` says why (`licscan lock` writes no such entry, `check`
    fails on one; see `over_cap`)."""
    tree = hashlib.sha256()
    digests = {}
    capped = False
    for item in _walk(folder):
        tree.update(item.line.encode("utf-8", "surrogateescape") + b"\n")
        capped = capped or item.capped
        if item.digest is not None:
            digests[item.name] = item.digest
    wanted = sorted(digests) if len(digests) <= MAX_LISTED else \
        sorted({"README.md", *paths} & set(digests))
    out = {"tree": "sha256:" + tree.hexdigest(),
           "files": [{"path": name, "sha256": digests[name]} for name in wanted]}
    if capped:
        out["capped"] = over_cap(folder)
    return out


def over_cap(folder: Path) -> str:
    """Why a folder's digest cannot stand for the folder: a change past the cap is unseen."""
    return (f"the folder {str(folder)!a} has more than {MAX_ENTRIES:,} entries, the most "
            "licscan digests, so a change past them could not be seen")


def local_changes(folder: Path, recorded: Mapping[str, Any]) -> list[str]:
    """What changed in a local model folder since the lockfile was written ([] if nothing).
    A folder over the digest's cap fails closed: it is never reported unchanged."""
    if not isinstance(recorded, Mapping) or "tree" not in recorded:
        return ["the lockfile records no digests of the folder"]
    before = {str(f.get("path")): f.get("sha256") for f in recorded.get("files") or ()
              if isinstance(f, Mapping)}
    now = local_evidence(folder, before)
    if "capped" in now:
        return [str(now["capped"])]
    if now["tree"] == recorded.get("tree"):
        return []
    after = {f["path"]: f["sha256"] for f in now["files"]}
    complete = len(before) < MAX_LISTED and len(after) < MAX_LISTED
    changed = [f"{path} {_change(path, before, after)}"
               for path in sorted({*before, *after}) if before.get(path) != after.get(path)
               and (complete or (path in before and path in after))]
    return changed or ["files were added, removed or changed"]


def _change(path: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    if path not in after:
        return "removed"
    return "added" if path not in before else "changed"


# --- weight files and Ollama models --------------------------------------------------------

WEIGHT_FORMATS = {"gguf": "GGUF", "safetensors": "safetensors", "onnx": "ONNX"}


def weight_evidence(kind: str, path: Path, shown: str) -> dict[str, Any]:
    """For the lockfile: the sha256 of what a scan reads of a weight file, never its tensors.
    GGUF and safetensors: the header's bytes from the start of the file; ONNX: the
    `metadata_props` and producer fields (the reader skips the graph between them).
    A file that cannot be read records why (check then fails on it)."""
    from licscan.errors import SourceError

    try:
        return {"format": kind, **_header_digest(kind, path, shown)}
    except SourceError as exc:
        return {"format": kind, "error": exc.message}
    except OSError as exc:
        return {"format": kind, "error": f"{shown}: cannot read: {exc.strerror or exc}"}


def _header_digest(kind: str, path: Path, shown: str) -> dict[str, Any]:
    if kind == "gguf":
        from licscan.weights.gguf import read_gguf

        length = read_gguf(path, shown).header_bytes
        return {"bytes": length, "sha256": _file_digest(path, length)}
    if kind == "safetensors":
        from licscan.weights.safetensors import read_safetensors

        length = 8 + read_safetensors(path, shown).header_bytes
        return {"bytes": length, "sha256": _file_digest(path, length)}
    if kind == "onnx":
        from licscan.weights.onnx import read_onnx

        header = read_onnx(path, shown)
        text = json.dumps({"metadata_props": dict(header.metadata), "info": dict(header.info)},
                          sort_keys=True, ensure_ascii=False)
        return {"sha256": "sha256:" + hashlib.sha256(
            text.encode("utf-8", "surrogatepass")).hexdigest()}
    raise ValueError(f"not a weight file format: {kind}")


def weight_changes(kind: str, path: Path, shown: str, recorded: Any) -> list[str]:
    """What changed in a weight file's header since the lockfile was written ([] if nothing)."""
    label = f"the {WEIGHT_FORMATS.get(kind, kind)} header"
    if not isinstance(recorded, Mapping) or not ("sha256" in recorded or "error" in recorded):
        return [f"the lockfile records no digest of {label}"]
    if "error" in recorded:
        return [f"{label} could not be read when it was locked: {recorded['error']}"]
    length = recorded.get("bytes")
    if kind in ("gguf", "safetensors") and isinstance(length, int) \
            and not isinstance(length, bool) and length > 0:
        # The header is these bytes: the reader stops where they end (a shorter file hashes
        # otherwise), so the same bytes need no parse.
        try:
            if _file_digest(path, length) == recorded.get("sha256"):
                return []
        except OSError:
            pass
    now = weight_evidence(kind, path, shown)
    if "error" in now:
        return [f"{label} cannot be read: {now['error']}"]
    return [] if now.get("sha256") == recorded.get("sha256") else [f"{label} changed"]


def ollama_evidence(store: Path, name: str, locked_header: Any = None) -> dict[str, Any]:
    """For the lockfile: what a scan reads of an Ollama model, by digest: the manifest file
    (which names every layer by its sha256), the state of each license layer (present with the
    digest of its name, or why not) and the GGUF header of the model layer (the blob is read
    in place, never hashed whole, so its header is digested as a weight file's).
    `locked_header`: the model header as locked, kept when its bytes are unchanged."""
    from licscan.errors import SourceError
    from licscan.weights import ollama

    try:
        path = ollama.manifest_path(store, name)
        if not path.is_file():
            return {"error": f"Ollama model {name} is not in the store at {store}"}
        raw = ollama.read_manifest_bytes(path)
        layers = ollama.manifest_layers(path, raw)
    except SourceError as exc:
        return {"error": exc.message}
    licenses = [{"digest": layer.digest, "status": ollama.read_license_layer(store, layer).status}
                for layer in layers if layer.media_type == ollama.LICENSE_TYPE]
    model = next((layer for layer in layers if layer.media_type == ollama.MODEL_TYPE), None)
    header = None
    if model is not None:
        try:
            blob = ollama.blob_path(store, model.digest)
        except SourceError as exc:
            header = {"format": "gguf", "error": exc.message}
        else:
            shown = f"{model.digest} (model layer)"
            same = isinstance(locked_header, Mapping) and locked_header.get("format") == "gguf" \
                and not weight_changes("gguf", blob, shown, locked_header)
            header = dict(locked_header) if same else weight_evidence("gguf", blob, shown)
    return {"manifest": "sha256:" + hashlib.sha256(raw).hexdigest(),
            "license_layers": licenses, "model_header": header}


def ollama_changes(store: Path, name: str, recorded: Any) -> list[str]:
    """What changed in an Ollama model since the lockfile was written ([] if nothing)."""
    if not isinstance(recorded, Mapping) or "manifest" not in recorded:
        why = recorded.get("error") if isinstance(recorded, Mapping) else None
        return [f"could not be read when it was locked: {why}" if why else
                "the lockfile records no digests of the Ollama model"]
    now = ollama_evidence(store, name, recorded.get("model_header"))
    if "error" in now:
        return [f"cannot be read: {now['error']}"]
    if now == dict(recorded):
        return []
    out = []
    if now["manifest"] != recorded.get("manifest"):
        out.append("the manifest changed")
    before = {str(item.get("digest")): item.get("status")
              for item in recorded.get("license_layers") or () if isinstance(item, Mapping)}
    after = {item["digest"]: item["status"] for item in now["license_layers"]}
    out += [f"license layer {digest[:19]} {before.get(digest, 'absent')} -> "
            f"{after.get(digest, 'absent')}"
            for digest in sorted({*before, *after}) if before.get(digest) != after.get(digest)]
    old_header, new_header = recorded.get("model_header"), now["model_header"]
    if old_header != new_header:
        if isinstance(new_header, Mapping) and "error" in new_header:
            out.append(f"the model layer's GGUF header cannot be read: {new_header['error']}")
        else:
            out.append("the model layer's GGUF header changed")
    return out or ["the lockfile's record of the model differs from the store"]
