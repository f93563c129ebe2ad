"""The deploying organisation's situation, against which conditional terms are evaluated.

A context file is YAML: either a mapping of the context keys, or a mapping with a `context:`
section (as in licscan.yaml). Every key is optional; a missing value is answered "not given".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from yaml.nodes import Node

from licscan import safeyaml
from licscan.errors import ConfigError

USES = ("commercial", "internal", "research")
DISTRIBUTIONS = ("hosted", "redistributed", "internal")
KEYS = ("use", "monthly_active_users", "annual_revenue_usd", "regions", "distribution",
        "multimodal")
EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})
# ISO 3166 says GB, licenses and people say UK; the EU writes Greece as EL.
_REGION_ALIASES = {"GB": "UK", "EL": "GR"}
_REGION_SHAPE = re.compile(r"^[A-Z]{2,3}$")


class _Fail(Protocol):
    def __call__(self, key: str, message: str, hint: str | None = None) -> ConfigError: ...


@dataclass(frozen=True)
class Context:
    use: str | None = None  # "commercial" | "internal" | "research"
    monthly_active_users: int | None = None
    annual_revenue_usd: float | None = None
    regions: tuple[str, ...] = ()  # where the organisation and its developers are established
    distribution: str | None = None  # "hosted" | "redistributed" | "internal"
    multimodal: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The values given, in KEYS order (the report's `context`)."""
        values = {"use": self.use, "monthly_active_users": self.monthly_active_users,
                  "annual_revenue_usd": self.annual_revenue_usd,
                  "regions": list(self.regions) or None, "distribution": self.distribution,
                  "multimodal": self.multimodal}
        return {key: value for key, value in values.items() if value is not None}


def normalize_region(code: str) -> str:
    upper = code.strip().upper()
    return _REGION_ALIASES.get(upper, upper)


def matching_regions(rule_regions: Iterable[str], context_regions: Iterable[str]) -> list[str]:
    """The context's regions that a rule's region list covers; "EU" covers its member states."""
    named = {normalize_region(region) for region in rule_regions}
    return [region for region in context_regions
            if region in named or ("EU" in named and region in EU_MEMBER_STATES)]


def load_context(path: str | Path) -> Context:
    """Read a context file; ConfigError names the file, the key and the line of any problem."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the context file: {exc}", file=file) from exc
    try:
        data, node = safeyaml.compose(text)
    except safeyaml.YamlProblem as exc:
        raise ConfigError(exc.message, file=file, line=exc.line) from exc
    if not isinstance(data, Mapping):
        raise ConfigError("a context file must be a mapping of context keys",
                          file=file, line=safeyaml.line_of(node), hint=_key_hint())
    if "context" in data:
        section, section_node = data["context"], safeyaml.mapping_value_node(node, "context")
        if section is None:
            return Context()
        if not isinstance(section, Mapping):
            raise ConfigError("must be a mapping of context keys", file=file, key="context",
                              line=safeyaml.line_of(section_node), hint=_key_hint())
        return context_from_mapping(section, file=file, node=section_node, prefix="context.")
    return context_from_mapping(data, file=file, node=node)


def context_from_mapping(data: Mapping[str, Any], *, file: str | None = None,
                         node: Node | None = None, prefix: str = "") -> Context:
    """A Context from parsed YAML; `node` (from safeyaml.compose) gives errors their line."""
    def fail(key: str, message: str, hint: str | None = None) -> ConfigError:
        line = safeyaml.line_of(safeyaml.mapping_value_node(node, key) or node)
        return ConfigError(message, file=file, line=line, key=prefix + key, hint=hint)

    for key in data:
        if key not in KEYS:
            raise fail(str(key), "unknown context key", _key_hint())
    return Context(
        use=_choice(data, "use", USES, fail),
        monthly_active_users=_count(data, "monthly_active_users", fail),
        annual_revenue_usd=_amount(data, "annual_revenue_usd", fail),
        regions=_regions(data, fail),
        distribution=_choice(data, "distribution", DISTRIBUTIONS, fail),
        multimodal=_boolean(data, "multimodal", fail))


def _key_hint() -> str:
    return "context keys: " + ", ".join(KEYS)


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...],
            fail: _Fail) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise fail(key, f"{value!r} is not one of: {', '.join(allowed)}")
    return str(value)


def _count(data: Mapping[str, Any], key: str, fail: _Fail) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise fail(key, f"{value!r} is not a whole number of users (0 or more)",
                   "write 800000000 or 800_000_000")
    return value


def _amount(data: Mapping[str, Any], key: str, fail: _Fail) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise fail(key, f"{value!r} is not an amount in US dollars (0 or more)",
                   "write 5000000 or 5_000_000")
    return value


def _regions(data: Mapping[str, Any], fail: _Fail) -> tuple[str, ...]:
    value = data.get("regions")
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise fail("regions", "must be a list of region codes", "e.g. [EU, US] or [DE, UK]")
    regions = [normalize_region(item) for item in items]
    for item, region in zip(items, regions, strict=True):
        if not _REGION_SHAPE.match(region):
            raise fail("regions", f"{item!r} is not a region code",
                       "use ISO 3166 country codes (DE, FR, US, KR, CN …) or EU, UK")
    return tuple(sorted(set(regions)))


def _boolean(data: Mapping[str, Any], key: str, fail: _Fail) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise fail(key, f"{value!r} is not true or false")
