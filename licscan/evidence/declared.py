"""Normalise what a card declares (`license`, `license_name`, `license_link`) to rules.

The declared license is a claim: this module says what the claim means, not whether it is
true (that is `conclude`, with the files as evidence).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from licscan import expression as spdx
from licscan.errors import UsageError
from licscan.rulepack import Rule, RulePack

DEPRECATED_GNU = {"gpl-2.0", "gpl-3.0", "lgpl-2.1", "lgpl-3.0", "agpl-3.0"}
NEEDS_TEXT_KINDS = ("family", "marker")


@dataclass(frozen=True)
class Note:
    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class DeclaredLicense:
    """The claim, normalised. `expression` is None when the claim cannot stand on its own."""

    raw: Any
    expression: str | None
    rules: tuple[Rule, ...]  # rules the claim names (incl. family tags and markers)
    unresolved: tuple[str, ...] = ()  # ids or names that need the text or are unknown
    notes: tuple[Note, ...] = field(default=())

    @property
    def resolved(self) -> bool:
        return self.expression is not None and not self.unresolved


def _match_url(link: str, pack: RulePack) -> Rule | None:
    bare = link.split("://", 1)[-1].rstrip("/").lower()
    bare = bare.removeprefix("www.")
    for rule in pack.rules.values():
        for url in rule.urls:
            candidate = url.split("://", 1)[-1].rstrip("/").lower().removeprefix("www.")
            if candidate and (bare == candidate or bare.startswith(candidate + "/")
                              or bare.startswith(candidate + ".")):
                return rule
    return None


def _resolve_other(name: Any, link: Any, pack: RulePack) -> tuple[Rule | None, list[Note]]:
    notes: list[Note] = []
    if isinstance(name, str) and name.strip():
        key = name.strip().lower()
        rule = pack.by_license_name.get(key) or pack.by_hub_id.get(key)
        if rule is not None and rule.kind not in NEEDS_TEXT_KINDS:
            return rule, notes
        notes.append(Note("license-name-unknown", "review",
                          f"license_name {name!r} is not in the rule pack"))
    if isinstance(link, str) and "://" in link:
        rule = _match_url(link, pack)
        if rule is not None and rule.kind not in NEEDS_TEXT_KINDS:
            notes.append(Note("license-from-link", "info",
                              f"license resolved from license_link {link}"))
            return rule, notes
    return None, notes


def _one(value: str, name: Any, link: Any, pack: RulePack, only: bool = True,
         ) -> tuple[str | None, list[Rule], list[str], list[Note]]:
    """`only`: the card declares this one license (a `license_name` then names it too)."""
    key = value.strip()
    lower = key.lower()
    notes: list[Note] = []
    if lower == "other":
        rule, notes = _resolve_other(name, link, pack)
        if rule is not None:
            return rule.expression_id, [rule], [], notes
        marker = pack.get("other")
        return None, [marker] if marker else [], [f"other ({name or 'no license_name'})"], notes
    rule = pack.by_hub_id.get(lower)
    if only and rule is not None and rule.kind not in NEEDS_TEXT_KINDS and not rule.needs_text:
        other = _name_beside(key, rule, name, pack)
        if other is not None:
            return other
    if rule is not None:
        if rule.kind in NEEDS_TEXT_KINDS or rule.needs_text:
            return None, [rule], [lower], notes
        if lower in DEPRECATED_GNU:
            notes.append(Note("gpl-version-ambiguous", "info",
                              f"the Hub id {lower!r} does not say 'only' or 'or later'; "
                              f"licscan reads it as {rule.expression_id}"))
        return rule.expression_id, [rule], [], notes
    # Not a Hub id: an SPDX id or expression, or a LicenseRef, or a license_name-like alias.
    rule = pack.by_license_name.get(lower) or pack.by_expression_id.get(lower)
    if rule is not None and rule.kind not in NEEDS_TEXT_KINDS:
        return rule.expression_id, [rule], [], notes
    try:
        parsed = spdx.parse(key)
    except UsageError:
        return None, [], [key], [Note("unknown-license-id", "review",
                                      f"declared license {key!r} is neither a Hub id nor an "
                                      "SPDX expression")]
    rules = [r for k in spdx.symbol_keys(parsed) if (r := pack.by_expression_id.get(k.lower()))]
    unknown = [k for k in spdx.unknown_keys(parsed) if k.lower() not in pack.by_expression_id]
    if unknown:
        notes.append(Note("unknown-license-id", "review",
                          f"declared license {key!r} names unknown id(s): {', '.join(unknown)}"))
    return spdx.render(parsed), rules, [], notes


CUSTOM_NAME_REF = "LicenseRef-licscan-custom-name-"
_WORDS = re.compile(r"\b(?:the|licen[cs]es?|version|v)\b|[^a-z0-9]+")


def _slug(text: str) -> str:
    return _WORDS.sub("", text.lower())


def _names_rule(name: str, rule: Rule) -> bool:
    """Does `license_name` name this rule's license (its id, a title, a reference, or less
    of it: "Apache" for Apache-2.0), adding nothing ("apache-2.0-non-commercial" adds)?"""
    slug = _slug(name)
    known = {_slug(n) for n in (rule.id, rule.name, rule.expression_id, *rule.hub_ids,
                                *rule.license_names, *rule.titles, *rule.references)}
    return bool(slug) and any(k == slug or (k.startswith(slug) and len(slug) >= 3)
                              for k in known if k)


def _name_beside(value: str, rule: Rule, name: Any, pack: RulePack,
                 ) -> tuple[str | None, list[Rule], list[str], list[Note]] | None:
    """A card whose `license` is a known id and whose `license_name` names something else
    (`license: apache-2.0`, `license_name: apache-2.0-non-commercial`): both claims apply.
    A known license the name gives is ANDed in; an unknown one is a custom license licscan
    has no terms for (a LicenseRef named by the text of the name)."""
    if not isinstance(name, str) or not name.strip() or _names_rule(name, rule):
        return None
    named = pack.by_license_name.get(name.strip().lower()) or \
        pack.by_hub_id.get(name.strip().lower()) or \
        pack.by_expression_id.get(name.strip().lower())
    if named is not None and named.id == rule.id:
        return None
    note = Note("license-name-mismatch", "review",
                f"the card's license is {value!r} but its license_name is {name.strip()!r}, "
                "which names another license; both are taken to apply")
    if named is not None and named.kind not in NEEDS_TEXT_KINDS and not named.needs_text:
        return spdx.combine_and([rule.expression_id, named.expression_id]), [rule, named], \
            [], [note]
    digest = hashlib.sha256(name.strip().lower().encode("utf-8", "replace")).hexdigest()[:12]
    return spdx.combine_and([rule.expression_id, CUSTOM_NAME_REF + digest]), [rule], [], [note]


def normalize_declared(license_value: Any, license_name: Any, license_link: Any,
                       pack: RulePack) -> DeclaredLicense:
    if license_value is None or license_value == "" or license_value == []:
        return DeclaredLicense(raw=license_value, expression=None, rules=(),
                               unresolved=("none",))
    values = license_value if isinstance(license_value, list) else [license_value]
    expressions: list[str] = []
    rules: list[Rule] = []
    unresolved: list[str] = []
    notes: list[Note] = []
    for value in values:
        if not isinstance(value, str):
            unresolved.append(repr(value)[:80])
            notes.append(Note("card-invalid", "review",
                              f"license value {value!r} is not a string"))
            continue
        expr, found, missing, more = _one(value, license_name, license_link, pack,
                                          len(values) == 1)
        if expr:
            expressions.append(expr)
        rules.extend(found)
        unresolved.extend(missing)
        notes.extend(more)
    if len(values) > 1:
        notes.append(Note("license-list", "info",
                          "the card lists several licenses; licscan treats them as all "
                          "applying (AND)"))
    expression = spdx.combine_and(expressions) if not unresolved else None
    return DeclaredLicense(raw=license_value, expression=expression, rules=tuple(rules),
                           unresolved=tuple(unresolved), notes=tuple(notes))
