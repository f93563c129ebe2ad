"""The Ollama model store, offline: manifests, license layers, the model layer's GGUF header.

Layout (`$OLLAMA_MODELS`, default ~/.ollama/models):
    manifests/<host>/<namespace>/<model>/<tag>   OCI-style JSON manifest
    blobs/sha256-<hex>                           layers by digest (older stores: sha256:<hex>)
A library model `llama3.1:8b` lives at manifests/registry.ollama.ai/library/llama3.1/8b, a Hub
GGUF `hf.co/owner/name:Q4_K_M` at manifests/hf.co/owner/name/Q4_K_M.

License layers (`application/vnd.ollama.image.license`, possibly several) are returned as
bytes, capped and checked against their digest, for identification; of the model layer only
the GGUF header is read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from licscan.errors import SourceError
from licscan.weights.gguf import GGUFHeader, Value, read_gguf

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"
LICENSE_TYPE = "application/vnd.ollama.image.license"
MODEL_TYPE = "application/vnd.ollama.image.model"
ADAPTER_TYPE = "application/vnd.ollama.image.adapter"
MAX_MANIFEST_BYTES = 1 << 20
MAX_LICENSE_BYTES = 1 << 20  # as for license files read from a repository
MAX_MODELS = 10_000
_DIGEST = re.compile(r"^sha256[:-]([0-9a-f]{64})$")
_PART = re.compile(r"^[A-Za-z0-9][\w.\-]{0,127}$")


@dataclass(frozen=True)
class Layer:
    media_type: str
    digest: str  # sha256:<hex>
    size: int


@dataclass(frozen=True)
class LicenseText:
    """One license layer. `data` is None when it could not be read (see status/reason)."""

    digest: str
    size: int
    data: bytes | None
    status: str = "ok"  # "ok" | "missing" | "too-large" | "unreadable" | "digest-mismatch"
    reason: str | None = None


@dataclass(frozen=True)
class OllamaModel:
    host: str
    namespace: str
    model: str
    tag: str
    manifest: str  # path of the manifest file
    layers: tuple[Layer, ...]
    licenses: tuple[LicenseText, ...]
    gguf: GGUFHeader | None
    problems: tuple[str, ...] = ()  # what could not be read (the model layer, a license layer)

    @property
    def name(self) -> str:
        """As `ollama list` shows it: llama3.1:8b, user/model:tag, hf.co/owner/name:tag."""
        if self.host == DEFAULT_HOST:
            base = self.model if self.namespace == DEFAULT_NAMESPACE else \
                f"{self.namespace}/{self.model}"
        else:
            base = f"{self.host}/{self.namespace}/{self.model}"
        return f"{base}:{self.tag}"

    @property
    def hub_repo_id(self) -> str | None:
        """The Hub repository of a model pulled from hf.co / huggingface.co."""
        if self.host in ("hf.co", "huggingface.co"):
            return f"{self.namespace}/{self.model}"
        return None


@dataclass(frozen=True)
class StoreProblem:
    path: str
    reason: str


def default_store() -> Path:
    env = os.environ.get("OLLAMA_MODELS")
    return Path(env).expanduser() if env else Path.home() / ".ollama" / "models"


def parse_name(text: str) -> tuple[str, str, str, str]:
    """(host, namespace, model, tag) of `llama3.1:8b`, `user/m`, `hf.co/owner/name:Q4_K_M`."""
    name = text.strip()
    if name.startswith("ollama:"):
        name = name[len("ollama:"):]
    base, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    parts = base.split("/")
    if len(parts) == 1:
        host, namespace, model = DEFAULT_HOST, DEFAULT_NAMESPACE, parts[0]
    elif len(parts) == 2:
        host, namespace, model = DEFAULT_HOST, parts[0], parts[1]
    elif len(parts) == 3:
        host, namespace, model = parts
    else:
        raise SourceError("bad-name", f"not an Ollama model name: {text!r}")
    tag = tag or DEFAULT_TAG
    for part in (host, namespace, model, tag):
        if not _PART.match(part) or ".." in part:
            raise SourceError("bad-name", f"not an Ollama model name: {text!r}")
    return host, namespace, model, tag


def read_model(store: Path, name: str, header_cache: Path | None = None) -> OllamaModel:
    """One model of the store by name. Raises SourceError (not-found, bad-manifest).
    `header_cache`: a folder where model-layer headers are kept between runs."""
    host, namespace, model, tag = parse_name(name)
    path = manifest_path(store, name)
    if not path.is_file():
        raise SourceError("not-found", f"Ollama model {name} is not in the store at {store}",
                          hint="ollama list shows the models present")
    return read_manifest(store, path, (host, namespace, model, tag), header_cache)


def list_models(store: Path) -> tuple[list[OllamaModel], list[StoreProblem]]:
    """Every model in the store, read (headers and license layers); a broken manifest is a
    problem, the rest still listed."""
    names, problems = list_names(store)
    models = []
    for name, path in names:
        try:
            models.append(read_manifest(store, path, name))
        except SourceError as exc:
            problems.append(StoreProblem(str(path), exc.message))
    return models, problems


def list_names(store: Path,
               ) -> tuple[list[tuple[tuple[str, str, str, str], Path]], list[StoreProblem]]:
    """(host, namespace, model, tag) and manifest path of every model, without reading
    layers; a manifest that is not JSON with layers is a problem here already."""
    root = store / "manifests"
    if not root.is_dir():
        raise SourceError("not-found", f"no Ollama store at {store} (no manifests folder)",
                          hint="set OLLAMA_MODELS to the store's folder")
    found: list[tuple[tuple[str, str, str, str], Path]] = []
    problems: list[StoreProblem] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        rel = Path(dirpath).relative_to(root).parts
        for file in sorted(filenames):
            path = Path(dirpath) / file
            if len(rel) != 3:
                problems.append(StoreProblem(str(path), "not at manifests/<host>/<namespace>/"
                                                        "<model>/<tag>; skipped"))
                continue
            if len(found) >= MAX_MODELS:
                problems.append(StoreProblem(str(root), f"more than {MAX_MODELS} models; "
                                                        "the rest were not read"))
                return found, problems
            try:
                _layers(path)
            except SourceError as exc:
                problems.append(StoreProblem(str(path), exc.message))
                continue
            found.append(((rel[0], rel[1], rel[2], file), path))
    return found, problems


def read_manifest(store: Path, path: Path, name: tuple[str, str, str, str],
                  header_cache: Path | None = None) -> OllamaModel:
    layers = _layers(path)
    licenses = []
    gguf = None
    problems = []
    for layer in layers:
        if layer.media_type == LICENSE_TYPE:
            licenses.append(_license(store, layer))
        elif layer.media_type == MODEL_TYPE and gguf is None:
            try:
                gguf = _model_header(store, layer.digest, header_cache)
            except SourceError as exc:
                problems.append(exc.message)
    if not any(layer.media_type == MODEL_TYPE for layer in layers):
        problems.append("the manifest has no model layer")
    host, namespace, model, tag = name
    return OllamaModel(host=host, namespace=namespace, model=model, tag=tag, manifest=str(path),
                       layers=layers, licenses=tuple(licenses), gguf=gguf,
                       problems=tuple(problems))


_HEADERS: dict[tuple[str, str, int, int, int], GGUFHeader] = {}
_HEADERS_LOCK = threading.Lock()


def _model_header(store: Path, digest: str, header_cache: Path | None = None) -> GGUFHeader:
    """The GGUF header of a model layer. Blobs are named by their content digest, so one
    header serves every tag that shares the blob (llama3:latest and llama3:8b), and, kept in
    `header_cache`, every later run: the entry is used only while the blob has the same size,
    modification time, inode and change time (the model layer is too large to hash on every
    run; a blob rewritten in place gets a new change time even when its modification time is
    set back).

    The header cache is trusted as the snapshot cache is (licscan.sources.cache): its root and
    `gguf-headers/` must be the user's own and not writable by group or others, an entry a
    regular file (no symlink) with the same owner and mode, and its content carry the sha256
    recorded when it was written. Anything else is a miss: the blob's header is read again."""
    blob = blob_path(store, digest)
    try:
        info = os.stat(blob)
    except OSError as exc:
        raise SourceError("unreadable", f"{digest} (model layer): cannot read: "
                                        f"{exc.strerror or exc}") from exc
    key = (str(blob), digest, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    with _HEADERS_LOCK:
        cached = _HEADERS.get(key)
    if cached is not None:
        return cached
    shown = f"{digest} (model layer)"
    identity = {"digest": digest, "size": info.st_size, "mtime_ns": info.st_mtime_ns,
                "inode": info.st_ino, "ctime_ns": info.st_ctime_ns}
    folder = _header_folder(header_cache) if header_cache is not None else None
    entry = folder / (
        f"{digest.removeprefix('sha256:')}-{info.st_size}-{info.st_mtime_ns}-{info.st_ino}"
        f"-v{HEADER_CACHE_VERSION}.json") if folder is not None else None
    header = _load_header(entry, shown, identity) if entry is not None else None
    if header is None:
        header = read_gguf(blob, shown)
        if entry is not None:
            _store_header(entry, header, identity)
    with _HEADERS_LOCK:
        if len(_HEADERS) > 256:
            _HEADERS.clear()
        _HEADERS[key] = header
    return header


HEADER_CACHE_VERSION = 2  # 2: the entry's digest and the blob it describes inside it
MAX_HEADER_ENTRY_BYTES = 8 << 20  # general.* values only; a bigger entry is a miss
log = logging.getLogger("licscan.cache")


def _header_folder(root: Path) -> Path | None:
    """`root/gguf-headers` if it can be used: created if need be, and it and the cache root
    the user's own and not writable by others; None (no cache, said in the debug log)."""
    from licscan.sources.cache import private_folder, untrusted

    folder = root / "gguf-headers"
    try:
        private_folder(folder, root)
    except OSError as exc:
        log.debug("cache: no GGUF header cache at %s: %s", folder, exc.strerror or exc)
        return None
    for path, follow in ((root, True), (folder, False)):
        why = untrusted(path, follow=follow, directory=True)
        if why is not None:
            log.debug("cache: GGUF header cache not used: %s", why)
            return None
    return folder


def _load_header(entry: Path, shown: str, identity: dict[str, object]) -> GGUFHeader | None:
    """The header kept in `entry`, or None: absent, not trusted, damaged, or for another blob."""
    from licscan.sources.cache import _Broken, _read_at_most, _verified, untrusted

    why = untrusted(entry, follow=False, directory=False)
    if why is not None:
        if not why.endswith("does not exist"):
            log.debug("cache: ignoring %s: %s", entry, why)
        return None
    raw = _read_at_most(entry, MAX_HEADER_ENTRY_BYTES)
    if raw is None:
        return None
    try:
        data = _verified(json.loads(raw))
        if data.get("blob") != identity:
            return None
        metadata: dict[str, Value] = {}
        for key, value in data["metadata"].items():
            if isinstance(value, list):
                if not all(isinstance(v, str) for v in value):
                    return None
                metadata[key] = tuple(value)
            elif isinstance(value, str | int | float | bool):
                metadata[key] = value
            else:
                return None
        return GGUFHeader(path=shown, version=int(data["version"]),
                          byte_order=str(data["byte_order"]),
                          tensor_count=int(data["tensor_count"]),
                          kv_count=int(data["kv_count"]), metadata=metadata,
                          header_bytes=int(data["header_bytes"]),
                          notes=tuple(str(n) for n in data["notes"]))
    except (_Broken, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.debug("cache: ignoring %s: %s", entry, exc)
        return None  # unusable: read the blob again (and the entry is written anew)


def _store_header(entry: Path, header: GGUFHeader, identity: dict[str, object]) -> None:
    from licscan.sources.cache import _signed, _write_atomic

    data = {"blob": identity, "version": header.version, "byte_order": header.byte_order,
            "tensor_count": header.tensor_count, "kv_count": header.kv_count,
            "metadata": dict(header.metadata), "header_bytes": header.header_bytes,
            "notes": list(header.notes)}
    try:
        _write_atomic(entry, json.dumps(_signed(data), sort_keys=True).encode("utf-8"))
    except (OSError, TypeError, ValueError) as exc:
        log.debug("cache: not storing %s: %s", entry, exc)  # no cache; the header was read


def blob_path(store: Path, digest: str) -> Path:
    match = _DIGEST.match(digest)
    if not match:
        raise SourceError("bad-manifest", f"not a sha256 digest: {digest[:80]!r}")
    modern = store / "blobs" / f"sha256-{match.group(1)}"
    legacy = store / "blobs" / f"sha256:{match.group(1)}"
    return legacy if not modern.exists() and legacy.exists() else modern


def manifest_path(store: Path, name: str) -> Path:
    """Where the manifest of `name` is (whether or not it exists); SourceError for a bad name."""
    host, namespace, model, tag = parse_name(name)
    return store / "manifests" / host / namespace / model / tag


def read_manifest_bytes(path: Path) -> bytes:
    """The manifest file's bytes (at most one more than MAX_MANIFEST_BYTES). Raises
    SourceError (unreadable)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise SourceError("unreadable", f"broken Ollama manifest {path}: "
                                        f"{exc.strerror or exc}") from exc


def manifest_layers(path: Path, raw: bytes) -> tuple[Layer, ...]:
    """The layers of the manifest read from `path` as `raw`. Raises SourceError."""
    bad = f"broken Ollama manifest {path}"
    if len(raw) > MAX_MANIFEST_BYTES:
        raise SourceError("bad-manifest", f"{bad}: larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SourceError("bad-manifest", f"{bad}: not JSON ({exc})") from exc
    items = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SourceError("bad-manifest", f"{bad}: no 'layers' list")
    layers = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("mediaType"), str) \
                or not isinstance(item.get("digest"), str) \
                or not _DIGEST.match(item["digest"]):
            raise SourceError("bad-manifest", f"{bad}: layer {i} lacks a mediaType or a "
                                              "sha256 digest")
        size = item.get("size")
        layers.append(Layer(item["mediaType"], "sha256:" + item["digest"][7:],
                            size if isinstance(size, int) and size >= 0 else -1))
    return tuple(layers)


def _layers(path: Path) -> tuple[Layer, ...]:
    return manifest_layers(path, read_manifest_bytes(path))


def read_license_layer(store: Path, layer: Layer) -> LicenseText:
    """A license layer's bytes, capped and checked against its digest (status says why not)."""
    return _license(store, layer)


def _license(store: Path, layer: Layer) -> LicenseText:
    path = blob_path(store, layer.digest)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return LicenseText(layer.digest, 0, None, "unreadable", "not a regular file")
        if info.st_size > MAX_LICENSE_BYTES:
            return LicenseText(layer.digest, info.st_size, None, "too-large",
                               f"{info.st_size} bytes exceeds the {MAX_LICENSE_BYTES}-byte "
                               "limit for license texts")
        data = path.read_bytes()
    except FileNotFoundError:
        return LicenseText(layer.digest, 0, None, "missing", "the blob is not in the store")
    except OSError as exc:
        return LicenseText(layer.digest, 0, None, "unreadable", exc.strerror or str(exc))
    if "sha256:" + hashlib.sha256(data).hexdigest() != layer.digest:
        return LicenseText(layer.digest, len(data), None, "digest-mismatch",
                           "the blob's sha256 is not the manifest's digest")
    return LicenseText(layer.digest, len(data), data)
