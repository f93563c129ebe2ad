"""Deciding what a string names: a Hub id, a Hub URL, an Ollama model or a local path.

Shared by the Python and config finders, so `AutoModel.from_pretrained(X)`, `model: X` and
`vllm serve X` read X the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from licscan.repo_ids import is_repo_id

HUB_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
HUB_URL = re.compile(r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/[^\s\"'<>()\[\]{}`,;|\\]+")
# First path segments of Hub URLs that are not model repositories.
_NOT_MODELS = {"datasets", "spaces", "docs", "blog", "papers", "settings", "login", "join",
               "pricing", "organizations", "api", "tasks", "learn", "collections", "posts",
               "chat", "new", "new-space", "enterprise", "inference-endpoints", "autotrain",
               "search", "notifications", "billing", "terms-of-service", "privacy", "models",
               "huggingface", "changelog", "oauth", "buckets", "jobs", "mcp"}
_REVISION = re.compile(r"^[\w.\-]{1,128}$")
_WEIGHT_SUFFIX = re.compile(r"\.(gguf|safetensors|bin|pt|pth|onnx|ckpt|h5|msgpack|tflite)$",
                            re.IGNORECASE)
_HUB_PREFIX = re.compile(r"^(?:hf[_-]hub:|hf://|huggingface://)", re.IGNORECASE)
# LiteLLM and similar routers: provider/<model>.
_PROVIDERS = {"huggingface", "hosted_vllm", "vllm", "together_ai", "openai",
              "text-completion-openai", "sagemaker", "deepinfra", "fireworks_ai", "nvidia_nim",
              "openrouter"}
_OLLAMA_PROVIDERS = {"ollama", "ollama_chat"}
_OPENAI_API_MODELS = ("gpt-3", "gpt-4", "gpt-5", "o1", "o3", "o4", "chatgpt", "text-embedding",
                      "dall-e", "tts-", "whisper-1", "davinci", "babbage", "omni-moderation")
_MODEL_KEYS = {"model", "model_id", "modelid", "model_name", "modelname", "model_name_or_path",
               "pretrained_model_name_or_path", "name_or_path", "base_model", "repo_id",
               "hf_model", "hf_model_id", "hf_repo", "hf_repo_id", "huggingface_model",
               "tokenizer", "tokenizer_name", "tokenizer_name_or_path", "model_path",
               "model_repo", "peft_model_id", "adapter", "adapter_id", "lora", "checkpoint",
               "pretrained", "embedding_model", "reranker", "draft_model", "speculative_model",
               "served_model", "llm", "embed_model", "teacher_model", "student_model"}
_ROLE_BY_KEY = {"tokenizer": "tokenizer", "tokenizer_name": "tokenizer",
                "tokenizer_name_or_path": "tokenizer", "base_model": "base-model",
                "name_or_path": "base-model", "peft_model_id": "adapter", "adapter": "adapter",
                "adapter_id": "adapter", "lora": "adapter"}


@dataclass(frozen=True)
class Named:
    """What a string names (kind is one of licscan.discover.model.KINDS)."""

    kind: str
    value: str
    revision: str | None = None
    subfolder: str | None = None
    note: str | None = None


def normal_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.strip().lower()).strip("_")


def is_model_key(key: str) -> bool:
    """Keys (config keys, env vars, argument names) named like a model id."""
    k = normal_key(key)
    if k.startswith("hf_") and k[3:] in _MODEL_KEYS:
        return True
    return k in _MODEL_KEYS or k.endswith(("_model", "_model_id", "_model_name", "_repo_id",
                                           "_model_name_or_path", "_model_path"))


def role_of_key(key: str) -> str:
    k = normal_key(key)
    if "tokenizer" in k:
        return "tokenizer"
    if "adapter" in k or "lora" in k or "peft" in k:
        return "adapter"
    return _ROLE_BY_KEY.get(k, "model")


def hub_url(text: str) -> Named | None:
    """owner/name (and revision, subfolder) of a Hub model URL; None for other pages."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if host not in HUB_HOSTS:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if not segments or segments[0] in _NOT_MODELS or len(segments) < 2:
        return None
    repo_id = "/".join(segments[:2])
    if not is_repo_id(repo_id):
        return None
    revision = subfolder = None
    if len(segments) >= 4 and segments[2] in ("tree", "blob", "resolve"):
        revision = segments[3] if _REVISION.match(segments[3]) else None
        rest = segments[4:]
        if segments[2] == "tree" and rest:
            subfolder = "/".join(rest)
        elif len(rest) > 1:
            subfolder = "/".join(rest[:-1])
    return Named("hub", repo_id, revision, subfolder)


def hub_urls(text: str) -> list[tuple[int, Named]]:
    """Every Hub model URL in a text, with its offset."""
    out = []
    for match in HUB_URL.finditer(text):
        named = hub_url(match.group(0).rstrip(".:"))
        if named is not None:
            out.append((match.start(), named))
    return out


def ollama_name(text: str) -> Named | None:
    from licscan.errors import SourceError
    from licscan.weights.ollama import parse_name

    try:
        parse_name(text)
    except SourceError:
        return None
    return Named("ollama", text.strip())


def _hub_forms(value: str) -> Named | bool | None:
    """URL, bare hf.co/..., hf-hub: prefixes. False when the value is none of those forms."""
    if re.match(r"^https?://", value):
        return hub_url(value)
    bare = re.match(r"^(?:www\.)?(?:huggingface\.co|hf\.co)/(.+)$", value)
    if bare:
        named = hub_url("https://huggingface.co/" + bare.group(1))
        if named is None:  # Ollama's hf.co/owner/name:QUANT
            repo, _, quant = bare.group(1).partition(":")
            if is_repo_id(repo) and "/" in repo:
                return Named("hub", repo, note=f"quantization tag {quant}" if quant else None)
        return named
    prefixed = _HUB_PREFIX.match(value)
    if prefixed:
        repo, _, revision = value[prefixed.end():].partition("@")
        if is_repo_id(repo):
            return Named("hub", repo, revision if revision and _REVISION.match(revision) else None)
        return None
    return False


def _routed(value: str) -> Named | bool | None:
    """provider/model as LiteLLM and similar routers write it. False when not routed."""
    provider, _, rest = value.partition("/")
    if provider in _OLLAMA_PROVIDERS and rest:
        return ollama_name(rest)
    if provider in _PROVIDERS and rest and is_repo_id(rest) and "/" in rest:
        return Named("hub", rest, note=f"routed through the {provider} provider")
    if provider == "openai" and rest.lower().startswith(_OPENAI_API_MODELS):
        return None  # an OpenAI API model named the LiteLLM way, not the Hub's openai/ org
    return False


def classify(text: str, *, require_owner: bool = False) -> Named | None:
    """What a model argument names. `require_owner` (for config values, where a bare word is
    more often a served-model alias than a Hub id) accepts only owner/name ids."""
    value = text.strip()
    if not value or len(value) > 512 or any(not ch.isprintable() for ch in value):
        return None
    for form in (_hub_forms(value), _routed(value)):
        if form is not False:
            return form if isinstance(form, Named) else None
    if value.startswith(("/", "./", "../", "~")) or "\\" in value or _WEIGHT_SUFFIX.search(value):
        return Named("local", value)
    if is_repo_id(value):
        if "/" in value:
            return Named("hub", value)
        if require_owner:
            return None
        return Named("hub", value, note="a one-part name: a canonical Hub model, or a local "
                                        "folder of that name")
    if value.count("/") >= 2 and not require_owner:
        return Named("local", value)
    return None


def looks_like_hub_id(text: str) -> bool:
    """owner/name with both parts valid: what a config value must be to count."""
    return "/" in text and is_repo_id(text.strip())
