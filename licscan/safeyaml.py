"""YAML for untrusted input: model cards, manifests, configs.

PyYAML's safe loader still expands aliases (a "billion laughs" bomb costs memory and time)
and follows YAML 1.1 (dates become objects). This loader refuses anchors and aliases,
bounds depth, node count and size, and keeps dates and other timestamps as strings,
like the Hub's own JSON view of a card.

With libyaml, a document is first read as events by the C parser, which refuses what the
bounded loader refuses (anchors, aliases, too many nodes, too deep, more than one document)
before anything is composed; a document that passes is composed by libyaml and constructed as
before. Any other outcome (an error, a refusal, a character the reader rejects, no libyaml) is
decided by the pure-Python bounded loader, so every error and its message are its own.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_NODES = 50_000


class YamlProblem(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """Safe loader that refuses aliases and runaway nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise YamlProblem("YAML aliases are not accepted", line)
        if getattr(event, "anchor", None):
            raise YamlProblem("YAML anchors are not accepted", line)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlProblem(f"YAML has more than {MAX_NODES} nodes", line)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlProblem(f"YAML is nested deeper than {MAX_DEPTH} levels", line)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Timestamps stay strings (YAML 1.2 / JSON view); everything else as in the safe schema.
_BoundedLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

def _c_parser() -> Any:
    try:
        return importlib.import_module("yaml._yaml").CParser
    except (ImportError, AttributeError):  # PyYAML built without libyaml
        return None


_CParser = _c_parser()
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_DIFFERENT = re.compile("[\t\ufeff]")


class _Declined(Exception):
    """The fast path does not decide this document: the pure-Python loader does."""


if _CParser is not None:
    class _FastLoader(_CParser, yaml.constructor.SafeConstructor,  # type: ignore[valid-type,misc]
                      yaml.resolver.Resolver):
        """libyaml's parser and composer with the bounded loader's constructor and schema."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FastLoader.yaml_implicit_resolvers = _BoundedLoader.yaml_implicit_resolvers


def _within_bounds(text: str) -> bool:
    """Whether the document's events pass what `_BoundedLoader.compose_node` checks, read by
    libyaml before anything is composed (its composer recurses in C: depth must be known
    first). Only one document is read, as `get_single_node` does. An empty plain scalar is
    declined too: libyaml and PyYAML give it different lines."""
    loader = _FastLoader(text)
    try:
        depth = nodes = documents = 0
        while loader.check_event():
            event: Any = loader.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.SequenceStartEvent \
                    or kind is yaml.MappingStartEvent:
                nodes += 1
                if event.anchor is not None or nodes > MAX_NODES or depth + 1 > MAX_DEPTH:
                    return False
                if kind is not yaml.ScalarEvent:
                    depth += 1
                elif not event.value and not event.style:
                    return False  # an empty node: libyaml may place it on another line
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                depth -= 1
            elif kind is yaml.AliasEvent:
                return False
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return False
        return True
    finally:
        loader.dispose()


def _compose_fast(text: str) -> tuple[Any, Node | None]:
    # libyaml and PyYAML differ on byte order marks and on tabs (PyYAML refuses some that
    # libyaml reads): those documents are the pure-Python loader's
    if _DIFFERENT.search(text) or _NON_PRINTABLE.search(text) or not _within_bounds(text):
        raise _Declined
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def compose(text: str) -> tuple[Any, Node | None]:
    """Parse one document; return (data, node tree) so callers can report line numbers."""
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"YAML is larger than {MAX_BYTES} bytes")
    if _CParser is not None:
        try:
            data, node = _compose_fast(text)
        except (_Declined, yaml.YAMLError, RecursionError, ValueError, TypeError):
            pass  # refused or invalid: the pure-Python loader says why, in its own words
        else:
            _mark_key_lines(node)
            return data, node
    return _compose_python(text)


def _compose_python(text: str) -> tuple[Any, Node | None]:
    try:
        loader = _BoundedLoader(text)
    except yaml.YAMLError as exc:  # the reader rejects control characters up front
        raise YamlProblem(f"invalid YAML: {exc}") from exc
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(f"invalid YAML: {exc.problem or exc.context}", line) from exc
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise YamlProblem(f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    _mark_key_lines(node)
    return data, node


def _mark_key_lines(root: Node | None) -> None:
    """Give each mapping value the line of its key: an error about `policy:` or `context:`
    whose value is a nested block points at the key, not at the first line inside it."""
    todo = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                setattr(value_node, "key_line", key_node.start_mark.line + 1)  # noqa: B010
                todo.append(value_node)
        elif isinstance(node, SequenceNode):
            todo.extend(node.value)


def load(text: str) -> Any:
    return compose(text)[0]


def line_of(node: Node | None) -> int | None:
    """The line of a node: a mapping value's key line (see `_mark_key_lines`), else where the
    node starts."""
    if node is None:
        return None
    key_line = getattr(node, "key_line", None)
    return key_line if isinstance(key_line, int) else node.start_mark.line + 1


def mapping_value_node(node: Node | None, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == key:
                return value_node  # type: ignore[no-any-return]
    return None


def sequence_item_nodes(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []
