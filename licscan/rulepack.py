"""Load the rule pack: one YAML file per license, version, use policy, family tag or marker.

The pack is data, versioned and hashed: every report carries `rulepack.version` and
`rulepack.hash`, so a verdict can be traced to the exact facts it was computed from.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from licscan import _resources
from licscan.errors import RulePackError
from licscan.flags import Flags
from licscan.record import Record

TRI_STATES = ("allowed", "conditional", "prohibited", "unknown")
FINGERPRINTS = "fingerprints.json"
# The SPDX ids the pack derives rules for (scripts/gen_spdx_rules.py): id, name, category.
DERIVED_TABLE = "spdx-licenses.tsv"


@dataclass(frozen=True, eq=False, repr=False)
class Rule(Record):
    id: str
    name: str
    expression_id: str
    kind: str
    category: str
    flags: Flags
    family: str | None = None
    version: str | None = None
    released: str | None = None
    hub_ids: tuple[str, ...] = ()
    license_names: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    version_lines: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    use_policy: str | None = None
    supersedes: str | None = None
    osi_approved: bool | None = None
    spdx_listed: bool | None = None
    needs_text: bool = False
    derived: bool = False
    terms: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    sources: tuple[Mapping[str, str], ...] = field(default=(), compare=False, hash=False)
    notes: str = ""
    origin: str = ""

    @property
    def is_license(self) -> bool:
        return self.kind == "license"


# What a derived rule takes from its category: a default for review, never a fact read in the
# text. Permissive, public-domain and copyleft licenses allow commercial use with the category's
# duties; the restricted categories are "unknown" (not allowed without review), except
# non-commercial, whose one defining restriction is commercial use.
_REVIEW_FLAGS: Mapping[str, Any] = {
    "commercial_use": "unknown", "modification": "unknown", "distribution": "unknown",
    "attribution": True, "share_alike": False, "acceptable_use_policy": False}
_COPYLEFT_FLAGS: Mapping[str, Any] = {
    "commercial_use": "allowed", "modification": "conditional", "distribution": "conditional",
    "attribution": True, "share_alike": True, "acceptable_use_policy": False}
DERIVED_FLAGS: Mapping[str, Mapping[str, Any]] = {
    "permissive": {"commercial_use": "allowed", "modification": "allowed",
                   "distribution": "allowed", "attribution": True, "share_alike": False,
                   "acceptable_use_policy": False},
    "public-domain": {"commercial_use": "allowed", "modification": "allowed",
                      "distribution": "allowed", "attribution": False, "share_alike": False,
                      "acceptable_use_policy": False},
    "copyleft": _COPYLEFT_FLAGS,
    "weak-copyleft": _COPYLEFT_FLAGS,
    "non-commercial": {**_REVIEW_FLAGS, "commercial_use": "prohibited"},
    "source-available": _REVIEW_FLAGS,
    "proprietary-free": _REVIEW_FLAGS,
    "free-restricted": _REVIEW_FLAGS,
    "commercial": _REVIEW_FLAGS,
    "unknown": _REVIEW_FLAGS,
}


def derived_rule_data(spdx_id: str, name: str, category: str, source_category: str,
                      exception: bool) -> dict[str, Any]:
    """The rule-file mapping of a derived rule (it validates against the rule schema)."""
    if category not in DERIVED_FLAGS:
        category = "unknown"
    flags = dict(DERIVED_FLAGS[category])
    what = "license exception (used after WITH)" if exception else "license"
    review = "" if flags["commercial_use"] == "allowed" else \
        " Commercial use is not allowed without a review of the text."
    return {
        "id": spdx_id.lower(), "name": name, "expression_id": spdx_id, "kind": "license",
        "category": category, "spdx_listed": True, "derived": True, "flags": flags,
        "sources": [{"ref": f"SPDX License List; category '{source_category}' from ScanCode "
                            f"LicenseDB (rules/{DERIVED_TABLE})", "confidence": "S"}],
        "notes": f"Derived rule: the pack has no hand-written rule for this SPDX {what}. Its "
                 f"flags are the defaults of the category '{source_category}', not facts read "
                 f"from the license text; check the text before relying on them.{review}"}


class DerivedRules(Mapping[str, Rule]):
    """Rules derived from the SPDX table, keyed by lower-cased SPDX id, built on first use.

    Loading the pack only keeps the table's bytes: the ~700 rows are split when a key is first
    looked up, and each Rule is built when it is first asked for, so start-up does not pay for
    rules a scan never needs."""

    def __init__(self, tables: Sequence[tuple[str, bytes]] = (),
                 excluded: frozenset[str] | Callable[[], frozenset[str]] = frozenset(),
                 ) -> None:
        self._tables = tuple(tables)
        self._excluded = excluded
        self._built: dict[str, Rule] = {}

    @property
    def tables(self) -> tuple[tuple[str, bytes], ...]:
        """(origin, bytes) of each SPDX table, the built-in one first."""
        return self._tables

    @cached_property
    def _rows(self) -> Mapping[str, tuple[str, str, str, str, bool, str]]:
        rows: dict[str, tuple[str, str, str, str, bool, str]] = {}
        excluded = self._excluded() if callable(self._excluded) else self._excluded
        for origin, raw in self._tables:  # a later table (a user's pack) overrides a row
            try:
                lines = raw.decode("utf-8").splitlines()
            except UnicodeDecodeError as exc:
                raise RulePackError(f"not UTF-8: {exc}", file=origin) from exc
            for number, line in enumerate(lines, 1):
                if not line or line.startswith("#"):
                    continue
                cells = line.split("\t")
                if len(cells) != 5 or not cells[0]:
                    raise RulePackError("expected 5 tab-separated columns "
                                        "(spdx_id, name, category, source_category, exception)",
                                        file=origin, line=number)
                key = cells[0].lower()
                if key not in excluded:
                    rows[key] = (cells[0], cells[1], cells[2], cells[3], cells[4] == "yes",
                                 origin)
        return rows

    def __getitem__(self, key: str) -> Rule:
        lower = key.lower()
        rule = self._built.get(lower)
        if rule is None:
            spdx_id, name, category, source_category, exception, origin = self._rows[lower]
            rule = rule_from_mapping(derived_rule_data(spdx_id, name, category, source_category,
                                                       exception), f"{origin}:{spdx_id}")
            self._built[lower] = rule
        return rule

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class _Layered(Mapping[str, Rule]):
    """Hand-written rules first; the derived rules answer only what those do not."""

    def __init__(self, first: Mapping[str, Rule], second: Mapping[str, Rule]) -> None:
        self._first = first
        self._second = second

    def __getitem__(self, key: str) -> Rule:
        try:
            return self._first[key]
        except KeyError:
            return self._second[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._first
        yield from (key for key in self._second if key not in self._first)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _LazyRules(Mapping[str, Rule]):
    """The built-in pack's rules, each built when first asked for. Loading the pack reads and
    hashes every rule file (the hash `licscan check` compares with the lockfile's stamp) but
    decodes compiled.jsonl and builds a rule only when it is used: a check whose entries are
    all remembered needs the hash alone, identifying one file the few rules it names. Going
    over all the rules builds the rest and checks their references to each other; one rule
    built alone has its own references checked. Nothing is lost by waiting: a pack whose
    hash matches a lockfile's is byte for byte the one `licscan lock` loaded whole."""

    def __init__(self, folder: _FolderRules) -> None:
        self._ids = frozenset(folder.ids())
        self._folder = folder
        self._some: dict[str, Rule] = {}

    @cached_property
    def _rules(self) -> dict[str, Rule]:
        rules = {rule_id: self[rule_id] for rule_id in sorted(self._ids)}
        _check_references(rules)
        return rules

    def __getitem__(self, key: str) -> Rule:
        rule = self._some.get(key)
        if rule is None:
            if key not in self._ids:
                raise KeyError(key)
            rule = self._folder.one(key)
            if any(ref and ref not in self._ids for ref in (rule.use_policy, rule.supersedes)):
                _check_references({rule.id: rule})
            self._some[key] = rule
        return rule

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._ids else default

    def values(self) -> ValuesView[Rule]:
        return self._rules.values()

    def items(self) -> ItemsView[str, Rule]:
        return self._rules.items()

    def compiled(self, name: str) -> Any:
        return self._folder.compiled(name)

    def __repr__(self) -> str:
        return repr(self._rules)


@dataclass(frozen=True, eq=False, repr=False)
class RulePack(Record):
    name: str
    version: str
    hash: str
    rules: Mapping[str, Rule]
    fingerprints: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    origins: tuple[str, ...] = ()
    # Rules derived from an SPDX id's category, for SPDX ids without a hand-written rule.
    derived: Mapping[str, Rule] = field(default_factory=dict, compare=False, hash=False)
    # The rule ids each folder of `origins` defines, in order (the built-in pack first).
    layers: tuple[frozenset[str], ...] = field(default=(), compare=False, hash=False)
    # Each folder's own fingerprints.json as loaded ({} without one), in the order of `origins`
    # (`fingerprints` is their merge).
    layer_fingerprints: tuple[Mapping[str, Any], ...] = field(default=(), compare=False,
                                                               hash=False)

    def compiled(self, name: str) -> Any:
        """Data `scripts/lock_rules.py` derived from the built-in rules into compiled.jsonl (an
        entry other than the rules), for the built-in pack alone and while compiled.jsonl is
        current; None otherwise: the caller derives it from the rules."""
        return self.rules.compiled(name) if isinstance(self.rules, _LazyRules) else None

    def get(self, rule_id: str) -> Rule | None:
        """A hand-written rule by id, else the derived rule of that (lower-cased) SPDX id."""
        return self.rules.get(rule_id) or self.derived.get(rule_id)

    @cached_property
    def by_hub_id(self) -> Mapping[str, Rule]:
        return self._index("hub_ids")

    @cached_property
    def by_license_name(self) -> Mapping[str, Rule]:
        return self._index("license_names")

    @cached_property
    def by_expression_id(self) -> Mapping[str, Rule]:
        out: dict[str, Rule] = {}
        for rule in self._claim_order():
            # Versioned rules share an expression id with nothing; family rules come second.
            out.setdefault(rule.expression_id.lower(), rule)
        return _Layered(out, self.derived)

    def _index(self, attr: str) -> Mapping[str, Rule]:
        out: dict[str, Rule] = {}
        for rule in self._claim_order():
            for name in getattr(rule, attr):
                out.setdefault(name.lower(), rule)
        return out

    def _claim_order(self) -> Iterator[Rule]:
        """The rules in the order they claim names: a later folder's first (a user's rule
        that claims what a built-in rule claims overrides it, and is reported as an override:
        `licscan.rulecheck.rule_overrides`), by id within a folder. The order never rests on
        how ids sort across folders."""
        if len(self.layers) < 2:
            yield from self.rules.values()
            return
        seen: set[str] = set()
        for layer in reversed(self.layers):
            for rule_id in sorted(layer - seen):
                seen.add(rule_id)
                yield self.rules[rule_id]

    def stamp(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "hash": self.hash}


_TRI_TERMS = ("commercial_use", "modification", "distribution")
_NOT_SPDX = ("LicenseRef-", "NOASSERTION")


def derivable_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a rule file that repeat what its other fields say, as the loader derives
    them (docs/terms.md, "The rule files are the source"). A rule file may leave them out; one that
    states them must agree (`licscan rules validate`). `flags` holds only the derivable flags.

    - flags.commercial_use, .modification, .distribution: the `value` of that term;
    - flags.acceptable_use_policy (with `terms`): the rule is a use policy, or its terms
      incorporate one;
    - use_policy: terms.acceptable_use_policy.rule;
    - category: `use-policy` and `family` for those kinds, `unknown` for a marker;
    - spdx_listed: the expression id is an SPDX id (not LicenseRef-, not NOASSERTION);
    - needs_text: true for a family tag or a marker."""
    kind = data.get("kind")
    raw_terms = data.get("terms")
    terms: Mapping[str, Any] = raw_terms if isinstance(raw_terms, Mapping) else {}
    flags: dict[str, Any] = {}
    for key in _TRI_TERMS:
        part = terms.get(key)
        if isinstance(part, Mapping) and "value" in part:
            flags[key] = part["value"] if part["value"] in TRI_STATES else "unknown"
    if terms:
        flags["acceptable_use_policy"] = kind == "use-policy" or \
            isinstance(terms.get("acceptable_use_policy"), Mapping)
    out: dict[str, Any] = {"flags": flags}
    policy = terms.get("acceptable_use_policy")
    if isinstance(policy, Mapping) and isinstance(policy.get("rule"), str):
        out["use_policy"] = policy["rule"]
    if kind in ("use-policy", "family"):
        out["category"] = kind
    elif kind == "marker":
        out["category"] = "unknown"
    expression_id = data.get("expression_id")
    if isinstance(expression_id, str):
        out["spdx_listed"] = not expression_id.startswith(_NOT_SPDX)
    if kind in ("family", "marker"):
        out["needs_text"] = True
    return out


def complete_rule_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A rule file's mapping with the derivable fields filled in where the file leaves them
    out; what the file states wins (a disagreement is the validator's to report)."""
    derived = derivable_fields(data)
    out = {**derived, **data}
    flags = data.get("flags")
    out["flags"] = {**derived["flags"], **flags} if isinstance(flags, Mapping) else \
        derived["flags"] if flags is None else flags
    return out


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def rule_from_mapping(data: Mapping[str, Any], origin: str) -> Rule:
    """Build a Rule from a parsed rule file. Structural validation is the schema's job."""
    return _rule(complete_rule_data(data), origin)


def _rule(data: Mapping[str, Any], origin: str) -> Rule:
    """A Rule from a rule file's mapping whose derivable fields are filled in."""
    try:
        flags = data["flags"]
        return Rule(
            id=str(data["id"]),
            name=str(data["name"]),
            expression_id=str(data["expression_id"]),
            kind=str(data["kind"]),
            category=str(data["category"]),
            flags=Flags(
                commercial_use=str(flags["commercial_use"]),
                modification=str(flags["modification"]),
                distribution=str(flags["distribution"]),
                attribution=bool(flags.get("attribution", False)),
                share_alike=bool(flags.get("share_alike", False)),
                acceptable_use_policy=bool(flags.get("acceptable_use_policy", False)),
            ),
            family=data.get("family"),
            version=None if data.get("version") is None else str(data["version"]),
            released=None if data.get("released") is None else str(data["released"]),
            hub_ids=_tuple(data.get("hub_ids")),
            license_names=_tuple(data.get("license_names")),
            urls=_tuple(data.get("urls")),
            titles=_tuple(data.get("titles")),
            version_lines=_tuple(data.get("version_lines")),
            references=_tuple(data.get("references")),
            use_policy=data.get("use_policy"),
            supersedes=data.get("supersedes"),
            osi_approved=data.get("osi_approved"),
            spdx_listed=data.get("spdx_listed"),
            needs_text=bool(data.get("needs_text", False)),
            derived=data.get("derived") is True,
            terms=data.get("terms") or {},
            sources=tuple(data.get("sources") or ()),
            notes=str(data.get("notes") or ""),
            origin=origin,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise RulePackError(f"rule file is missing or mistypes a required field ({exc})",
                            file=origin) from exc


def _read_yaml(path: Path) -> Any:
    import yaml  # (only when rule files are parsed: a locked pack loads rules/compiled.jsonl)

    try:
        with path.open("rb") as fh:
            return yaml.load(fh, Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise RulePackError(f"cannot read rule file: {exc}", file=str(path)) from exc


def content_hash(files: Iterable[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return "sha256:" + digest.hexdigest()


def pack_files(root: Path) -> list[Path]:
    licenses = root / "licenses"  # (os.scandir: glob and Path sorting cost more than reading)
    try:
        with os.scandir(licenses) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".yaml") and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        names = []
    files = [licenses / name for name in names]
    table = root / DERIVED_TABLE
    if table.is_file():
        files.append(table)
    fingerprints = root / FINGERPRINTS
    if fingerprints.is_file():
        files.append(fingerprints)
    return files


def _parse_rule_files(root: Path, files: list[tuple[Path, bytes]]) -> dict[str, Any]:
    """The parsed YAML of each rule file, by relative path."""
    import yaml

    parsed: dict[str, Any] = {}
    for path, raw in files:
        try:
            parsed[path.relative_to(root).as_posix()] = yaml.load(raw, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            raise RulePackError(f"cannot read rule file: {exc}", file=str(path)) from exc
    return parsed


COMPILED = "compiled.jsonl"


def write_compiled(compiled: Mapping[str, Any]) -> str:
    """compiled.jsonl: JSON lines, so that a reader decodes only the rules it builds (decoding
    the whole pack costs more than identifying a text). The first line names the rule files'
    content hash and what the lines after it hold, in order: each rule file's mapping, then
    each other entry (data derived from the rules). Deterministic: sorted keys."""
    rules = compiled["rules"]
    extra = sorted(key for key in compiled if key not in ("rules", "rules_hash"))
    lines = [{"rules_hash": compiled["rules_hash"], "rules": sorted(rules), "extra": extra}]
    lines += [rules[name] for name in sorted(rules)] + [compiled[key] for key in extra]
    return "".join(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n" for line in lines)


def read_compiled(raw: bytes) -> dict[str, Any]:
    """The whole of a compiled.jsonl, as `write_compiled` was given it (ValueError if it is
    not one)."""
    header, rules, extra = _compiled_lines(raw)
    return {"rules_hash": header["rules_hash"], "rules": dict(rules), **extra}


class _Lines(Mapping[str, Any]):
    """Lines of compiled.jsonl by name, each decoded when first read."""

    def __init__(self, lines: dict[str, bytes]) -> None:
        self._lines = lines
        self._decoded: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._decoded:
            self._decoded[key] = json.loads(self._lines[key])
        return self._decoded[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


def _compiled_lines(raw: bytes) -> tuple[dict[str, Any], _Lines, _Lines]:
    lines = raw.split(b"\n")
    header = json.loads(lines[0])
    if not isinstance(header, dict) or not isinstance(header.get("rules"), list) or \
            not isinstance(header.get("extra"), list):
        raise ValueError("not a compiled rule pack")
    names, extra = header["rules"], header["extra"]
    body = lines[1:1 + len(names) + len(extra)]
    if len(body) != len(names) + len(extra) or any(not line for line in body):
        raise ValueError("compiled rule pack cut short")
    return (header, _Lines(dict(zip(names, body, strict=False))),
            _Lines(dict(zip(extra, body[len(names):], strict=True))))


def _parsed_rules(root: Path, files: list[tuple[Path, bytes]], digest: str,
                  builtin: bool) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
    """Parsing ~190 YAML files takes ~80 ms, so `scripts/lock_rules.py` also writes their
    parse to rules/compiled.jsonl, keyed by the content hash of the rule files (`digest`); rule
    files that differ from that hash (an edit not yet locked) are parsed. Only the built-in
    pack's compiled.jsonl is read: in a user's folder it is a file nobody reviews, and what it
    says could differ from the YAML it claims to come from (`licscan rules validate` reports
    it). Either way each mapping has its derivable fields filled in (`complete_rule_data`).
    The second value holds compiled.jsonl's other entries when the parse came from it."""
    if not builtin:
        return _completed(_parse_rule_files(root, files)), None
    try:
        header, rules, extra = _compiled_lines((root / COMPILED).read_bytes())
        if header.get("rules_hash") == digest:
            return rules, extra
    except (OSError, ValueError):
        pass
    return _completed(_parse_rule_files(root, files)), None


def _completed(parsed: dict[str, Any]) -> dict[str, Any]:
    return {name: complete_rule_data(data) if isinstance(data, dict) else data
            for name, data in parsed.items()}


def compile_pack(root: Path) -> dict[str, Any]:
    """What rules/compiled.jsonl holds for the pack in `root`: each rule file's mapping with
    the fields the loader derives filled in, keyed by its path, and the content hash of the
    rule files (not of the whole pack: rebuilt fingerprints leave it current)."""
    files = [(path, path.read_bytes()) for path in pack_files(root) if path.suffix == ".yaml"]
    digest = content_hash((path.relative_to(root).as_posix(), raw) for path, raw in files)
    return {"rules_hash": digest, "rules": _completed(_parse_rule_files(root, files))}


class _DirFiles:
    """One rule pack folder's files as read: what the pack hash is computed from. (A plain
    class: @dataclass costs more to import than the rest of the loading it serves.)"""

    __slots__ = ("fingerprints", "hashed", "names", "rule_files", "table")

    def __init__(self, rule_files: list[tuple[Path, bytes]], names: dict[Path, str],
                 hashed: list[tuple[str, bytes]], table: bytes | None,
                 fingerprints: dict[str, Any]) -> None:
        self.rule_files = rule_files
        self.names = names
        self.hashed = hashed
        self.table = table
        self.fingerprints = fingerprints


def _read_dir(root: Path) -> _DirFiles:
    if not root.is_dir():
        raise RulePackError("rule pack folder does not exist", file=str(root))
    files = [(path, path.read_bytes()) for path in pack_files(root)]
    prefix = len(str(root)) + 1  # (every file is inside root: faster than relative_to)
    names = {path: str(path)[prefix:].replace(os.sep, "/") for path, _raw in files}
    fingerprints: dict[str, Any] = {}
    for path, raw in files:
        if path.name == FINGERPRINTS:
            try:
                fingerprints = json.loads(raw)
            except ValueError as exc:
                raise RulePackError(f"invalid fingerprints: {exc}", file=str(path)) from exc
    return _DirFiles(
        rule_files=[(path, raw) for path, raw in files if path.suffix == ".yaml"], names=names,
        hashed=[(names[path], raw) for path, raw in files],
        table=next((raw for path, raw in files if path.name == DERIVED_TABLE), None),
        fingerprints=fingerprints)


def _dir_rules(root: Path, read: _DirFiles, builtin: bool) -> dict[str, Rule]:
    folder = _FolderRules(root, read, builtin)
    return {rule.id: rule for rule in map(folder.one, folder.ids())}


class _FolderRules:
    """Builds the rule of one file of a folder, by id (its file's name). The folder's rule
    files are parsed (or compiled.jsonl decoded) on the first call; rules parsed from YAML
    (files changed since compiled.jsonl was written, or a user's folder) are all built and
    checked then, so an error anywhere in such a folder is refused whichever rule is asked."""

    def __init__(self, root: Path, read: _DirFiles, builtin: bool) -> None:
        self._root = root
        self._read = read
        self._builtin = builtin
        self._paths = {path.stem: path for path, _raw in read.rule_files}
        self._parsed: Mapping[str, Any] | None = None
        self._compiled: Mapping[str, Any] = {}
        self._checked: dict[str, Rule] = {}

    def ids(self) -> Iterable[str]:
        return self._paths

    def one(self, rule_id: str) -> Rule:
        if self._parsed is None:
            self._parse()
        return self._checked.get(rule_id) or self._build(rule_id)

    def compiled(self, name: str) -> Any:
        """A top-level entry of compiled.jsonl other than the rules (data derived from them at
        lock time), when the rules were read from it; None otherwise."""
        if self._parsed is None:
            self._parse()
        try:
            return self._compiled.get(name)
        except ValueError:  # a damaged line: the caller derives it from the rules
            return None

    def _parse(self) -> None:
        names = self._read.names
        files = self._read.rule_files
        digest = content_hash((names[path], raw) for path, raw in files)
        self._parsed, compiled = _parsed_rules(self._root, files, digest, self._builtin)
        if compiled is not None:
            self._compiled = compiled
        else:
            self._build_all()

    def _build_all(self) -> None:
        self._checked.update((stem, self._build(stem)) for stem in self._paths)
        if self._builtin:
            _check_references(self._checked)

    def _build(self, rule_id: str) -> Rule:
        path = self._paths[rule_id]
        try:
            data = (self._parsed or {}).get(self._read.names[path])
        except ValueError:  # a damaged line of compiled.jsonl: the rule files, as if stale
            self._parsed = _completed(_parse_rule_files(self._root, self._read.rule_files))
            self._compiled = {}
            self._build_all()
            return self._checked[rule_id]
        if not isinstance(data, dict):
            raise RulePackError("rule file is not a mapping", file=str(path))
        rule = _rule(data, str(path))
        if rule.id != path.stem:
            raise RulePackError(f"rule id {rule.id!r} differs from the file name", file=str(path))
        return rule


_FLAT = re.compile(r"""^([A-Za-z_][\w-]*):[ \t]*(?:"([^"\\]*)"|'([^'\\]*)'|([^#"'\s][^#]*?))"""
                   r"[ \t]*(?:#.*)?$")


def _flat_yaml(path: Path) -> dict[str, str] | None:
    """pack.yaml when it is flat `key: scalar` lines and comments (the built-in one), read
    without loading a YAML parser; None for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _FLAT.match(line)
        if found is None:
            return None
        out[found.group(1)] = next(g for g in found.groups()[1:] if g is not None)
    return out


def read_pack_meta(root: Path) -> dict[str, str]:
    meta_path = root / "pack.yaml"
    meta: Any = {}
    if meta_path.is_file():
        meta = _flat_yaml(meta_path)
        if meta is None:
            meta = _read_yaml(meta_path)
    if not isinstance(meta, dict):
        raise RulePackError("pack.yaml is not a mapping", file=str(meta_path))
    return {"name": str(meta.get("name", root.name)), "version": str(meta.get("version", "0"))}


def _merge_fingerprints(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


@cache
def _load_cached(dirs: tuple[str, ...]) -> RulePack:
    fingerprints: dict[str, Any] = {}
    hashes: list[str] = []
    tables: list[tuple[str, bytes]] = []
    layer_fingerprints: list[Mapping[str, Any]] = []
    reads: list[_DirFiles] = []
    # A user's folder is built as it is read (its errors are the load's); the built-in pack
    # alone is built when first used (_LazyRules).
    lazy = len(dirs) == 1
    built: list[dict[str, Rule]] = []
    meta = read_pack_meta(Path(dirs[0]))
    for index, directory in enumerate(dirs):
        root = Path(directory)
        read = _read_dir(root)
        reads.append(read)
        if not lazy:
            built.append(_dir_rules(root, read, builtin=index == 0))
        if read.table is not None:
            tables.append((str(root / DERIVED_TABLE), read.table))
            if index:  # a user's table is checked on load; the built-in one is generated
                len(DerivedRules(tables[-1:]))
        layer_fingerprints.append(read.fingerprints)
        fingerprints = _merge_fingerprints(fingerprints, read.fingerprints)
        hashes.append(content_hash(read.hashed))
        if index:
            user = read_pack_meta(root)
            meta["name"] += f"+{user['name']}"
            meta["version"] += f"+{user['version']}"
    pack_hash = hashes[0] if len(hashes) == 1 else content_hash(
        (str(i), h.encode()) for i, h in enumerate(hashes))

    def build() -> dict[str, Rule]:
        rules: dict[str, Rule] = {}
        for layer in built:
            rules.update(layer)  # a user's rule with a built-in id overrides it
        _check_references(rules)
        return dict(sorted(rules.items()))

    rules: Mapping[str, Rule] = _LazyRules(
        _FolderRules(Path(dirs[0]), reads[0], builtin=True)) if lazy else build()

    def hand() -> frozenset[str]:
        """A hand-written rule always wins: its id and expression id take no derived rule."""
        return frozenset({*rules, *(rule.expression_id.lower() for rule in rules.values())})

    # a folder's rule ids are its files' names (a rule whose id differs is refused on build)
    layers = tuple(frozenset(path.stem for path, _raw in read.rule_files) for read in reads)
    return RulePack(name=meta["name"], version=meta["version"], hash=pack_hash, rules=rules,
                    fingerprints=fingerprints, origins=dirs,
                    derived=DerivedRules(tables, hand if lazy else hand()), layers=layers,
                    layer_fingerprints=tuple(layer_fingerprints))


def _check_references(rules: Mapping[str, Rule]) -> None:
    for rule in rules.values():
        for ref in (rule.use_policy, rule.supersedes):
            if ref and ref not in rules:
                raise RulePackError(f"rule {rule.id!r} refers to unknown rule {ref!r}",
                                    file=rule.origin)


def load_folder(root: Path) -> RulePack:
    """The rule pack of one folder read as the built-in one is (its compiled.jsonl used while
    current), fresh from disk: what `scripts/lock_rules.py` derives compiled.jsonl from."""
    return _load_cached.__wrapped__((str(root),))


def load_rulepack(extra_dirs: Sequence[str | Path] = ()) -> RulePack:
    """The built-in pack, with user packs layered over it in order."""
    dirs = (str(_resources.rules_dir()), *(str(Path(d).resolve()) for d in extra_dirs))
    return _load_cached(dirs)
