"""Turn what the user typed (ids, URLs, folders, manifests) into ModelRefs."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from licscan import safeyaml
from licscan.errors import ManifestError, UsageError
from licscan.model import ModelRef, Origin
from licscan.repo_ids import escaped as _printable
from licscan.repo_ids import is_repo_id as is_repo_id
from licscan.repo_ids import validate_repo_id as validate_repo_id
from licscan.repo_ids import validate_revision as validate_revision

_HUB_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
MAX_MANIFEST_BYTES = 4 << 20
OLLAMA_PREFIX = "ollama:"
#: files scanned for their header claims (no tensor read); the kind of their ModelRef
WEIGHT_SUFFIXES = {".gguf": "gguf", ".safetensors": "safetensors", ".onnx": "onnx"}


def _from_url(url: str, origin: Origin) -> ModelRef:
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {_printable(url)!r} ({exc})") from exc
    if parts.scheme not in ("http", "https") or hostname not in _HUB_HOSTS:
        raise UsageError(f"not a Hugging Face Hub URL: {_printable(url)!r}")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    repo_type = "model"
    if segments and segments[0] in ("datasets", "models"):
        repo_type = "dataset" if segments[0] == "datasets" else "model"
        segments = segments[1:]
    if segments and segments[0] == "spaces":
        raise UsageError("Spaces are not models; give a model repository URL")
    if len(segments) < 2:
        raise UsageError(f"Hub URL does not name owner/name: {_printable(url)!r}")
    repo_id = validate_repo_id("/".join(segments[:2]))
    revision = None
    if len(segments) >= 4 and segments[2] in ("tree", "blob", "resolve"):
        revision = validate_revision(segments[3])
    return ModelRef(kind="hub", target=url, repo_id=repo_id, revision=revision, origin=origin,
                    repo_type=repo_type)


def parse_target(target: str, origin: Origin | None = None, base: Path | None = None) -> ModelRef:
    """A Hub id (owner/name[@rev]), a Hub URL, a local model folder, a GGUF or safetensors
    file, or an Ollama model (`ollama:NAME[:TAG]`)."""
    origin = origin or Origin()
    text = target.strip()
    if not text:
        raise UsageError("empty target")
    if any(not ch.isprintable() for ch in text):
        raise UsageError(f"target contains control characters: {_printable(text)!r}")
    if re.match(r"^[a-z]+://", text):
        return _from_url(text, origin)
    if text.startswith(OLLAMA_PREFIX):
        return _ollama(text, origin)
    if text.startswith("hf:"):
        text = text[3:]
    elif _looks_local(text, base):
        return local_ref(target, text, origin, base)
    repo_id, at, revision = text.partition("@")
    if at and not revision:
        raise UsageError(f"empty revision after '@' in {_printable(text)!r}")
    return ModelRef(kind="hub", target=target, repo_id=validate_repo_id(repo_id),
                    revision=validate_revision(revision) if revision else None, origin=origin)


def _looks_local(text: str, base: Path | None) -> bool:
    if text.startswith(("/", "./", "../", "~", ".\\")) or text in (".", ".."):
        return True
    candidate = (base / text) if base else Path(text)
    try:  # an existing file too: `some-model/README.md` is a valid-looking Hub id
        return candidate.exists()
    except (OSError, ValueError):
        return False


def local_ref(target: str, text: str, origin: Origin, base: Path | None = None) -> ModelRef:
    """A local model folder, or a weight file read for its header (GGUF, safetensors)."""
    path = (base / text if base and not Path(text).is_absolute() else Path(text)).expanduser()
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot use {_printable(text)!r} as a local model: {exc}") from exc
    if is_dir:
        return ModelRef(kind="local", target=target, path=str(path), origin=origin)
    kind = WEIGHT_SUFFIXES.get(path.suffix.lower())
    if is_file and kind is not None:
        return ModelRef(kind=kind, target=target, path=str(path), origin=origin)
    if is_file:
        parent = path.parent
        raise UsageError(f"{_printable(text)} is a file, not a model folder",
                         hint=f"give the folder that holds it ({_printable(str(parent))}), or a "
                              ".gguf or .safetensors file")
    if kind is not None:
        raise UsageError(f"weight file does not exist: {_printable(text)}")
    raise UsageError(f"local model folder does not exist: {_printable(text)}")


def _ollama(text: str, origin: Origin) -> ModelRef:
    from licscan.errors import SourceError
    from licscan.weights.sources import ollama_ref

    try:
        return ollama_ref(text, origin=origin)
    except SourceError as exc:
        raise UsageError(exc.message, hint="an Ollama model: ollama:NAME[:TAG], as `ollama "
                                           "list` shows it (llama3.1:8b, hf.co/owner/name:Q4_K_M)"
                         ) from exc


def load_manifest(path: str | Path, display_name: str | None = None) -> list[ModelRef]:
    """Read a YAML manifest (`models:` list) or a text manifest (one target per line).

    `display_name` is how reports name the file (default: the path as given)."""
    file = display_name or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read manifest: {exc.strerror or exc}", file=file) from exc
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"manifest is larger than {MAX_MANIFEST_BYTES} bytes", file=file)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError("manifest is not UTF-8 text", file=file) from exc
    base = Path(path).resolve().parent
    if Path(path).suffix.lower() in (".yaml", ".yml") or re.match(r"\s*models\s*:", text):
        return _yaml_manifest(text, file, base)
    return _text_manifest(text, file, base)


def _text_manifest(text: str, file: str, base: Path) -> list[ModelRef]:
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        try:
            refs.append(parse_target(content, Origin(file, number), base))
        except UsageError as exc:
            raise ManifestError(exc.message, file=file, line=number, hint=exc.hint) from exc
    return refs


def _yaml_manifest(text: str, file: str, base: Path) -> list[ModelRef]:
    try:
        data, node = safeyaml.compose(text)
    except safeyaml.YamlProblem as exc:
        raise ManifestError(exc.message, file=file, line=exc.line) from exc
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ManifestError("expected a mapping with a 'models:' list", file=file,
                            line=safeyaml.line_of(node), key="models")
    item_nodes = safeyaml.sequence_item_nodes(safeyaml.mapping_value_node(node, "models"))
    refs = []
    for index, item in enumerate(data["models"]):
        line = safeyaml.line_of(item_nodes[index]) if index < len(item_nodes) else None
        try:
            refs.append(_manifest_entry(item, Origin(file, line), base))
        except UsageError as exc:
            raise ManifestError(exc.message, file=file, line=line, key=f"models[{index}]",
                                hint=exc.hint) from exc
    return refs


def _manifest_entry(item: object, origin: Origin, base: Path) -> ModelRef:
    if isinstance(item, str):
        return parse_target(item, origin, base)
    if not isinstance(item, dict):
        raise UsageError("each entry must be a string or a mapping with 'id' or 'path'")
    unknown = set(item) - {"id", "revision", "path", "name", "notes"}
    if unknown:
        raise UsageError(f"unknown key(s) {sorted(map(str, unknown))}",
                         hint="entries take id, revision, path (and optional name, notes)")
    if ("id" in item) == ("path" in item):
        raise UsageError("each entry needs exactly one of 'id' or 'path'")
    if "path" in item:
        if not isinstance(item["path"], str):
            raise UsageError("'path' must be a string")
        return local_ref(item["path"], item["path"], origin, base)
    repo_id, revision = item["id"], item.get("revision")
    if not isinstance(repo_id, str) or (revision is not None and not isinstance(revision, str)):
        raise UsageError("'id' and 'revision' must be strings")
    if repo_id.startswith(OLLAMA_PREFIX):
        if revision is not None:
            raise UsageError("an Ollama model takes its tag in the name (ollama:NAME:TAG), "
                             "not 'revision'")
        return _ollama(repo_id, origin)
    if "@" in repo_id or "://" in repo_id:
        ref = parse_target(repo_id, origin, base)
        if revision:
            ref = ModelRef(kind="hub", target=repo_id, repo_id=ref.repo_id,
                           revision=validate_revision(revision), origin=origin)
        return ref
    return ModelRef(kind="hub", target=repo_id, repo_id=validate_repo_id(repo_id),
                    revision=validate_revision(revision) if revision else None, origin=origin)
