"""Validate rule files against the shipped JSON Schema and the pack's own invariants, and name
what a user's rule pack takes over from the built-in one (`rule_overrides`)."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from licscan import _resources
from licscan.errors import RulePackError
from licscan.rulepack import FINGERPRINTS, DerivedRules, Rule, RulePack, derivable_fields

if TYPE_CHECKING:
    from licscan.identify.index import RefText

# What each derivable field is derived from, for the messages (licscan.rulepack.derivable_fields).
_FROM = {"flags.commercial_use": "terms.commercial_use.value",
         "flags.modification": "terms.modification.value",
         "flags.distribution": "terms.distribution.value",
         "flags.acceptable_use_policy": "the kind and terms.acceptable_use_policy",
         "use_policy": "terms.acceptable_use_policy.rule", "category": "the kind",
         "spdx_listed": "the expression_id", "needs_text": "the kind"}


def _schema() -> Any:
    return json.loads(_resources.schema_path("rule.schema.json").read_text())


def _stated_derivable(data: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(field, stated value, derived value) for each derivable field the file states."""
    derived = derivable_fields(data)
    flags = data.get("flags")
    for key, value in derived["flags"].items():
        if isinstance(flags, Mapping) and key in flags:
            yield f"flags.{key}", flags[key], value
    for key, value in derived.items():
        if key != "flags" and key in data:
            yield key, data[key], value


def redundant_fields(data: Any) -> list[str]:
    """The fields a rule file states although the loader derives the same value."""
    if not isinstance(data, Mapping):
        return []
    return [name for name, stated, derived in _stated_derivable(data) if stated == derived]


def validate_rule(data: Any, name: str) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    problems = [f"{name}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in sorted(validator.iter_errors(data), key=lambda e: list(e.path))]
    if problems or not isinstance(data, dict):
        return problems
    for field, stated, derived in _stated_derivable(data):
        if stated != derived:
            problems.append(f"{name}: {field} ({stated}) differs from {_FROM[field]} "
                            f"({derived}); leave it out, the loader derives it")
    return problems


def _folder(directory: Path) -> Path:
    return directory / "licenses" if (directory / "licenses").is_dir() else directory


def redundant_in_dir(directory: Path) -> list[str]:
    """One note per rule file that states fields the loader derives (they may be left out)."""
    notes = []
    for path in sorted(_folder(directory).glob("*.yaml")):
        try:
            fields = redundant_fields(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError):
            continue  # validate_dir reports it
        if fields:
            notes.append(f"{path}: {', '.join(fields)} may be left out (derived from the "
                         "other fields; docs/terms.md)")
    return notes


def validate_dir(directory: Path) -> list[str]:
    folder = _folder(directory)
    problems: list[str] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:
        return [f"{folder}: no rule files (*.yaml)"]
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        problems += validate_rule(data, str(path))
        if isinstance(data, dict) and data.get("id") != path.stem:
            problems.append(f"{path}: id {data.get('id')!r} differs from the file name")
    return problems


def compilation(directory: Path) -> dict[str, Any]:
    """What compiled.jsonl holds for the rule files in `directory`: their parse
    (`rulepack.compile_pack`) and the phrase index identification derives from them
    (`identify.reference.compiled_phrases`)."""
    from licscan.identify.reference import PHRASES, compiled_phrases
    from licscan.rulepack import compile_pack, load_folder

    compiled = compile_pack(directory)
    compiled[PHRASES] = compiled_phrases(load_folder(directory).rules.values())
    return compiled


def compiled_problems(directory: Path) -> list[str]:
    """A compiled.jsonl next to the rule files that is not their current compilation. licscan
    reads compiled.jsonl only from its built-in pack; elsewhere it is ignored, but a stale or
    edited one still says something the rule files do not."""
    from licscan.rulepack import COMPILED, read_compiled

    path = directory / COMPILED
    if not path.is_file():
        return []
    try:
        compiled = read_compiled(path.read_bytes())
    except (OSError, ValueError) as exc:
        return [f"{path}: cannot read: {exc}"]
    try:
        current = json.loads(json.dumps(compilation(directory)))
    except (RulePackError, OSError) as exc:  # validate_dir names the file
        return [f"{path}: cannot compare with the rule files ({exc})"]
    if compiled != current:
        return [f"{path}: does not match the rule files it claims to be compiled from (stale "
                "or edited; licscan ignores compiled.jsonl outside its built-in pack: delete it, "
                "or for the built-in pack run scripts/lock_rules.py)"]
    return []


# The names a rule claims besides its id and expression id: a scan maps each to that rule.
CLAIMED_NAMES = ("hub_ids", "license_names", "urls", "titles", "version_lines", "references")


def rule_claims(rule: Rule) -> Iterator[tuple[str, str]]:
    """(what, name as written) for each name `rule` claims; names compare lower-cased."""
    yield "expression id", rule.expression_id
    for attr in CLAIMED_NAMES:
        for name in getattr(rule, attr):
            yield attr.rstrip("s").replace("_", " "), name


def rule_overrides(builtin: RulePack, merged: RulePack) -> list[tuple[str, str]]:
    """(rule file, what it redefines) for each rule of a user's folder in `merged` that takes
    over something of the built-in pack `builtin`: a built-in rule id, or a name a built-in
    rule claims (expression id, Hub id, license name, URL, title, version line, reference
    text name), each row of a user's SPDX table that replaces a built-in row, and each
    reference text of the user's that takes a built-in one's place (`_text_overrides`)."""
    claimed: dict[tuple[str, str], str] = {}
    for rule in builtin.rules.values():
        for what, name in rule_claims(rule):
            claimed.setdefault((what, name.lower()), rule.id)
    out: list[tuple[str, str]] = []
    for layer in merged.layers[1:]:
        for rule_id in sorted(layer):
            rule = merged.rules[rule_id]
            if rule_id in builtin.rules:
                out.append((rule.origin, f"the built-in rule {rule_id!r}"))
                continue
            taken: dict[tuple[str, bool], list[str]] = {}
            for what, name in rule_claims(rule):
                owner = claimed.get((what, name.lower()))
                if owner is not None:  # the expression id on a line of its own: it decides most
                    key = (owner, what == "expression id")
                    taken.setdefault(key, []).append(f"{what} {name!r}")
            out += [(rule.origin, f"the built-in rule {owner!r} ({', '.join(names)})")
                    for (owner, _expression), names in taken.items()]
    return out + _table_overrides(builtin, merged) + _text_overrides(builtin, merged)


def _text_overrides(builtin: RulePack, merged: RulePack) -> list[tuple[str, str]]:
    """A user's fingerprints.json that replaces a built-in set of reference texts (a packed
    binary of a built-in one's name, a text of a built-in one's key), adds a reference text
    for a built-in rule, or adds, for a rule of the user's, a text identical (in canonical
    form) to a built-in one: either way a text of the user's would then be identified as that
    built-in license, or that license's text as the user's. The texts of a packed binary of a
    new name are checked as those under `texts` are, row by row."""
    packed = builtin.fingerprints.get("packed")
    texts = builtin.fingerprints.get("texts")
    out: list[tuple[str, str]] = []
    new_binaries: dict[str, str] = {}  # name -> the fingerprints.json naming it (the last wins)
    for origin, user in zip(merged.origins[1:], merged.layer_fingerprints[1:], strict=True):
        path = str(Path(origin) / FINGERPRINTS)
        user = _mapping(user)
        for name in _mapping(user.get("packed")):
            if isinstance(packed, dict) and name in packed:
                out.append((path, f"the built-in reference texts {name!r}"))
            else:
                new_binaries[name] = path
        for key, entry in _mapping(user.get("texts")).items():
            if isinstance(texts, dict) and key in texts:
                out.append((path, f"the built-in reference text {key!r}"))
            elif isinstance(entry, dict):
                out += [(path, what) for what in _claimed_text(
                    builtin, str(entry.get("rule")), _current_hash(entry),
                    f"reference text {key!r}")]
    for name, path in new_binaries.items():
        for ref in _packed_texts(merged, name, path):
            out += [(path, what) for what in _claimed_text(
                builtin, ref.rule_id, ref.hash, f"reference text {ref.key!r} in {name!r}")]
    return out


def _current_hash(entry: Mapping[str, Any]) -> str | None:
    """The canonical hash of a `texts` entry the index reads; None for one of another
    normalizer version, which the index skips (it is never matched)."""
    from licscan.identify.normalize import NORMALIZER_VERSION

    text_hash = entry.get("hash")
    return text_hash if entry.get("v") == NORMALIZER_VERSION and isinstance(text_hash, str) \
        else None


def _claimed_text(builtin: RulePack, rule_id: str, text_hash: str | None,
                  what: str) -> list[str]:
    """What a reference text of the user's (its rule id and canonical hash) takes from the
    built-in pack: a built-in rule it is filed under, or each built-in rule with an identical
    reference text (the same canonical hash, made by the same normalizer)."""
    if rule_id in builtin.rules:
        return [f"the built-in rule {rule_id!r} ({what})"]
    if text_hash is None:
        return []
    # lazy: the fingerprint index loads the identification modules, which `licscan rules
    # validate` does not need
    from licscan.identify.index import pack_index

    same = pack_index(builtin).by_hash.get(text_hash, ())
    return [f"the built-in rule {ref.rule_id!r} ({what}, identical to the built-in reference "
            f"text {ref.key!r})" for ref in same if ref.rule_id != rule_id]


def _packed_texts(merged: RulePack, name: str, pointer: str) -> tuple[RefText, ...]:
    """The reference texts of the packed binary `name` as the merged pack's index reads them
    (the same loader: the newest folder holding the file, checked against the sha256 that
    `pointer`, the fingerprints.json naming it, gives; none when the file is missing or of
    another normalizer). A binary that does not load is an error: unread, it could hold any
    text."""
    # the index's own builder, given only this binary: the format is read in one place
    from licscan.identify.index import FingerprintError, build_index

    facts = _mapping(merged.fingerprints.get("packed")).get(name)
    try:
        return build_index({"packed": {name: facts}}, merged.origins).texts
    except (FingerprintError, AttributeError, KeyError, TypeError, ValueError, struct.error,
            zlib.error) as exc:
        raise RulePackError(f"the packed reference texts {name!r} do not load: {exc}",
                            file=pointer) from exc


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _table_overrides(builtin: RulePack, merged: RulePack) -> list[tuple[str, str]]:
    tables = merged.derived.tables if isinstance(merged.derived, DerivedRules) else ()
    return [(origin, f"the built-in SPDX table row {key!r}")
            for origin, table in tables[1:] for key in DerivedRules([(origin, table)])
            if key in builtin.derived]
