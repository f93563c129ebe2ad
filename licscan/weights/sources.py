"""Weight files and the Ollama store as scan sources: a `Snapshot` from headers alone.

A GGUF's `general.license*` keys (a safetensors `__metadata__` license, an ONNX model's
`metadata_props`) are a claim like a card's, so they become the snapshot's card
data (origin "gguf-header"); its `general.base_model.N.repo_url` become `base_model` (relation
"quantized": a GGUF is a conversion of its base), which lineage follows. An Ollama model adds
its license layers as license files (identified like any LICENSE). Nothing here reaches the
network; the scan wires these in next to `fetch_local` (see docs/discovery.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from licscan.discover.values import hub_url
from licscan.errors import SourceError
from licscan.model import FileBlob, ModelRef, Origin, Snapshot
from licscan.repo_ids import is_repo_id
from licscan.sources.files import make_blob
from licscan.weights.gguf import GGUFHeader, read_gguf
from licscan.weights.ollama import (
    OllamaModel,
    StoreProblem,
    default_store,
    list_names,
    read_model,
)
from licscan.weights.onnx import OnnxHeader, read_onnx
from licscan.weights.safetensors import read_safetensors

OLLAMA_PREFIX = "ollama:"


def gguf_card_data(header: GGUFHeader) -> dict[str, Any]:
    """Card-like metadata from a GGUF header (only the keys it has)."""
    card: dict[str, Any] = {}
    for key, field in (("general.license", "license"), ("general.license.name", "license_name"),
                       ("general.license.link", "license_link")):
        value = header.text(key)
        if value:
            card[field] = value.strip()
    bases = []
    for base in header.base_models:
        named = hub_url(base.repo_url) if base.repo_url else None
        if named is not None and named.value not in bases:
            bases.append(named.value)
    if bases:
        card["base_model"] = bases if len(bases) > 1 else bases[0]
        card["base_model_relation"] = "quantized"
    return card


def _header_notes(header: GGUFHeader) -> list[str]:
    notes = [f"read from the GGUF header of {header.path} (version {header.version}, "
             f"{header.kv_count} keys; no tensor read)"]
    if header.name:
        notes.append(f"general.name: {header.name}")
    for url in header.source_urls:
        notes.append(f"general.source: {url}")
    for base in header.base_models:
        if base.repo_url is None or hub_url(base.repo_url) is None:
            label = " ".join(p for p in (base.organization, base.name, base.version) if p)
            notes.append(f"base model {base.index} named without a Hub URL: {label or '?'}"
                         + (f" ({base.repo_url})" if base.repo_url else ""))
    return notes + list(header.notes)


def fetch_gguf(ref: ModelRef) -> Snapshot:
    """A local .gguf file (ref.path). Raises SourceError."""
    path = Path(ref.path or ref.target).expanduser()
    header = read_gguf(path, ref.target)
    return Snapshot(ref=ref, source="local", revision=None, card_data=gguf_card_data(header),
                    card_data_origin="gguf-header", readme=None, files=(),
                    listing=(path.name,), notes=tuple(_header_notes(header)))


def fetch_safetensors(ref: ModelRef) -> Snapshot:
    """A local .safetensors file: its `__metadata__` license claim, if any."""
    path = Path(ref.path or ref.target).expanduser()
    header = read_safetensors(path, ref.target)
    card = {"license": header.license} if header.license else {}
    return Snapshot(ref=ref, source="local", revision=None, card_data=card,
                    card_data_origin="safetensors-metadata", readme=None, files=(),
                    listing=(path.name,),
                    notes=(f"read from the safetensors header of {ref.target} "
                           f"({header.tensor_count} tensors; no tensor read)",))


def onnx_card_data(header: OnnxHeader) -> dict[str, Any]:
    """Card-like metadata from an ONNX model's `metadata_props` (no key is standard: the
    spellings exporters use for a license, its name and link, and a base model)."""
    card: dict[str, Any] = {}
    props = {k.strip().lower().replace("-", "_").replace(".", "_"): v.strip()
             for k, v in header.metadata.items() if v.strip()}
    for field, keys in (("license", ("license", "license_id", "licence")),
                        ("license_name", ("license_name",)),
                        ("license_link", ("license_link", "license_url"))):
        value = next((props[k] for k in keys if k in props), None)
        if value:
            card[field] = value
    base = next((props[k] for k in ("base_model", "base_model_id", "source_model") if k in props),
                None)
    named = hub_url(base) if base and base.startswith("http") else None
    repo = named.value if named is not None else base
    if repo and is_repo_id(repo) and "/" in repo:
        card["base_model"] = repo
        card["base_model_relation"] = "quantized"  # an export is a conversion of its base
    return card


def fetch_onnx(ref: ModelRef) -> Snapshot:
    """A local .onnx model: its `metadata_props` (the graph and initialisers are skipped)."""
    path = Path(ref.path or ref.target).expanduser()
    header = read_onnx(path, ref.target)
    producer = " ".join(v for v in (header.info.get("producer_name"),
                                    header.info.get("producer_version")) if v)
    notes = [f"read from the ONNX metadata_props of {ref.target} ({len(header.metadata)} "
             f"entries{f', produced by {producer}' if producer else ''}; no tensor read)"]
    if header.metadata and not onnx_card_data(header).get("license"):
        notes.append("metadata_props name no license: "
                     + ", ".join(sorted(header.metadata)[:20]))
    return Snapshot(ref=ref, source="local", revision=None, card_data=onnx_card_data(header),
                    card_data_origin="onnx-metadata", readme=None, files=(),
                    listing=(path.name,), notes=tuple(notes))


def ollama_ref(name: str, store: Path | None = None, origin: Origin | None = None) -> ModelRef:
    """`ollama:NAME[:TAG]` (or NAME) as a reference; the store is kept in `path`."""
    from licscan.weights.ollama import parse_name

    bare = name[len(OLLAMA_PREFIX):] if name.startswith(OLLAMA_PREFIX) else name
    parse_name(bare)  # raises SourceError("bad-name") early
    return ModelRef(kind="ollama", target=OLLAMA_PREFIX + bare,
                    path=str(store or default_store()), origin=origin or Origin())


def ollama_snapshot(ref: ModelRef, model: OllamaModel) -> Snapshot:
    files: list[FileBlob] = []
    for number, text in enumerate(model.licenses, start=1):
        name = f"license-layer-{number}-{text.digest.removeprefix('sha256:')[:12]}"
        if text.data is not None:
            files.append(make_blob(name, text.data))
        else:
            files.append(FileBlob(name, text.size, None, None,
                                  "too-large" if text.status == "too-large" else "unreadable",
                                  text.reason))
    card = gguf_card_data(model.gguf) if model.gguf is not None else {}
    hub = model.hub_repo_id
    if hub and "base_model" not in card:
        card["base_model"] = hub
        card["base_model_relation"] = "quantized"
    notes = [f"Ollama model {model.name} from {model.manifest}"]
    if model.gguf is not None:
        notes += _header_notes(model.gguf)
    notes += [f"could not read: {p}" for p in model.problems]
    if not model.licenses:
        notes.append("the Ollama manifest has no license layer")
    model_layer = next((layer.digest.removeprefix("sha256:") for layer in model.layers
                        if layer.media_type.endswith(".model")), None)
    return Snapshot(ref=ref, source="local", revision=model_layer, card_data=card,
                    card_data_origin="gguf-header" if model.gguf is not None else "none",
                    readme=None, files=tuple(files),
                    listing=tuple(f.path for f in files), notes=tuple(notes))


def fetch_ollama(ref: ModelRef, header_cache: Path | None = None) -> Snapshot:
    """`ollama:NAME:TAG` from the store in ref.path (default: $OLLAMA_MODELS). Offline.
    `header_cache`: where model-layer headers are kept between runs (the licscan cache)."""
    store = Path(ref.path) if ref.path else default_store()
    name = ref.target[len(OLLAMA_PREFIX):] if ref.target.startswith(OLLAMA_PREFIX) else ref.target
    return ollama_snapshot(ref, read_model(store, name, header_cache))


def ollama_store_refs(store: Path | None = None) -> tuple[list[ModelRef], list[StoreProblem]]:
    """Every model of the store as a reference (`--ollama`); broken manifests as problems."""
    where = store or default_store()
    names, problems = list_names(where)
    refs = []
    for (host, namespace, model, tag), _path in names:
        name = OllamaModel(host, namespace, model, tag, "", (), (), None).name
        refs.append(ModelRef(kind="ollama", target=OLLAMA_PREFIX + name, path=str(where)))
    return refs, problems


def hf_cache_refs(cache_dir: Path | None = None) -> list[ModelRef]:
    """Every model repository of the Hugging Face cache as a local reference (`--hf-cache`).

    `fetch_local` already reads a `models--owner--name` folder offline (its refs/main snapshot).
    """
    root = cache_dir or _hf_cache_dir()
    if not root.is_dir():
        raise SourceError("not-found", f"no Hugging Face cache at {root}",
                          hint="set HF_HUB_CACHE or HF_HOME, or pass the folder")
    refs = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("models--") and (entry / "snapshots").is_dir():
            refs.append(ModelRef(kind="local", target=str(entry), path=str(entry)))
    return refs


def _hf_cache_dir() -> Path:
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    home = os.environ.get("HF_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".cache" / "huggingface"
    return base / "hub"
