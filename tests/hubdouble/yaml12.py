"""Front-matter YAML loading with YAML 1.2 core-schema scalars, on top of PyYAML's parser.

The Hub parses model-card front matter with a JavaScript YAML 1.2 library, so `no` stays a string,
`2024-01-01` stays a string and `017` is the integer 17, unlike PyYAML's YAML 1.1 `safe_load`.
Anchors, aliases, duplicate keys and non-core tags are rejected: such a card gets no cardData.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


class RejectedYaml(yaml.YAMLError):
    """The document uses a feature the double refuses (aliases, anchors, custom tags, dup keys)."""


class Yaml12Loader(yaml.SafeLoader):
    """A SafeLoader with YAML 1.2 core-schema implicit typing and no anchors/aliases/custom tags."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            raise RejectedYaml(f"aliases are not allowed ({event.start_mark})")
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise RejectedYaml(f"anchors are not allowed ({event.start_mark})")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _ALLOWED_TAGS:
            raise RejectedYaml(f"tag {tag!r} is not allowed ({event.start_mark})")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Keys become JSON object keys (strings), as in the Hub's JSON; duplicates are refused."""
        seen: set[tuple[type, Hashable]] = set()  # typed, so that `1` and `true` differ
        mapping: dict[Hashable, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise ConstructorError(None, None, "unhashable mapping key", key_node.start_mark)
            if (type(key), key) in seen:
                raise RejectedYaml(f"duplicate mapping key {key!r} ({key_node.start_mark})")
            seen.add((type(key), key))
            mapping[json_key(key)] = self.construct_object(value_node, deep=deep)
        return mapping


def json_key(key: Any) -> str:
    """The JSON object key a YAML scalar key becomes (as JSON.stringify would write it)."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _construct_int(loader: Yaml12Loader, node: ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader: Yaml12Loader, node: ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


# Start from no implicit types at all (not SafeLoader's YAML 1.1 set), then add the core schema.
Yaml12Loader.yaml_implicit_resolvers = {}
Yaml12Loader.add_implicit_resolver(
    _CORE + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
Yaml12Loader.add_implicit_resolver(
    _CORE + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
Yaml12Loader.add_implicit_resolver(
    _CORE + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
Yaml12Loader.add_implicit_resolver(
    _CORE + "float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
Yaml12Loader.add_constructor(_CORE + "int", _construct_int)
Yaml12Loader.add_constructor(_CORE + "float", _construct_float)


def load_yaml12(text: str) -> Any:
    """Parse one YAML document; raises `yaml.YAMLError` (or ValueError) when it is refused."""
    loader = Yaml12Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
