"""Find every model a project uses: code, configs and weight files in a source tree.

`discover(paths)` walks each path (a folder or a file) and returns a `Discovery`: references
with their origin, weight files with the claims in their headers, and per-item errors (the
walk never stops for one bad file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from licscan.discover.configs import (
    CONFIG_TRIGGERS,
    find_dockerfile,
    find_env,
    find_json,
    find_modelfile,
    find_shell,
    find_toml,
    find_yaml,
)
from licscan.discover.markdown import find_markdown
from licscan.discover.model import (
    HUB,
    Discovery,
    ItemError,
    Location,
    Reference,
    WeightFile,
)
from licscan.discover.python import TRIGGERS, find_python
from licscan.discover.values import hub_url
from licscan.discover.walk import MAX_TEXT_BYTES, Found, Skipped, classify_name, walk
from licscan.errors import SourceError, UsageError

Finder = Callable[[str, str], tuple[list[Reference], list[ItemError]]]
_TEXT_FINDERS: dict[str, Finder] = {
    "yaml": find_yaml, "json": find_json, "toml": find_toml, "dockerfile": find_dockerfile,
    "modelfile": find_modelfile, "shell": find_shell, "env": find_env,
    "markdown": find_markdown,
}

PARALLEL_MIN_FILES = 500  # below this, starting processes costs more than it saves
MAX_WORKERS = 4

__all__ = ["Discovery", "Location", "Reference", "WeightFile", "discover", "read_weight"]


def discover(paths: Sequence[str | Path], *, weights: bool = True,
             max_text_bytes: int = MAX_TEXT_BYTES) -> Discovery:
    refs: list[Reference] = []
    found_weights: list[WeightFile] = []
    errors: list[ItemError] = []
    skipped: list[tuple[str, str]] = []
    files_read = 0
    pending: list[tuple[Found, Path]] = []
    for raw in paths:
        items, base = _items(raw, max_text_bytes)
        for item in items:
            if isinstance(item, ItemError):
                errors.append(item)
            elif isinstance(item, Skipped):
                skipped.append((item.shown, item.reason))
            elif item.kind in ("gguf", "safetensors", "onnx"):
                if not weights:
                    continue
                files_read += 1
                try:
                    weight = read_weight(item.path, item.shown, item.kind, item.size)
                except SourceError as exc:
                    errors.append(ItemError(Location(item.shown), exc.message))
                    continue
                found_weights.append(weight)
                refs.extend(_weight_refs(weight))
            else:
                files_read += 1
                pending.append((item, base))
    for new_refs, new_errors in _read_all(pending):
        refs.extend(new_refs)
        errors.extend(new_errors)
    unique = {(r.sort_key(), r.subfolder, r.notes): r for r in refs}
    return Discovery(references=tuple(sorted(unique.values(), key=Reference.sort_key)),
                     weights=tuple(sorted(found_weights, key=lambda w: w.origin)),
                     errors=tuple(sorted(errors, key=lambda e: (e.origin.file,
                                                                e.origin.line or 0))),
                     files_read=files_read, skipped=tuple(sorted(skipped)))


def _items(raw: str | Path, max_text_bytes: int,
           ) -> tuple[Iterable[Found | Skipped | ItemError], Path]:
    """What one PATH argument yields to read, and the folder its relative paths start from."""
    root = Path(raw)
    shown_root = str(raw)
    if root.is_dir():
        return walk(root, shown_root, max_text_bytes), root
    if root.is_file():
        kind = classify_name(root.name) or "python" if root.suffix == ".py" else \
            classify_name(root.name)
        if kind is None:
            raise UsageError(f"not a file discovery reads: {shown_root}",
                             hint="give a folder, or a Python, config, Dockerfile, "
                                  "Modelfile, Markdown or weight file")
        return [Found(root, shown_root, kind, root.stat().st_size)], root.parent
    raise UsageError(f"no such file or folder: {shown_root}")


def _read_all(pending: list[tuple[Found, Path]],
              ) -> list[tuple[list[Reference], list[ItemError]]]:
    """Each file's references, in order. Parsing Python is most of the time on a large tree
    (bench/discover_speed.py), so a large batch is shared among forked processes (nothing to
    import again) when there are several cores and this process runs no other thread that a
    fork could leave in a broken state."""
    import multiprocessing
    import threading

    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(pending) < PARALLEL_MIN_FILES or workers < 2 or threading.active_count() > 1 \
            or "fork" not in multiprocessing.get_all_start_methods():
        return [_read_text(item, base) for item, base in pending]
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_read_one, pending,
                                 chunksize=max(16, len(pending) // (workers * 8))))
    except (BrokenProcessPool, OSError):  # no processes to be had: the same work, here
        return [_read_text(item, base) for item, base in pending]


def _read_one(job: tuple[Found, Path]) -> tuple[list[Reference], list[ItemError]]:
    return _read_text(*job)


def _read_text(item: Found, base: Path) -> tuple[list[Reference], list[ItemError]]:
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        return [], [ItemError(Location(item.shown), f"cannot read: {exc.strerror or exc}")]
    if b"\0" in data[:8192]:
        return [], [ItemError(Location(item.shown),
                              f"a binary file with a {item.kind} name; not read")]
    if item.kind in ("python", "notebook") and not TRIGGERS.search(data):
        return [], []
    if item.kind not in ("python", "notebook", "modelfile") and not CONFIG_TRIGGERS.search(
            data.decode("utf-8", errors="replace")):
        return [], []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [ItemError(Location(item.shown), f"not UTF-8 text ({exc.reason} at byte "
                                                    f"{exc.start}); not read")]
    if item.kind == "python":
        folder = item.path.parent

        def is_local(value: str) -> bool:
            return (folder / value).is_dir() or (base / value).is_dir()

        return find_python(text, item.shown, is_local)
    if item.kind == "notebook":
        return _notebook(text, item.shown)
    return _TEXT_FINDERS[item.kind](text, item.shown)


def _notebook(text: str, shown: str) -> tuple[list[Reference], list[ItemError]]:
    """Code cells of a Jupyter notebook; lines are counted within each cell."""
    try:
        data = json.loads(text)
        cells = data["cells"] if isinstance(data, dict) else None
        if not isinstance(cells, list):
            raise ValueError("no 'cells' list")
    except (ValueError, KeyError, RecursionError) as exc:
        return [], [ItemError(Location(shown), f"not a Jupyter notebook: {exc}")]
    refs: list[Reference] = []
    errors: list[ItemError] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        code = "".join(source) if isinstance(source, list) else source
        if not isinstance(code, str):
            continue
        # IPython magics and shell escapes are not Python: blank them, keep the line numbers.
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in code.splitlines())
        cell_refs, cell_errors = find_python(code, shown)
        for ref in cell_refs:
            refs.append(Reference(ref.kind, ref.value, ref.origin, ref.pattern, ref.revision,
                                  ref.subfolder, ref.role, ref.notes,
                                  (*ref.detail, ("cell", str(number)))))
        errors.extend(ItemError(e.origin, f"cell {number}: {e.reason}") for e in cell_errors)
    return refs, errors


def read_weight(path: Path, shown: str, kind: str, size: int) -> WeightFile:
    """The claims of one weight file's header. Raises SourceError."""
    claims: list[tuple[str, str]] = []
    base_models: list[str] = []
    if kind == "gguf":
        from licscan.weights.gguf import read_gguf

        header = read_gguf(path, shown)
        for key in ("general.license", "general.license.name", "general.license.link",
                    "general.name", "general.organization", "general.author",
                    "general.source.url", "general.source.repo_url",
                    "general.source.huggingface.repository"):
            value = header.text(key)
            if value:
                claims.append((key, value))
        for base in header.base_models:
            named = hub_url(base.repo_url) if base.repo_url else None
            if named is not None:
                base_models.append(named.value)
    elif kind == "safetensors":
        from licscan.weights.safetensors import read_safetensors

        st = read_safetensors(path, shown)
        claims = sorted((k, v[:500]) for k, v in st.metadata.items()
                        if any(w in k.lower() for w in ("license", "author", "title", "base",
                                                        "name", "source")))
    else:
        from licscan.weights.onnx import read_onnx

        onnx = read_onnx(path, shown)
        claims = sorted((k, v[:500]) for k, v in onnx.metadata.items())
    return WeightFile(Location(shown), kind, size, tuple(claims), tuple(base_models))


def _weight_refs(weight: WeightFile) -> list[Reference]:
    refs = [Reference(HUB, base, weight.origin, f"{weight.format}-base-model", role="base-model")
            for base in weight.base_models]
    for key, value in weight.claims:
        if key.startswith("general.source."):
            named = hub_url(value) if value.startswith("http") else None
            if named is not None:
                refs.append(Reference(HUB, named.value, weight.origin, f"{weight.format}-source",
                                      revision=named.revision, role="source"))
    return refs
