"""Which files of a model repository carry license evidence, and how much of them to read.

A file is read as license evidence when its name says so (any name with licen[cs]e,
agreement, terms, use policy / acceptable use, notice, copying, copyright or eula, any file
under a `LICENSES/` folder as in the REUSE layout; any extension but weights, code and
media), or when it is a small text file whose first bytes read like license terms (a cheap
probe, `looks_like_license`). Caps bound the work (files read, bytes read, files probed);
whatever a cap leaves out is reported by the source in `Snapshot.unread`, never dropped
silently, and the most likely license files come first.

A file over `MAX_FILE_BYTES` is still read, up to `MAX_READ_BYTES`: runs of blank padding
(whitespace and NULs) are collapsed as it streams in, and what is left beyond the cap is cut
and marked `truncated` (identified on what was read, reported for review).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from licscan.model import FileBlob

MAX_FILE_BYTES = 1 << 20  # a license text is a few dozen KiB; more is cut (and reported)
MAX_READ_BYTES = 16 << 20  # raw bytes read of one file while collapsing padding
MAX_LICENSE_FILES = 64  # license files read per model
MAX_TOTAL_BYTES = 32 << 20  # license bytes read per model
MAX_PROBES = 32  # text files whose start is read per Hub model (a request each)
MAX_LOCAL_PROBES = 256  # the same for a local folder (a cheap read each)
PROBE_WINDOW = 64 << 10  # the probe reads this much of a file (after collapsing padding)

_NAME_WORD = re.compile(
    r"licen[cs]e|agreement|terms|use[ _.-]*policy|acceptable[ _.-]*use|notice|copying"
    r"|copyright|eula|(?:^|[^a-z])tou(?:[^a-z]|$)|(?:^|[^a-z])aup(?:[^a-z]|$)", re.IGNORECASE)
#: a name whose stem is a license word: read whatever its extension (except code: license.py)
_LICENSE_STEM = re.compile(r"^(?:licen[cs]es?|copying|notice)(?:[_-][^.]*)?\.", re.IGNORECASE)
_LICENSES_DIR = re.compile(r"^licen[cs]es?$|^legal$", re.IGNORECASE)
_WEIGHT_SUFFIXES = {".safetensors", ".bin", ".gguf", ".ggml", ".pt", ".pth", ".onnx", ".ckpt",
                    ".h5", ".msgpack", ".pkl", ".pickle", ".npz", ".npy", ".tflite", ".mlmodel",
                    ".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".parquet",
                    ".arrow", ".model", ".engine", ".plan", ".mar", ".joblib", ".keras", ".pb"}
_CODE_SUFFIXES = {".py", ".pyc", ".pyi", ".ipynb", ".js", ".mjs", ".cjs", ".ts", ".c", ".h",
                  ".cc", ".cpp", ".hpp", ".cu", ".cuh", ".rs", ".go", ".java", ".kt", ".swift",
                  ".sh", ".bash", ".bat", ".ps1", ".rb", ".php", ".pl", ".lua", ".jl", ".scala",
                  ".cs", ".m", ".mm", ".css", ".scss"}
_MEDIA_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".tif", ".tiff",
                   ".mp3", ".mp4", ".wav", ".flac", ".ogg", ".webm", ".mov", ".avi", ".mkv"}
_NEVER = _WEIGHT_SUFFIXES | _CODE_SUFFIXES | _MEDIA_SUFFIXES
_TEXT_SUFFIXES = {"", ".txt", ".md", ".markdown", ".rst", ".text", ".html", ".htm", ".adoc",
                  ".org"}
#: Text files that models ship and that are never license terms (tokenizer data and such).
_NOT_TERMS = {"vocab.txt", "merges.txt", "requirements.txt", "dict.txt", "tokens.txt",
              "vocab.md", "spm.txt", "labels.txt", "classes.txt", ".gitattributes",
              ".gitignore", "dockerfile", "makefile"}
_STRONG_PHRASES = (r"non commercial", r"noncommercial", r"research (?:purposes? )?only",
                   r"licen[cs]e agreement", r"terms of (?:use|service)", r"creative commons",
                   r"permission is hereby granted", r"use based restrictions",
                   r"acceptable use policy", r"licensor", r"licensee", r"hereby grant(?:s|ed)?")
_PHRASES = (r"terms and conditions", r"licensed under", r"use restrictions", r"acceptable use",
            r"all rights reserved", r"without warrant(?:y|ies)", r"warranties",
            r"redistribution and use", r"shall not", r"sublicen[cs]e", r"royalty free",
            r"attribution", r"you may not", r"you agree", r"liability", r"prohibited",
            r"copyright", r"permission to use")


def _phrase(words: str) -> str:
    return r"\b" + words.replace(" ", r"[\s\-]+") + r"\b"


_PROBE_STRONG = re.compile("|".join(map(_phrase, _STRONG_PHRASES)), re.IGNORECASE)
_PROBE_PHRASES = re.compile("|".join(map(_phrase, _PHRASES)), re.IGNORECASE)
PROBE_MIN_SCORE = 3  # a strong phrase counts 2, another phrase 1; distinct phrases only
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_PAD_BYTES = b" \t\r\n\f\v\x00"
_PAD_RUN = re.compile(rb"[ \t\r\n\f\v\x00]{64,}")


def _suffix(name: str) -> str:
    """The extension of a file name, as PurePosixPath.suffix (called for every file walked)."""
    dot = name.rfind(".")
    if dot <= 0 or dot == len(name) - 1 or len(name) - dot > 12:
        return ""
    return name[dot:].lower()


def is_license_file(path: str) -> bool:
    """Named like license evidence, or inside a LICENSES/ folder; never weights, code or media."""
    folders, _, name = path.rpartition("/")
    suffix = _suffix(name)
    if _LICENSE_STEM.match(name) and suffix not in _CODE_SUFFIXES:
        return True  # LICENSE.MODEL, NOTICE.weights: the name says what it is, not the suffix
    if suffix in _NEVER:
        return False
    if folders and any(_LICENSES_DIR.match(part) for part in folders.split("/")):
        return True
    return bool(_NAME_WORD.search(name))


def may_hold_terms(path: str, size: int | None) -> bool:
    """A text file worth probing for license terms (not named like a license)."""
    name = path.rpartition("/")[2].lower()
    if path.lower() == "readme.md" or name in _NOT_TERMS or _suffix(name) not in _TEXT_SUFFIXES:
        return False
    return size != 0


def looks_like_license(data: bytes) -> bool:
    """A cheap test on the start of a file: several distinct license-ish phrases, after the
    same decoding and clean-up as identification (encodings, control characters, look-alike
    letters, markup)."""
    from licscan.identify.normalize import clean, decode

    text, _problem = decode(data[:PROBE_WINDOW])
    if text is None:
        return False
    text = clean(_CONTROLS.sub("", text))

    def distinct(pattern: re.Pattern[str]) -> int:
        return len({re.sub(r"[\s-]+", " ", m.group(0).lower()) for m in pattern.finditer(text)})

    return 2 * distinct(_PROBE_STRONG) + distinct(_PROBE_PHRASES) >= PROBE_MIN_SCORE


def _rank(path: str) -> tuple[int, int, int, str]:
    """License texts first (root LICENSE* and a root LICENSES/ folder alike), then terms and
    policies, then notices; shallow before deep."""
    pure = PurePosixPath(path)
    name = pure.name.lower()
    dirs = [part for part in pure.parts[:-1] if not _LICENSES_DIR.match(part)]
    if len(dirs) < len(pure.parts) - 1 or re.search(r"licen[cs]e|agreement|eula", name):
        group = 0
    elif _NAME_WORD.search(name) and not name.startswith(("notice", "copyright")):
        group = 1
    else:
        group = 2
    return group, len(dirs), len(path), path


def license_link_path(link: object) -> str | None:
    """A repo-relative license_link (e.g. 'LICENSE.md'), or None for URLs and odd values."""
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE) or link.startswith("//"):
        return None
    link = link.lstrip("./")
    if not link or ".." in PurePosixPath(link).parts or link.startswith("/"):
        return None
    return link


@dataclass(frozen=True)
class ReadPlan:
    """What to read of a repository, most relevant first."""

    named: tuple[str, ...]  # license files by name (and the card's license_link)
    probes: tuple[str, ...]  # text files to probe for license terms
    not_read: tuple[str, ...]  # license files by name left out by MAX_LICENSE_FILES
    not_probed: tuple[str, ...]  # probe candidates left out by MAX_PROBES


def plan_reads(sizes: Mapping[str, int | None] | Iterable[str],
               license_link: object = None, max_probes: int = MAX_PROBES) -> ReadPlan:
    """Choose the files to read from a listing (`{path: size}` or paths)."""
    listing: dict[str, int | None] = dict(sizes) if isinstance(sizes, Mapping) \
        else dict.fromkeys(sizes)
    named = sorted((p for p in listing if is_license_file(p) and p.lower() != "readme.md"),
                   key=_rank)
    linked = license_link_path(license_link)
    if linked and linked in listing and linked.lower() != "readme.md":
        named = [linked, *(p for p in named if p != linked)]
    chosen, cut = named[:MAX_LICENSE_FILES], named[MAX_LICENSE_FILES:]
    taken = set(named)
    candidates = sorted((p for p, size in listing.items()
                         if p not in taken and may_hold_terms(p, size)),
                        key=lambda p: (p.count("/"), listing[p] or 0, p))
    return ReadPlan(tuple(chosen), tuple(candidates[:max_probes]), tuple(cut),
                    tuple(candidates[max_probes:]))


def select_license_files(listing: Iterable[str], license_link: object = None) -> list[str]:
    """License-related paths of a repo by name, most relevant first, capped."""
    return list(plan_reads(listing, license_link).named)


def cut_note(what: str, paths: Iterable[str], why: str) -> str:
    """One line for `Snapshot.unread`: what a cap left out, naming a few of the files."""
    items = sorted(paths)
    shown = ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
    return f"{len(items)} {what} not read ({why}): {shown}"


def read_planned(plan: ReadPlan, read: Callable[[str, int], FileBlob],
                 limit: int = MAX_FILE_BYTES) -> tuple[tuple[FileBlob, ...], tuple[str, ...]]:
    """Read what `plan` names with `read(path, limit)`: license files by name, then the probe
    files that read like license terms (the start of each, padding collapsed; the whole file
    when it does), within `MAX_TOTAL_BYTES`. Returns the blobs and one line for each thing a
    cap left unread (`Snapshot.unread`)."""
    files: list[FileBlob] = []
    total = 0
    over_budget: list[str] = []
    for path in plan.named:
        if total >= MAX_TOTAL_BYTES:
            over_budget.append(path)
            continue
        blob = read(path, limit)
        total += len(blob.data or b"")
        files.append(blob)
    for path in plan.probes:
        if total >= MAX_TOTAL_BYTES:
            over_budget.append(path)
            continue
        blob = read(path, PROBE_WINDOW)
        if blob.status == "ok" and blob.data is not None and looks_like_license(blob.data):
            if blob.truncated:
                blob = read(path, limit)
            total += len(blob.data or b"")
            files.append(replace(blob, found_by="content"))
    unread = []
    if plan.not_read:
        unread.append(cut_note("license file(s)", plan.not_read,
                               "more license files than licscan reads per model"))
    if plan.not_probed:
        unread.append(cut_note("text file(s)", plan.not_probed,
                               "more text files than licscan probes for license terms"))
    if over_budget:
        unread.append(cut_note("file(s)", over_budget,
                               f"the {MAX_TOTAL_BYTES}-byte budget per model was used up"))
    return tuple(files), tuple(unread)


class CappedReader:
    """Collects a file's bytes as they stream in. Up to `limit` bytes are kept as they are;
    past it, blank padding is collapsed and reading stops at `limit` bytes kept or
    `max_read` bytes received (the blob is then `truncated`)."""

    def __init__(self, limit: int = MAX_FILE_BYTES, max_read: int = MAX_READ_BYTES) -> None:
        self.limit = limit
        self.max_read = max(max_read, limit)
        self.received = 0
        self.compacted = False
        self.truncated = False
        self._out = bytearray()
        self._tail = b""

    @property
    def done(self) -> bool:
        return self.truncated

    def feed(self, chunk: bytes) -> bool:
        """Add bytes; False once nothing more is wanted."""
        if self.truncated or not chunk:
            return not self.truncated
        room = self.max_read - self.received
        if len(chunk) > room:
            chunk = chunk[:room]
            self.truncated = True
        self.received += len(chunk)
        if not self.compacted:
            self._out += chunk
            if len(self._out) <= self.limit:
                return not self.truncated
            self.compacted = True  # over the cap: from here on, padding is collapsed
            chunk, self._out = bytes(self._out), bytearray()
        buf = self._tail + chunk
        body = buf.rstrip(_PAD_BYTES)
        tail = buf[len(body):]
        self._tail = _collapse(tail) if len(tail) >= 64 else tail
        self._out += _PAD_RUN.sub(lambda m: _collapse(m.group(0)), body)
        if len(self._out) > self.limit:
            del self._out[self.limit:]
            self.truncated = True
        return not self.truncated

    def result(self) -> bytes:
        data = bytes(self._out) + (self._tail if self.compacted else b"")
        return data[:self.limit]


def _collapse(run: bytes) -> bytes:
    return b"\n\n" if b"\n" in run else b" "


def reader_blob(path: str, reader: CappedReader, size: int | None = None,
                more: bool = False) -> FileBlob:
    """The blob for what `reader` collected; `more`: the source had bytes left unread."""
    data = reader.result()
    truncated = reader.truncated or more
    total = size if size is not None else reader.received
    reason = None
    if truncated:
        reason = (f"{total if size is not None else 'more than ' + str(reader.received)} bytes;"
                  f" only the first {len(data)} bytes (after collapsing blank padding) were "
                  "read")
    elif reader.compacted:
        reason = f"{total} bytes with blank padding; read after collapsing the padding"
    return FileBlob(path=path, size=total, sha256=hashlib.sha256(data).hexdigest(), data=data,
                    truncated=truncated, reason=reason)


def make_blob(path: str, data: bytes, size: int | None = None) -> FileBlob:
    return FileBlob(path=path, size=len(data) if size is None else size,
                    sha256=hashlib.sha256(data).hexdigest(), data=data)


def too_large(path: str, size: int, limit: int = MAX_FILE_BYTES) -> FileBlob:
    return FileBlob(path=path, size=size, sha256=None, data=None, status="too-large",
                    reason=f"{size} bytes exceeds the {limit}-byte limit for license files")
