"""Property-based fuzzing of every parser that reads untrusted input.

Each parser either returns a well-formed value or raises its own documented error; nothing
else escapes. Profiles: 10,000 examples per property when CI is set, 300 otherwise; no
deadline (CI machines stall). Run one profile explicitly with `--hypothesis-profile=...`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from licscan import safeyaml
from licscan.errors import ConfigError, ManifestError, UsageError
from licscan.evidence.card import decode_text, parse_card
from licscan.model import ModelRef
from licscan.redact import printable
from licscan.sources.cache import STORED_FIELDS, SnapshotCache, _signed
from licscan.sources.hub import parse_info, safe_repo_path, wait_hint
from licscan.targets import load_manifest, parse_target, validate_repo_id, validate_revision

settings.register_profile("licscan-ci", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("licscan-dev", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings.get_profile("licscan-ci" if os.environ.get("CI") else "licscan-dev")
# Properties that read files rewrite one file per example: on ext4 a rewrite costs ~3 ms (the
# kernel flushes replaced files), on tmpfs ~0.02 ms.
_SHM = Path("/dev/shm")
_made: list[Path] = []


def _tmp() -> Path:
    """A scratch folder, made on first use (collection alone makes none)."""
    if not _made:
        _made.append(Path(tempfile.mkdtemp(prefix="licscan-fuzz-",
                                           dir=_SHM if os.access(_SHM, os.W_OK) else None)))
    return _made[0]


@pytest.fixture(scope="module", autouse=True)
def _remove_tmp() -> Iterator[None]:
    yield  # (not atexit: pytest-xdist workers end without running it)
    for path in _made:
        shutil.rmtree(path, ignore_errors=True)
    _made.clear()


# -- strategies -----------------------------------------------------------------------------

# Lean strategies: hypothesis spends 0.3-1 ms per example on itself and nested values are
# costly to draw, so values stay small (10,000 examples of a property take 5-25 s).
_YAML_BITS = ["-", "- ", ":", ": ", "[", "]", "{", "}", ",", "&a", "*a", "!!str", "!!binary",
              "!!python/object:os.system", "|", ">", "'", '"', "#", "%YAML 1.2", "---", "...",
              "\n", "\n  ", "\t", "?", "@", "`", "license", "mit", "models", "id", "path",
              "revision", "a/b", "2024-01-01", "1e3", "no", "~", "null", "0x1F", ".inf", "\\",
              "\x1b[31m", "\u202e", "\r\n", "\ufeff", "\x00", "\x85"]
yaml_soup = st.lists(st.sampled_from(_YAML_BITS) | st.text(max_size=4), max_size=24).map(
    "".join)
_WORDS = st.sampled_from(["license", "mit", "a/b", "", "ü", "\x1b[1m", "1", "x y", "-", "~",
                          "2024-01-01", "no", "apache-2.0", "LICENSE", "../x"])
scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _WORDS | st.text(max_size=8)
json_values: st.SearchStrategy[Any] = st.deferred(
    lambda: scalars | st.floats(allow_nan=False) | st.lists(json_values, max_size=2)
    | st.lists(st.tuples(_WORDS | st.text(max_size=6), json_values), max_size=2).map(dict))
_TARGET_BITS = ["acme", "/", "m", "@", "main", "..", ".", "-", "_", "hf:", "https://", "http://",
                "huggingface.co", "hf.co", "evil.com", "@", "tree", "blob", "resolve",
                "datasets", "spaces", "%2F", "%2e", "?", "#", ":", "[", "]", "~", "\\", "\x00",
                "\x1b", "\n", " ", "\u202e", "refs/pr/1", "a" * 40, "--", ".git"]
target_text = st.lists(st.sampled_from(_TARGET_BITS) | st.text(max_size=6), max_size=12).map(
    "".join)


# Known bugs, reported with patches. Each filter turns itself off once its bug is fixed, so
# the fuzzers then cover those inputs too (test_hostile.py keeps a regression test of each).


def _bug_present(call: Any) -> bool:
    try:
        call()
    except (UsageError, safeyaml.YamlProblem):
        return False
    except Exception:
        return True
    return False


URL_BUG = _bug_present(lambda: parse_target("http://[::1/a/b"))
YAML_READER_BUG = _bug_present(lambda: safeyaml.compose("\x08"))


def _urlsplit_raises(text: str) -> bool:
    """targets._from_url lets urlsplit's ValueError escape (exit 3 instead of 2)."""
    if not URL_BUG:
        return False
    try:
        urlsplit(text.strip())
    except ValueError:
        return re.match(r"^[a-z]+://", text.strip()) is not None
    return False


def _unreadable_yaml(text: str) -> bool:
    """safeyaml.compose lets PyYAML's ReaderError (control characters) escape."""
    return YAML_READER_BUG and yaml.reader.Reader.NON_PRINTABLE.search(text) is not None


# -- card front matter and YAML -------------------------------------------------------------


@FUZZ
@given(st.text() | yaml_soup.map(lambda s: f"---\n{s}\n---\nbody\n") | yaml_soup)
def test_parse_card_never_raises(text: str) -> None:
    assume(not _unreadable_yaml(text))
    card = parse_card(text)
    assert card.data is None or all(isinstance(k, str) for k in card.data)
    assert card.body_first_line >= 1
    assert card.problem is None or isinstance(card.problem, str)


# PyYAML dumps NEL/LS/PS and other controls raw but reads them as line breaks: not ours.
_yaml_text = _WORDS | st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                              max_size=8)
_yaml_values: st.SearchStrategy[Any] = st.deferred(
    lambda: st.none() | st.booleans() | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False) | _yaml_text
    | st.lists(_yaml_values, max_size=2)
    | st.lists(st.tuples(_yaml_text, _yaml_values), max_size=2).map(dict))


@FUZZ
@given(st.lists(st.tuples(_yaml_text, _yaml_values), max_size=3).map(dict))
def test_front_matter_round_trips(data: dict[str, Any]) -> None:
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    card = parse_card(f"---\n{dumped}---\n# body\n")
    assert card.problem is None
    assert card.data == (data or {})


@FUZZ
@given(yaml_soup | st.text())
@example("a: &a [1]\nb: *a\n")
@example("[" * 100 + "]" * 100)
def test_safeyaml_raises_only_yaml_problem(text: str) -> None:
    assume(not _unreadable_yaml(text))
    try:
        safeyaml.compose(text)
    except safeyaml.YamlProblem as exc:
        assert exc.line is None or exc.line >= 1


# -- manifests and targets ------------------------------------------------------------------


@FUZZ
@given(target_text)
@example("acme/m@main")
@example("https://huggingface.co/acme/m/tree/v1.0")
def test_parse_target_raises_only_usage_error(text: str) -> None:
    assume(not _urlsplit_raises(text))
    try:
        ref = parse_target(text, base=_tmp())
    except UsageError as exc:
        assert "\x1b" not in exc.diagnostics()
        return
    if ref.kind == "hub":
        assert ref.repo_id is not None and validate_repo_id(ref.repo_id)
        assert ref.revision is None or validate_revision(ref.revision)
    else:
        assert ref.path is not None and Path(ref.path).is_dir()


_manifest_items = st.lists(
    target_text | scalars | st.fixed_dictionaries({}, optional={
        "id": target_text | scalars, "revision": target_text | scalars,
        "path": st.sampled_from([".", "..", "x", "/"]), "other": scalars}),
    max_size=4)


@FUZZ
@given(st.sampled_from(["models.yaml", "models.txt"]),
       st.binary(max_size=300) | yaml_soup.map(str.encode) | target_text.map(str.encode)
       | _manifest_items.map(lambda items: yaml.safe_dump({"models": items}).encode()))
def test_load_manifest_raises_only_manifest_error(name: str, raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace")
    assume(not any(_urlsplit_raises(line.split("#", 1)[0]) for line in text.splitlines()))
    assume(not _urlsplit_raises(text))
    assume(not _unreadable_yaml(text))
    path = _tmp() / name
    path.write_bytes(raw)
    try:
        refs = load_manifest(path)
    except ManifestError as exc:
        assert exc.file == str(path)
        return
    for ref in refs:
        assert isinstance(ref, ModelRef)
        assert ref.kind == "local" or validate_repo_id(str(ref.repo_id))


# -- other untrusted text -------------------------------------------------------------------


@FUZZ
@given(st.dictionaries(st.sampled_from(["manifest", "lockfile", "rules", "context", "policy",
                                        "waivers", "other"]), json_values, max_size=4)
       .map(lambda d: yaml.safe_dump(d)) | yaml_soup)
def test_load_config_raises_only_config_error(text: str) -> None:
    config = pytest.importorskip("licscan.config")
    assume(not _unreadable_yaml(text))
    path = _tmp() / "licscan.yaml"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(ConfigError):
        config.load_config(path)


_LICENSE_WORDS = ["Permission", "is", "hereby", "granted", "licence", "license", "Licensor",
                  "copyright", "(c)", "Copyright 2024 Acme", "&amp;", "<b>", "</b>", "**", "1.",
                  "a)", "-", "•", "“", "”", "'", "sub-license", "non-commercial", "\n", "\n\n",
                  "  ", "\t", "http://www.apache.org/licenses/", "SPDX-License-Identifier:",
                  "THE SOFTWARE IS PROVIDED \"AS IS\"", "Ü", "ß", "\u00a0", "\x0c"]
license_text = st.lists(st.sampled_from(_LICENSE_WORDS) | st.text(max_size=10), max_size=60
                        ).map(" ".join)


@FUZZ
@given(license_text | st.text())
def test_normalize_is_well_formed(text: str) -> None:
    normalize = pytest.importorskip("licscan.identify.normalize")
    result = normalize.normalize(text)
    assert len(result.tokens) == len(result.lines) == len(result.offsets)
    assert all(t for t in result.tokens)
    assert list(result.lines) == sorted(result.lines)
    for start, end in result.offsets:
        assert 0 <= start < end <= len(result.cleaned)
    assert normalize.normalize(text).tokens == result.tokens  # deterministic


@FUZZ
@given(st.binary(max_size=2000))
def test_decoders_never_raise(data: bytes) -> None:
    text = decode_text(data)
    assert text is None or isinstance(text, str)
    normalize = pytest.importorskip("licscan.identify.normalize")
    text2, reason = normalize.decode(data)
    assert (text2 is None) != (reason is None)


@FUZZ
@given(st.text())
def test_printable_leaves_no_control_characters(text: str) -> None:
    shown = printable(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]",
                         shown)


# -- what the Hub and the cache hand back ---------------------------------------------------

_names = st.sampled_from(["LICENSE", "README.md", "../LICENSE", "/etc/passwd", "a/../b", "a//b",
                          "a\\b", "NOTICE\x1b", "", ".", "x/./LICENSE"]) | st.text(max_size=20)
_siblings = st.lists(st.fixed_dictionaries({"rfilename": _names | scalars},
                                           optional={"size": scalars}) | scalars, max_size=6)


@FUZZ
@given(st.fixed_dictionaries({}, optional={
    "sha": st.sampled_from(["a" * 40, "A" * 40, "../" + "a" * 37]) | scalars,
    "siblings": _siblings | scalars, "cardData": json_values, "gated": scalars,
    "private": scalars, "tags": st.lists(scalars, max_size=3) | scalars}) | json_values)
def test_parse_info_validates_everything(data: Any) -> None:
    try:
        info = parse_info(data)
    except ValueError:
        return
    assert re.fullmatch(r"[0-9a-f]{40}", info.sha)
    assert all(safe_repo_path(name) for name in info.sizes)
    assert all(size is None or (isinstance(size, int) and size >= 0)
               for size in info.sizes.values())
    assert info.gated in (None, "auto", "manual")
    assert info.card_data is None or isinstance(info.card_data, dict)


@FUZZ
@given(_names)
def test_safe_repo_paths_stay_inside_the_repo(name: str) -> None:
    if safe_repo_path(name):
        parts = name.split("/")
        assert ".." not in parts and "." not in parts and "" not in parts
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\\]", name)


@FUZZ
@given(st.dictionaries(st.sampled_from(["RateLimit", "Retry-After"]),
                       st.text(max_size=40) | st.sampled_from(['"api";r=0;t=5', "1e999", "nan",
                                                                "-1", "Wed, 21 Oct 2015"])))
def test_wait_hint_is_finite_and_non_negative(headers: dict[str, str]) -> None:
    hint = wait_hint(headers)
    assert hint is None or 0 <= hint < float("inf")


_REF = ModelRef(kind="hub", target="acme/m", repo_id="acme/m")


def _cache() -> tuple[SnapshotCache, Path]:
    """The cache under test and the path of its one entry."""
    cache = SnapshotCache(_tmp() / "cache")
    return cache, cache._repo_dir("model", "acme/m") / f"snap-{'a' * 40}.json"

_BLOB = {"path": "LICENSE", "size": 3, "status": "ok", "reason": None,
         "sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}
_VALID = {"format": 1, "repo_type": "model", "repo_id": "acme/m", "revision": "a" * 40,
          "max_file_bytes": 10, "complete": True, "stored_at": "x", "snapshot": {
              "card_data": {"license": "mit"}, "card_data_origin": "README.md", "readme": None,
              "files": [_BLOB], "listing": ["LICENSE"], "gated": None, "private": False,
              "tags": [], "notes": [], "card_problem": None, "card_problem_line": None}}


def _mutate(path: tuple[str, ...], value: Any) -> bytes:
    entry = json.loads(json.dumps(_VALID))
    target = entry
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    # signed like a stored entry, so the mutation reaches the checks past the digest; a mutated
    # digest stays as mutated
    return json.dumps(entry if path == ("digest",) else _signed(entry)).encode()


_FIELDS = st.sampled_from([(k,) for k in _VALID] + [("digest",)]
                          + [("snapshot", k) for k in STORED_FIELDS]
                          + [("snapshot", "files", 0), ("snapshot", "files", 0, "path"),
                             ("snapshot", "files", 0, "sha256"), ("snapshot", "files", 0, "size"),
                             ("snapshot", "files", 0, "status")])


@FUZZ
@given(st.binary(max_size=200) | st.builds(_mutate, _FIELDS, json_values | st.just("../x")))
def test_cache_entries_never_crash_a_load(raw: bytes) -> None:
    cache, entry = _cache()
    blob = cache._blob_path(str(_BLOB["sha256"]))
    if not blob.exists():
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(b"foo")
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(raw)
    snapshot = cache.load(_REF, "a" * 40, 10, allow_incomplete=True)
    assert snapshot is None or snapshot.revision == "a" * 40


def test_the_cache_fuzzer_starts_from_a_valid_entry() -> None:
    cache, entry = _cache()
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(_mutate(("stored_at",), "y"))
    blob = cache._blob_path(str(_BLOB["sha256"]))
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(b"foo")
    snapshot = cache.load(_REF, "a" * 40, 10)
    assert snapshot is not None and snapshot.files[0].data == b"foo"
