"""The `policy:` and `waivers:` sections of licscan.yaml -> Policy. Strict: an unknown key, a
malformed rule or a waiver without an expiry is a ConfigError naming the file, key and line.

Rule shorthand (a string): `unknown`; a category (`non-commercial`); an SPDX expression with
an operator (`MIT OR Apache-2.0`); otherwise a license id (rule-pack id, SPDX or LicenseRef id,
Hub id). The mapping forms say the kind: `{license: …}`, `{expression: …}`, `{category: …}`,
`{family: …}`, `{flag: commercial_use, is: prohibited}`, `{finding: license-mismatch}`,
`{unknown: true}`; each may carry a `note:`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from yaml.nodes import Node

from licscan import safeyaml
from licscan.errors import ConfigError
from licscan.policy import expr as spdx
from licscan.policy.findings import CATALOGUE
from licscan.policy.model import (
    BOOL_FLAGS,
    CATEGORIES,
    LISTS,
    TRI_FLAGS,
    TRI_VALUES,
    Policy,
    Rule,
    Waiver,
)

POLICY_KEYS = ("fail_on", "unknown", *LISTS)
WAIVER_KEYS = ("model", "reason", "approved_by", "expires", "license", "revision")
_KIND_KEYS = ("license", "expression", "category", "family", "flag", "finding", "unknown")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+:_\-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_WAIVER_YEARS = 3


class _Where:
    """Builds ConfigErrors that point at a key and its line."""

    def __init__(self, file: str | None) -> None:
        self.file = file

    def error(self, message: str, key: str, node: Node | None, hint: str | None = None,
              ) -> ConfigError:
        return ConfigError(message, file=self.file, line=safeyaml.line_of(node), key=key,
                           hint=hint)


def load_policy(section: Any, node: Node | None, waivers: Any, waivers_node: Node | None, *,
                file: str | None, today: date) -> Policy:
    where = _Where(file)
    section = {} if section is None else section
    if not isinstance(section, Mapping):
        raise where.error("must be a mapping with fail_on, unknown, deny, review, allow",
                          "policy", node)
    for key in section:
        if key not in POLICY_KEYS:
            raise where.error("unknown key", f"policy.{key}",
                              safeyaml.mapping_value_node(node, str(key)) or node,
                              hint="policy keys: " + ", ".join(POLICY_KEYS))
    lists = {name: _rules(section.get(name), name, safeyaml.mapping_value_node(node, name),
                          where) for name in LISTS}
    return Policy(
        fail_on=_choice(section, "fail_on", ("deny", "review"), "deny", node, where),
        unknown=_choice(section, "unknown", ("review", "deny"), "review", node, where),
        deny=lists["deny"], review=lists["review"], allow=lists["allow"],
        waivers=_waivers(waivers, waivers_node, where, today))


def _choice(section: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str,
            node: Node | None, where: _Where) -> str:
    value = section.get(key, default)
    if value not in allowed:
        raise where.error(f"{value!r} is not one of: {', '.join(allowed)}", f"policy.{key}",
                          safeyaml.mapping_value_node(node, key))
    return str(value)


def _rules(items: Any, name: str, node: Node | None, where: _Where) -> tuple[Rule, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise where.error("must be a list of rules", f"policy.{name}", node)
    nodes = safeyaml.sequence_item_nodes(node)
    rules = []
    for index, item in enumerate(items):
        item_node = nodes[index] if index < len(nodes) else node
        key = f"policy.{name}[{index}]"
        rules.append(_rule(item, name, index, item_node, key, where))
    return tuple(rules)


def _rule(item: Any, verdict: str, index: int, node: Node | None, key: str,
          where: _Where) -> Rule:
    line = safeyaml.line_of(node)
    if isinstance(item, str):
        kind, value = _shorthand(item.strip())
        return _checked(Rule(kind, value, verdict, index, line), node, key, where)
    if not isinstance(item, Mapping):
        raise where.error("a rule is a string or a mapping", key, node, hint=_RULE_HINT)
    kinds = [k for k in item if k in _KIND_KEYS]
    extra = [str(k) for k in item if k not in (*_KIND_KEYS, "is", "note")]
    if len(kinds) != 1 or extra:
        raise where.error("a rule mapping needs exactly one of " + ", ".join(_KIND_KEYS)
                          + (f" (unexpected: {', '.join(extra)})" if extra else ""),
                          key, node, hint=_RULE_HINT)
    kind = kinds[0]
    if "is" in item and kind != "flag":
        raise where.error("'is' belongs to flag rules only", key, node)
    note = item.get("note")
    if note is not None and not isinstance(note, str):
        raise where.error("'note' must be a string", key, node)
    if kind == "unknown":
        if item["unknown"] is not True:
            raise where.error("write `unknown` or `{unknown: true}`", key, node)
        return Rule("unknown", "unknown", verdict, index, line, note=note)
    value = item[kind]
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"{kind!r} must be a non-empty string", key, node)
    values = _flag_values(value, item.get("is"), key, node, where) if kind == "flag" else ()
    return _checked(Rule(kind, value.strip(), verdict, index, line, values, note), node, key,
                    where)


def _shorthand(text: str) -> tuple[str, str]:
    if text == "unknown":
        return "unknown", text
    if text in CATEGORIES:
        return "category", text
    if spdx.is_compound_text(text):
        return "expression", text
    return "license", text


def _checked(rule: Rule, node: Node | None, key: str, where: _Where) -> Rule:
    if rule.kind == "expression":
        try:
            parsed = spdx.parse(rule.value)
        except spdx.ExpressionProblem as exc:
            raise where.error(str(exc), key, node) from exc
        if isinstance(parsed, spdx.Leaf) and parsed.exception is None:
            return Rule("license", parsed.key, rule.verdict, rule.index, rule.line,
                        note=rule.note)
        return Rule(rule.kind, rule.value, rule.verdict, rule.index, rule.line, note=rule.note,
                    parsed=parsed)
    if rule.kind == "license" and not _ID.match(rule.value):
        raise where.error(f"{rule.value!r} is not a license id", key, node, hint=_RULE_HINT)
    if rule.kind == "category" and rule.value not in CATEGORIES:
        raise where.error(f"unknown category {rule.value!r}", key, node,
                          hint="categories: " + ", ".join(CATEGORIES))
    if rule.kind == "finding" and rule.value not in CATALOGUE:
        raise where.error(f"unknown finding code {rule.value!r}", key, node,
                          hint="see docs/findings.md; codes: " + ", ".join(sorted(CATALOGUE)))
    return rule


def _flag_values(flag: str, wanted: Any, key: str, node: Node | None,
                 where: _Where) -> tuple[str, ...]:
    if flag not in (*TRI_FLAGS, *BOOL_FLAGS):
        raise where.error(f"unknown flag {flag!r}", key, node,
                          hint="flags: " + ", ".join((*TRI_FLAGS, *BOOL_FLAGS)))
    items = wanted if isinstance(wanted, list) else [wanted]
    if flag in BOOL_FLAGS:
        if not all(isinstance(v, bool) for v in items):
            raise where.error(f"flag {flag} takes `is: true` or `is: false`", key, node)
        return tuple(str(v).lower() for v in items)
    if not items or not all(v in TRI_VALUES for v in items):
        raise where.error(f"flag {flag} takes `is:` one or a list of " + ", ".join(TRI_VALUES),
                          key, node)
    return tuple(str(v) for v in items)


def _waivers(items: Any, node: Node | None, where: _Where, today: date) -> tuple[Waiver, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise where.error("must be a list of waivers", "waivers", node)
    nodes = safeyaml.sequence_item_nodes(node)
    return tuple(_waiver(item, index, nodes[index] if index < len(nodes) else node, where, today)
                 for index, item in enumerate(items))


def _waiver(item: Any, index: int, node: Node | None, where: _Where, today: date) -> Waiver:
    key = f"waivers[{index}]"
    if not isinstance(item, Mapping):
        raise where.error("a waiver is a mapping", key, node, hint=_WAIVER_HINT)
    for name in item:
        if name not in WAIVER_KEYS:
            raise where.error("unknown key", f"{key}.{name}",
                              safeyaml.mapping_value_node(node, str(name)) or node,
                              hint="waiver keys: " + ", ".join(WAIVER_KEYS))

    def text(name: str, required: bool) -> str | None:
        value = item.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise where.error(f"{name} is required (a non-empty string)" if value is None
                              else f"{name} must be a non-empty string", f"{key}.{name}",
                              safeyaml.mapping_value_node(node, name) or node, hint=_WAIVER_HINT)
        return value.strip()

    model, reason, approved_by = (text(n, True) or "" for n in ("model", "reason", "approved_by"))
    expires = _expiry(item.get("expires"), f"{key}.expires",
                      safeyaml.mapping_value_node(node, "expires") or node, where, today)
    license_text = text("license", False)
    parsed = None
    if license_text is not None:
        try:
            parsed = spdx.parse(license_text)
        except spdx.ExpressionProblem as exc:
            raise where.error(str(exc), f"{key}.license",
                              safeyaml.mapping_value_node(node, "license")) from exc
    return Waiver(model=model, reason=reason, approved_by=approved_by, expires=expires,
                  license=license_text, revision=text("revision", False), index=index,
                  line=safeyaml.line_of(node), parsed_license=parsed)


def _expiry(value: Any, key: str, node: Node | None, where: _Where, today: date) -> date:
    if value is None:
        raise where.error("expires is required: waivers are time-bounded", key, node,
                          hint=f"a date (YYYY-MM-DD) at most {MAX_WAIVER_YEARS} years ahead")
    try:
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError(value)
        expires = date.fromisoformat(value)
    except ValueError:
        raise where.error(f"{value!r} is not a date (YYYY-MM-DD)", key, node) from None
    limit = _years_after(today, MAX_WAIVER_YEARS)
    if expires > limit:
        raise where.error(f"{value} is more than {MAX_WAIVER_YEARS} years ahead; waivers are "
                          "time-bounded exemptions", key, node,
                          hint=f"expire it by {limit.isoformat()} and renew it when it ends")
    return expires


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


_RULE_HINT = ("a rule is a license id, an SPDX expression, a category, `unknown`, or one of "
              "{license: ID}, {expression: EXPR}, {category: NAME}, {family: NAME}, "
              "{flag: commercial_use, is: prohibited}, {finding: CODE}; see docs/policy.md")
_WAIVER_HINT = ("a waiver needs model, reason, approved_by and expires (YYYY-MM-DD); "
                "license and revision are optional")
