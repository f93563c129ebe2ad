"""Model references in serving configs and build files.

YAML (vLLM, TGI, LiteLLM `model_list`, compose, Helm values, Kubernetes), JSON, TOML, .env,
Dockerfiles, Ollama Modelfiles and shell scripts. A value counts when its key is named like a
model id (`model`, `MODEL_ID`, `base_model`, `*_model` ...) and it is an owner/name Hub id, a
Hub URL or a provider-routed id (`huggingface/owner/name`); command lines count by their flags
(`vllm serve X`, `--model X`, `--model-id X`, `huggingface-cli download X`, `ollama pull X`).
Hub URLs count anywhere in values (not in comments).
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from licscan.discover.model import (
    HUB,
    LOCAL,
    OLLAMA,
    UNRESOLVED,
    ItemError,
    Location,
    Reference,
)
from licscan.discover.values import (
    Named,
    classify,
    hub_urls,
    is_model_key,
    ollama_name,
    role_of_key,
)

MAX_YAML_NODES = 200_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
# A config is parsed only if one of these occurs in it: every rule below needs one.
CONFIG_TRIGGERS = re.compile(
    r"model|tokenizer|repo|name_or_path|huggingface|hf\.co|hf[_-]hub|serve|download|ollama|adapter|lora"
    r"|checkpoint|pretrained|llm|embed|rerank|draft|speculative|teacher|student",
    re.IGNORECASE)
_MODEL_FLAGS = {"--model", "--model-id", "--model_id", "--model-path", "--model_path",
                "--model-name", "--model-name-or-path", "--hf-repo", "-hfr", "-hf",
                "--pretrained-model-name-or-path", "--base-model", "--base_model",
                "--speculative-model", "--draft-model", "--tokenizer", "--adapter",
                "--lora", "--peft-model-id"}
_REVISION_FLAGS = {"--revision", "--model-revision", "--code-revision"}
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\$\{\{.*?\}\}")


class _Sink:
    """Collects references for one file, without reporting one value twice at one place."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.refs: list[Reference] = []
        self.seen: set[tuple[int | None, str, str]] = set()

    def add(self, named: Named, line: int | None, column: int | None, pattern: str,
            role: str = "model", revision: str | None = None,
            notes: tuple[str, ...] = ()) -> None:
        key = (line, named.kind, named.value)
        if key in self.seen:
            return
        self.seen.add(key)
        if named.note:
            notes = (*notes, named.note)
        self.refs.append(Reference(named.kind, named.value, Location(self.file, line, column),
                                   pattern, revision=revision or named.revision,
                                   subfolder=named.subfolder, role=role, notes=notes))

    def unresolved(self, text: str, line: int | None, column: int | None, pattern: str,
                   note: str) -> None:
        key = (line, UNRESOLVED, text)
        if key not in self.seen:
            self.seen.add(key)
            self.refs.append(Reference(UNRESOLVED, text[:200], Location(self.file, line, column),
                                       pattern, notes=(note,)))

    def urls(self, text: str, line: int | None, column: int | None) -> None:
        for _offset, named in hub_urls(text):
            self.add(named, line, column, "hub-url")


# -- command lines -----------------------------------------------------------------------


def argv_refs(tokens: list[str], sink: _Sink, line: int | None, column: int | None,
              env: Callable[[str], str | None] = lambda _n: None) -> None:
    """vllm serve X, --model X, --model-id=X, huggingface-cli download X, ollama pull X."""
    found: list[tuple[str, str, str]] = []  # (value, pattern, role)
    revision: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        flag, eq, inline = token.partition("=")
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if flag in _MODEL_FLAGS or (flag.startswith("--") and is_model_key(flag[2:])):
            value = inline if eq else following
            if value is not None and not value.startswith("-"):
                role = "tokenizer" if "tokenizer" in flag else \
                    "adapter" if any(w in flag for w in ("adapter", "lora", "peft")) else \
                    "base-model" if "base" in flag else "model"
                found.append((value, f"flag {flag}", role))
                i += 1 if eq else 2
                continue
        if flag in _REVISION_FLAGS:
            value = inline if eq else following
            if value is not None:
                revision = value
        pattern = _subcommand(tokens, i)
        if pattern == "ollama":
            named = ollama_name(_substitute(tokens[i + 2], env)[0])
            if named is not None:
                sink.add(named, line, column, f"ollama-{tokens[i + 1]}")
        elif pattern is not None:
            found.append((tokens[i + 2], pattern, "model"))
        i += 1 if pattern is None else 3
    for value, pattern, role in found:
        text, unknown = _substitute(value, env)
        if unknown:
            sink.unresolved(value, line, column, pattern,
                            f"built from {', '.join(sorted(unknown))}, not set in this file")
            continue
        named = classify(text)
        if named is not None:
            sink.add(named, line, column, pattern, role,
                     revision=revision if role == "model" else None)


_SUBCOMMANDS = {("vllm", "serve"): "vllm-serve", ("huggingface-cli", "download"): "hf-download",
                ("hf", "download"): "hf-download", ("ollama", "pull"): "ollama",
                ("ollama", "run"): "ollama"}


def _subcommand(tokens: list[str], i: int) -> str | None:
    """`vllm serve X`, `hf download X`, `ollama pull X` starting at tokens[i]: the pattern."""
    if i + 2 >= len(tokens) or tokens[i + 2].startswith("-"):
        return None
    return _SUBCOMMANDS.get((tokens[i].rsplit("/", 1)[-1], tokens[i + 1]))


def _substitute(text: str, env: Callable[[str], str | None]) -> tuple[str, set[str]]:
    unknown: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        value = env(match.group(1))
        if value is None:
            if match.group(2):
                return match.group(2)
            unknown.add(match.group(1))
            return match.group(0)
        return value

    if "{{" in text:
        unknown.add("a template expression")
    return _VARIABLE.sub(replace, text), unknown


def _split(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def _value_ref(sink: _Sink, key: str, value: str, line: int | None, column: int | None,
               pattern: str, revision: str | None = None) -> bool:
    """A `key: value` pair; True when it named something."""
    if not is_model_key(key):
        return False
    named = classify(value, require_owner=True)
    if named is None or named.kind == LOCAL:
        return False
    role = role_of_key(key)
    sink.add(named, line, column, pattern, role, revision=revision if role == "model" else None)
    return True


def _may_name(text: str) -> bool:
    """Whether `_scalar_text` could find anything in this string (cheap; JSON values are
    located in the text only when it could)."""
    return "=" in text or "--" in text or "serve " in text or "download " in text \
        or "ollama " in text or "huggingface.co/" in text or "hf.co/" in text


def _scalar_text(sink: _Sink, text: str, line: int | None, column: int | None) -> None:
    """A free-standing string: a command line or a K=V assignment, and Hub URLs."""
    key, eq, value = text.partition("=")
    if eq and re.match(r"^[A-Za-z_][\w.\-]*$", key) and _value_ref(
            sink, key, value.strip().strip("\"'"), line, column, "env"):
        return
    if "--" in text or "serve " in text or "download " in text or "ollama " in text:
        argv_refs(_split(text), sink, line, column)
    sink.urls(text, line, column)


# -- YAML ---------------------------------------------------------------------------------


def find_yaml(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    sink = _Sink(file)
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if not _TEMPLATE.search(text):
            line = mark.line + 1 if mark is not None else None
            return [], [ItemError(Location(file, line), f"not valid YAML: "
                                  f"{getattr(exc, 'problem', None) or exc}")]
        _lines(text, sink)  # a Helm template: read it line by line
        return sink.refs, []
    except RecursionError:
        return [], [ItemError(Location(file), "not valid YAML: nested too deeply")]
    visited: set[int] = set()
    for node in nodes:
        if node is not None:
            _walk_yaml(node, sink, visited, None)
    return sink.refs, []


def _where(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk_yaml(node: Node, sink: _Sink, visited: set[int], key: str | None) -> None:
    # Aliases share node objects: each node is visited once, so an alias bomb stays linear.
    stack: list[tuple[Node, str | None]] = [(node, key)]
    while stack and len(visited) <= MAX_YAML_NODES:
        current, parent_key = stack.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, ScalarNode):
            if current.tag == "tag:yaml.org,2002:str":
                line, column = _where(current)
                _scalar_text(sink, str(current.value), line, column)
        elif isinstance(current, SequenceNode):
            scalars = [item for item in current.value if isinstance(item, ScalarNode)]
            if parent_key is not None and normal_command(parent_key) and scalars:
                line, column = _where(current)
                argv_refs([str(s.value) for s in scalars], sink, line, column)
            stack.extend((item, parent_key) for item in reversed(current.value))
        elif isinstance(current, MappingNode):
            stack.extend(_yaml_mapping(current, sink, visited))


def _yaml_mapping(node: MappingNode, sink: _Sink, visited: set[int],
                  ) -> list[tuple[Node, str | None]]:
    """Model keys of one mapping (with a sibling `revision:`); the rest is walked on."""
    pairs = [(str(k.value), v) for k, v in node.value if isinstance(k, ScalarNode)]
    scalars = {k: v for k, v in pairs if isinstance(v, ScalarNode)}
    revision_node = scalars.get("revision")
    revision = str(revision_node.value) if revision_node is not None else None
    name_node, value_node = scalars.get("name"), scalars.get("value")
    if name_node is not None and value_node is not None:  # Kubernetes env: {name: X, value: Y}
        line, column = _where(value_node)
        if _value_ref(sink, str(name_node.value), str(value_node.value), line, column, "env"):
            visited.add(id(value_node))
    for k, v in pairs:
        items = [v] if isinstance(v, ScalarNode) else \
            [i for i in v.value if isinstance(i, ScalarNode)] if isinstance(v, SequenceNode) \
            else []
        for item in items:
            line, column = _where(item)
            if _value_ref(sink, k, str(item.value), line, column, "config-key", revision):
                visited.add(id(item))
    return [(v, k) for k, v in reversed(pairs)]


def normal_command(key: str) -> bool:
    return key.lower() in ("command", "args", "entrypoint", "cmd", "run", "script", "arguments")


def _lines(text: str, sink: _Sink) -> None:
    """Line-by-line fallback for templated YAML: `key: value` pairs and command strings."""
    pair = re.compile(r"^\s*-?\s*[\"']?([\w.\-]+)[\"']?\s*[:=]\s*[\"']?([^\"'#\s]+)")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0]
        if line.lstrip().startswith("#"):
            continue
        line = re.sub(r"\{\{-?\s*(.*?)\s*-?\}\}", lambda m: "{{" + m.group(1).replace(" ", "")
                      + "}}", line)
        match = pair.match(line)
        if match and "{{" not in match.group(2):
            column = match.start(2) + 1
            if _value_ref(sink, match.group(1), match.group(2), number, column, "config-key"):
                continue
        _scalar_text(sink, re.sub(r"^-\s+", "", line.strip()), number, None)


# -- JSON and TOML ------------------------------------------------------------------------


class _Locator:
    """Line and column of a value in a JSON or TOML text (parsers do not keep positions):
    the next occurrence of the quoted value after the previous hit of the same value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.after: dict[str, int] = {}
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def find(self, value: str) -> tuple[int | None, int | None]:
        for needle in (json.dumps(value), repr(value), value):
            pos = self.text.find(needle, self.after.get(value, 0))
            if pos < 0:
                pos = self.text.find(needle)
            if pos >= 0:
                self.after[value] = pos + 1
                from bisect import bisect_right

                line = bisect_right(self.starts, pos)
                return line, pos - self.starts[line - 1] + 1
        return None, None


def _walk_data(data: Any, sink: _Sink, locate: _Locator) -> None:
    stack: list[tuple[Any, str | None]] = [(data, None)]
    count = 0
    while stack and count < MAX_YAML_NODES:
        current, key = stack.pop()
        count += 1
        if isinstance(current, str):
            if _may_name(current):
                line, column = locate.find(current)
                _scalar_text(sink, current, line, column)
        elif isinstance(current, list):
            if key is not None and normal_command(key) and current \
                    and all(isinstance(x, str) for x in current):
                line, column = locate.find(current[0])
                argv_refs(list(current), sink, line, column)
            stack.extend((item, key) for item in reversed(current))
        elif isinstance(current, dict):
            stack.extend(_data_mapping(current, sink, locate))


def _data_mapping(mapping: dict[Any, Any], sink: _Sink, locate: _Locator,
                  ) -> list[tuple[Any, str | None]]:
    revision = mapping.get("revision") if isinstance(mapping.get("revision"), str) else None
    name, value = mapping.get("name"), mapping.get("value")
    rest = []
    if isinstance(name, str) and isinstance(value, str) and is_model_key(name):
        line, column = locate.find(value)
        _value_ref(sink, name, value, line, column, "env")
    for k, v in mapping.items():
        if isinstance(v, str) and is_model_key(str(k)):
            line, column = locate.find(v)
            if _value_ref(sink, str(k), v, line, column, "config-key", revision):
                continue
        elif isinstance(v, list) and is_model_key(str(k)):
            left = []
            for item in v:
                line, column = locate.find(item) if isinstance(item, str) else (None, None)
                if not isinstance(item, str) or not _value_ref(sink, str(k), item, line, column,
                                                               "config-key"):
                    left.append(item)
            v = left
        rest.append((v, str(k)))
    return list(reversed(rest))


def find_json(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return [], [ItemError(Location(file, getattr(exc, "lineno", None)),
                              f"not valid JSON: {exc}")]
    sink = _Sink(file)
    _walk_data(data, sink, _Locator(text))
    return sink.refs, []


def find_toml(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return [], [ItemError(Location(file), f"not valid TOML: {exc}")]
    sink = _Sink(file)
    _walk_data(data, sink, _Locator(text))
    return sink.refs, []


# -- line-oriented files ------------------------------------------------------------------


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined, numbered by their first physical line."""
    start, parts = None, []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.rstrip()
        if start is None:
            start = number
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        yield start, " ".join(parts)
        start, parts = None, []
    if parts and start is not None:
        yield start, " ".join(parts)


def _assignments(text: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for _number, line in _logical_lines(text):
        for match in re.finditer(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S+)",
                                 line):
            env.setdefault(match.group(1), match.group(2).strip("\"'"))
    return env


def find_dockerfile(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    sink = _Sink(file)
    env = _assignments(text)
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        instruction, _, rest = stripped.partition(" ")
        instruction = instruction.upper()
        if instruction in ("ENV", "ARG", "LABEL"):
            pairs = re.findall(r"([A-Za-z_][\w.\-]*)=(\"[^\"]*\"|'[^']*'|\S+)", rest)
            if not pairs and instruction == "ENV":
                key, _, value = rest.strip().partition(" ")
                pairs = [(key, value.strip())]
            for key, value in pairs:
                text_value, unknown = _substitute(value.strip("\"'"), env.get)
                if not unknown:
                    column = line.find(value) + 1 or None
                    _value_ref(sink, key, text_value, number, column, "env")
        elif instruction in ("RUN", "CMD", "ENTRYPOINT"):
            rest = rest.strip()
            tokens: list[str] | None = None
            if rest.startswith("["):
                try:
                    loaded = json.loads(rest)
                    tokens = [str(t) for t in loaded] if isinstance(loaded, list) else None
                except ValueError:
                    tokens = None
            argv_refs(tokens if tokens is not None else _split(rest), sink, number, None,
                      env.get)
        sink.urls(line, number, None)
    return sink.refs, []


def find_modelfile(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    """Ollama Modelfile: FROM and ADAPTER name a library model, hf.co/owner/name or a path."""
    sink = _Sink(file)
    for number, line in _logical_lines(text):
        stripped = line.strip()
        instruction, _, rest = stripped.partition(" ")
        instruction = instruction.upper()
        if instruction not in ("FROM", "ADAPTER"):
            continue
        value = rest.strip().strip("\"'")
        column = line.find(value) + 1 if value else None
        role = "adapter" if instruction == "ADAPTER" else "model"
        pattern = f"modelfile-{instruction.lower()}"
        named = classify(value)
        if named is not None and named.kind == HUB and "/" in named.value \
                and re.match(r"^(?:https?://)?(?:www\.)?(?:hf\.co|huggingface\.co)/", value):
            sink.add(named, number, column, pattern, role)
        elif value.startswith(("/", "./", "../", "~")) or "\\" in value \
                or value.lower().endswith((".gguf", ".bin", ".safetensors")):
            sink.add(Named(LOCAL, value), number, column, pattern, role)
        else:
            model = ollama_name(value)
            if model is not None:
                sink.add(Named(OLLAMA, value), number, column, pattern, role)
            else:
                sink.unresolved(value, number, column, pattern, "not an Ollama model name, "
                                                                "a Hub model or a path")
    return sink.refs, []


def find_shell(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    sink = _Sink(file)
    env = _assignments(text)
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = re.match(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", stripped)
        if match:
            value = match.group(2).split(" #", 1)[0].strip().strip("\"'")
            text_value, unknown = _substitute(value, env.get)
            if not unknown:
                _value_ref(sink, match.group(1), text_value, number,
                           line.find(value) + 1 or None, "env")
            continue
        argv_refs(_split(stripped), sink, number, None, env.get)
        sink.urls(stripped.split(" #", 1)[0], number, None)
    return sink.refs, []


def find_env(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    return find_shell(text, file)
