"""Model references in Python source, read with `ast` (never executed, never regex-scanned).

Strings in comments and docstrings do not count; keyword arguments (`revision=`,
`subfolder=`) are understood; a name assigned one string in the module is followed; anything
else built from variables, attributes or calls is reported as unresolved, with its location.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from licscan.discover.model import HUB, UNRESOLVED, ItemError, Location, Reference
from licscan.discover.values import Named, classify, hub_urls, is_model_key, role_of_key

# A file is parsed only if one of these occurs in it (a cheap pre-filter: every pattern
# below needs one of these words literally in the source, an import alias included).
TRIGGERS = re.compile(
    rb"from_pretrained|from_single_file|load_adapter|load_lora_weights|pipeline"
    rb"|SentenceTransformer|CrossEncoder|SparseEncoder|hf_hub_download|snapshot_download"
    rb"|hf_hub_url|LLM|EngineArgs|InferenceClient|from_model_id|HuggingFace"
    rb"|huggingface\.co|hf\.co/|hf[_-]hub:|(?i:model)\w*[\"']?\s*[:=]\s*[\"'][\w.\-]+/[\w.\-]+[\"']"
    rb"|add_argument")


@dataclass(frozen=True)
class CallSpec:
    """Where a callable takes its model id: positional index and keyword names."""

    position: int | None
    keywords: tuple[str, ...]
    pattern: str
    role: str = "model"
    revision: tuple[str, ...] = ("revision",)
    objects_ok: bool = False  # the argument may be a loaded model object (not a reference)


_FROM_PRETRAINED = CallSpec(0, ("pretrained_model_name_or_path", "model_id",
                                "pretrained_model_or_path"), "from_pretrained")
_PEFT = CallSpec(1, ("model_id",), "peft-from_pretrained", "adapter")
_METHODS: dict[str, CallSpec] = {
    "from_pretrained": _FROM_PRETRAINED,
    "from_single_file": CallSpec(0, ("pretrained_model_link_or_path",), "from_single_file"),
    "load_adapter": CallSpec(0, ("peft_model_id",), "load_adapter", "adapter"),
    "load_lora_weights": CallSpec(0, ("pretrained_model_name_or_path_or_dict",),
                                  "load_lora_weights", "adapter", objects_ok=True),
    "from_model_id": CallSpec(0, ("model_id",), "from_model_id"),
}
_FUNCTIONS: dict[str, CallSpec] = {
    "pipeline": CallSpec(1, ("model",), "pipeline", objects_ok=True),
    "SentenceTransformer": CallSpec(0, ("model_name_or_path",), "SentenceTransformer"),
    "CrossEncoder": CallSpec(0, ("model_name_or_path", "model_name"), "CrossEncoder"),
    "SparseEncoder": CallSpec(0, ("model_name_or_path",), "SparseEncoder"),
    "hf_hub_download": CallSpec(0, ("repo_id",), "hf_hub_download"),
    "snapshot_download": CallSpec(0, ("repo_id",), "snapshot_download"),
    "hf_hub_url": CallSpec(0, ("repo_id",), "hf_hub_url"),
    "LLM": CallSpec(0, ("model",), "vllm-LLM"),
    "EngineArgs": CallSpec(0, ("model",), "vllm-EngineArgs"),
    "AsyncEngineArgs": CallSpec(0, ("model",), "vllm-EngineArgs"),
    "InferenceClient": CallSpec(0, ("model",), "InferenceClient"),
    "AsyncInferenceClient": CallSpec(0, ("model",), "InferenceClient"),
    "HuggingFaceEmbeddings": CallSpec(None, ("model_name",), "langchain"),
    "HuggingFaceEndpoint": CallSpec(None, ("repo_id", "model"), "langchain"),
}
# Functions whose result is a downloaded path or a loaded object: a variable holding one is not
# an unresolved model name (the call itself was reported).
_PRODUCERS = {*_METHODS, *_FUNCTIONS, "AutoModel", "to", "cuda", "eval", "get_peft_model"}
_EXTRA_KEYWORDS = {"tokenizer": ("tokenizer", "tokenizer_revision")}
_TOKENIZER_TAKERS = {"pipeline", "LLM", "EngineArgs", "AsyncEngineArgs"}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return ""


def _all_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, breadth first: ast.walk without its generators (3x faster here)."""
    out: list[ast.AST] = [tree]
    index = 0
    node_type = ast.AST
    while index < len(out):
        node = out[index]
        index += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                out.extend(item for item in value if isinstance(item, node_type))
            elif isinstance(value, node_type):
                out.append(value)
    return out


class _Module:
    def __init__(self, tree: ast.Module, source: str, file: str,
                 is_local: Callable[[str], bool]) -> None:
        self.tree = tree
        self.lines = source.splitlines()
        self.file = file
        self.is_local = is_local
        self.aliases: dict[str, str] = {}  # local name -> imported name
        self.strings: dict[str, list[ast.expr]] = {}  # name -> values assigned to it
        self.consumed: set[int] = set()  # ids of string nodes already reported through a call
        self.refs: list[Reference] = []
        self.docstrings: set[int] = set()
        self.buckets: dict[type[ast.AST], list[ast.AST]] = {}
        for node in _all_nodes(tree):  # one walk, shared by the three passes
            self.buckets.setdefault(type(node), []).append(node)

    # -- positions ----------------------------------------------------------------------
    def at(self, node: ast.AST) -> Location:
        line = getattr(node, "lineno", None)
        col = getattr(node, "col_offset", None)
        if line is not None and col is not None and 0 < line <= len(self.lines):
            text = self.lines[line - 1]
            col = len(text.encode("utf-8")[:col].decode("utf-8", errors="replace"))
        return Location(self.file, line, col + 1 if col is not None else None)

    def source_of(self, node: ast.expr) -> str:
        try:
            text = ast.unparse(node)
        except (ValueError, RecursionError):
            text = type(node).__name__
        return text if len(text) <= 200 else text[:197] + "..."

    # -- first pass: imports, assignments, docstrings -----------------------------------
    def of(self, *types: type[ast.AST]) -> list[Any]:
        return [node for t in types for node in self.buckets.get(t, ())]

    def index(self) -> None:
        for imp in self.of(ast.ImportFrom, ast.Import):
            for alias in imp.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name.rsplit(".", 1)[-1]
        for assign in self.of(ast.Assign):
            for target in assign.targets:
                self._bind(target, assign.value)
        for ann in self.of(ast.AnnAssign, ast.AugAssign):
            if ann.value is not None:
                self._bind(ann.target, ann.value, aug=isinstance(ann, ast.AugAssign))
        for loop in self.of(ast.For, ast.AsyncFor, ast.comprehension):
            self._bind(loop.target, loop.iter, loop=True)
        self._parameters()
        for expr in self.of(ast.Expr):  # a bare string statement (a docstring) is a comment
            if isinstance(expr.value, ast.Constant):
                self.docstrings.add(id(expr.value))

    def _parameters(self) -> None:
        """A function parameter is a binding nobody can resolve statically."""
        for func in self.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
            args = func.args
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg,
                        args.kwarg):
                if arg is not None:
                    self.strings.setdefault(arg.arg, []).append(ast.Name("<parameter>"))

    def _bind(self, target: ast.expr, value: ast.expr, aug: bool = False,
              loop: bool = False) -> None:
        if isinstance(target, ast.Name):
            bound = ast.Name("<loop>") if loop else ast.Name("<augmented>") if aug else value
            self.strings.setdefault(target.id, []).append(bound)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind(element, value, aug, loop=True)

    # -- evaluating an argument ---------------------------------------------------------
    def evaluate(self, node: ast.expr, depth: int = 0) -> tuple[str | None, str | None, bool]:
        """(string value, note, is_object): the value when it can be known statically."""
        if depth > 8:
            return None, None, False
        if isinstance(node, ast.Constant):
            return (node.value, None, False) if isinstance(node.value, str) else \
                (None, None, node.value is None)
        if isinstance(node, ast.Name):
            return self._evaluate_name(node, depth)
        if isinstance(node, ast.JoinedStr):
            return self._evaluate_fstring(node, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.evaluate(node.left, depth + 1), self.evaluate(node.right,
                                                                              depth + 1)
            if left[0] is not None and right[0] is not None:
                return left[0] + right[0], "concatenation of known values", False
            return None, None, False
        env = self._env_default(node)
        if env is not None:
            return env
        if isinstance(node, ast.Call) and self._producer(node):
            return None, None, True
        return None, None, False

    def _evaluate_name(self, node: ast.Name, depth: int) -> tuple[str | None, str | None, bool]:
        bindings = self.strings.get(node.id, [])
        values = [self.evaluate(b, depth + 1) for b in bindings
                  if not isinstance(b, ast.Name) or not b.id.startswith("<")]
        if bindings and all(isinstance(b, ast.Call) and self._producer(b) for b in bindings):
            return None, None, True
        strings = {v for v, _n, _o in values if v is not None}
        if len(strings) == 1 and len(values) == len(bindings):
            for bound in bindings:
                if isinstance(bound, ast.Constant):
                    self.consumed.add(id(bound))
            lines = sorted({b.lineno for b in bindings if hasattr(b, "lineno")})
            where = f" (line {', '.join(map(str, lines))})" if lines else ""
            inner = sorted({n for _v, n, _o in values if n})
            return strings.pop(), "; ".join([f"value of {node.id}{where}", *inner]), False
        if len(strings) > 1:
            return None, f"{node.id} is assigned {len(strings)} different values", False
        return None, None, False

    def _evaluate_fstring(self, node: ast.JoinedStr, depth: int,
                          ) -> tuple[str | None, str | None, bool]:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
                continue
            if not isinstance(value, ast.FormattedValue) or value.format_spec is not None \
                    or value.conversion != -1:
                return None, None, False
            text = self.evaluate(value.value, depth + 1)[0]
            if text is None:
                return None, None, False
            parts.append(text)
        return "".join(parts), "f-string of known values", False

    def _env_default(self, node: ast.expr) -> tuple[str | None, str | None, bool] | None:
        """os.environ.get("X", "default") / os.getenv("X", "default")."""
        if not isinstance(node, ast.Call) or len(node.args) != 2:
            return None
        name = _dotted(node.func)
        if not name.endswith(("environ.get", "getenv")):
            return None
        var, default = node.args
        if isinstance(var, ast.Constant) and isinstance(default, ast.Constant) \
                and isinstance(default.value, str):
            return default.value, f"default of the environment variable {var.value!s}", False
        return None

    def _producer(self, call: ast.Call) -> bool:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else \
            func.id if isinstance(func, ast.Name) else ""
        return self.aliases.get(name, name) in _PRODUCERS

    # -- second pass: calls -------------------------------------------------------------
    def calls(self) -> None:
        for call in self.of(ast.Call):
            self._call(call)
        for func in self.of(ast.FunctionDef, ast.AsyncFunctionDef):
            self._defaults(func.args)

    def _method_spec(self, call: ast.Call, func: ast.Attribute) -> CallSpec | None:
        method = self.aliases.get(func.attr, func.attr)
        receiver = _dotted(func.value).rsplit(".", 1)[-1]
        receiver = self.aliases.get(receiver, receiver)
        if method == "from_pretrained":
            if receiver.startswith("PeftModel"):
                return _PEFT
            if receiver.startswith("AutoPeftModel"):
                return CallSpec(0, _FROM_PRETRAINED.keywords, "peft-from_pretrained", "adapter")
            if "Tokenizer" in receiver:
                return CallSpec(0, _FROM_PRETRAINED.keywords, "from_pretrained", "tokenizer")
        if method in _METHODS:
            return _METHODS[method]
        if method == "pipeline":  # transformers.pipeline, not any object's .pipeline()
            return _FUNCTIONS[method] if receiver == "transformers" else None
        if method == "add_argument":
            self._argparse(call)
        return _FUNCTIONS.get(method)

    def _call(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Attribute):
            name = self.aliases.get(func.attr, func.attr)
            spec = self._method_spec(call, func)
        elif isinstance(func, ast.Name):
            name = self.aliases.get(func.id, func.id)
            spec = _FUNCTIONS.get(name)
        else:
            return
        if spec is None or not self._repo_type_is_model(call):
            return
        arg = self._argument(call, spec.position, spec.keywords)
        if arg is not None:
            self._report(call, arg, spec.pattern, spec.role, spec.revision, spec.objects_ok)
        if name in _TOKENIZER_TAKERS:
            for key, (kw, rev) in _EXTRA_KEYWORDS.items():
                extra = self._argument(call, None, (kw,))
                if extra is not None:
                    self._report(call, extra, spec.pattern, key, (rev,), objects_ok=True)

    def _repo_type_is_model(self, call: ast.Call) -> bool:
        for kw in call.keywords:
            if kw.arg == "repo_type" and isinstance(kw.value, ast.Constant):
                return kw.value.value in (None, "model")
        return True

    @staticmethod
    def _argument(call: ast.Call, position: int | None, keywords: tuple[str, ...],
                  ) -> ast.expr | None:
        for kw in call.keywords:
            if kw.arg in keywords:
                return kw.value
        if position is not None and len(call.args) > position \
                and not any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
            return call.args[position]
        return None

    def _keyword_text(self, call: ast.Call, names: tuple[str, ...]) -> tuple[str | None, str]:
        """(value, note) of a keyword such as revision=; the note says when it is unknown."""
        for kw in call.keywords:
            if kw.arg in names:
                value, _note, _obj = self.evaluate(kw.value)
                if value is None:
                    return None, f"{kw.arg} not resolved: {self.source_of(kw.value)}"
                if isinstance(kw.value, ast.Constant):
                    self.consumed.add(id(kw.value))
                return value, ""
        return None, ""

    def _report(self, call: ast.Call, arg: ast.expr, pattern: str, role: str,
                revision_keys: tuple[str, ...], objects_ok: bool) -> None:
        value, note, is_object = self.evaluate(arg)
        if isinstance(arg, ast.Constant):
            self.consumed.add(id(arg))
        if is_object and (objects_ok or not isinstance(arg, ast.Constant)):
            return
        if value is None and isinstance(arg, ast.Constant):
            return  # None or a number: not a model
        revision, rev_note = self._keyword_text(call, revision_keys)
        subfolder, sub_note = self._keyword_text(call, ("subfolder",))
        notes = tuple(n for n in (note, rev_note, sub_note) if n)
        where = self.at(arg)
        if value is None:
            self.refs.append(Reference(UNRESOLVED, self.source_of(arg), where, pattern,
                                       revision=revision, subfolder=subfolder, role=role,
                                       notes=notes))
            return
        named = classify(value)
        if named is None:
            self.refs.append(Reference(UNRESOLVED, value[:200], where, pattern, revision=revision,
                                       subfolder=subfolder, role=role,
                                       notes=(*notes, "not a Hub id, URL or path")))
            return
        self._add(named, where, pattern, role, revision, subfolder, notes)

    def _add(self, named: Named, where: Location, pattern: str, role: str,
             revision: str | None = None, subfolder: str | None = None,
             notes: tuple[str, ...] = ()) -> None:
        kind = named.kind
        if kind == HUB and named.value.count("/") <= 1 and self.is_local(named.value):
            kind = "local"
            notes = (*notes, "an existing folder of the tree")
        elif named.note:
            notes = (*notes, named.note)
        self.refs.append(Reference(kind, named.value, where, pattern,
                                   revision=revision or named.revision,
                                   subfolder=subfolder or named.subfolder, role=role,
                                   notes=notes))

    def _argparse(self, call: ast.Call) -> None:
        flags = [a.value for a in call.args if isinstance(a, ast.Constant)
                 and isinstance(a.value, str)]
        if not any(is_model_key(f.lstrip("-")) for f in flags if f.startswith("-")) \
                and not any(kw.arg == "dest" and isinstance(kw.value, ast.Constant)
                            and isinstance(kw.value.value, str) and is_model_key(kw.value.value)
                            for kw in call.keywords):
            return
        for kw in call.keywords:
            if kw.arg == "default" and isinstance(kw.value, ast.Constant) \
                    and isinstance(kw.value.value, str):
                self.consumed.add(id(kw.value))
                named = classify(kw.value.value, require_owner=True)
                if named is not None:
                    key = next((f for f in flags if f.startswith("--")), flags[0] if flags else "")
                    self._add(named, self.at(kw.value), "argparse-default",
                              role_of_key(key.lstrip("-")))

    def _defaults(self, args: ast.arguments) -> None:
        """def load(model_name="owner/name"): a default for a parameter named like a model."""
        positional = [*args.posonlyargs, *args.args]
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults,
                         strict=True))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                  if d is not None]
        for arg, default in pairs:
            if isinstance(default, ast.Constant) and isinstance(default.value, str) \
                    and is_model_key(arg.arg):
                named = classify(default.value, require_owner=True)
                if named is not None:
                    self.consumed.add(id(default))
                    self._add(named, self.at(default), "default-argument", role_of_key(arg.arg))

    # -- third pass: loose strings ------------------------------------------------------
    def strings_pass(self) -> None:
        model_names = {id(v): n for n, values in self.strings.items() if is_model_key(n)
                       for v in values}
        for node in self.of(ast.Constant):
            if not isinstance(node.value, str) \
                    or id(node) in self.consumed or id(node) in self.docstrings:
                continue
            text = node.value
            if id(node) in model_names:
                named = classify(text, require_owner=True)
                if named is not None and named.kind != "local":
                    self._add(named, self.at(node), "model-variable",
                              role_of_key(model_names[id(node)]))
                    continue
            if text.lower().startswith(("hf_hub:", "hf-hub:")):
                named = classify(text)
                if named is not None:
                    self._add(named, self.at(node), "hf-hub-prefix", "model")
                    continue
            for _offset, url in hub_urls(text):
                self._add(url, self.at(node), "hub-url", "model")


def find_python(source: str, file: str, is_local: Callable[[str], bool] = lambda _v: False,
                ) -> tuple[list[Reference], list[ItemError]]:
    """References in one Python source text."""
    try:
        tree = ast.parse(source, filename=file)
    except SyntaxError as exc:
        return [], [ItemError(Location(file, exc.lineno, exc.offset),
                              f"not valid Python: {exc.msg}")]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [], [ItemError(Location(file), f"not valid Python: {exc}")]
    module = _Module(tree, source, file, is_local)
    module.index()
    module.calls()
    module.strings_pass()
    return module.refs, []
