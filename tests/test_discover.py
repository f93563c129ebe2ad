"""Discovery over a fixture repository built here: every pattern of code, config and weight
file, checked for completeness (nothing missed, nothing extra), origins and revisions; bad
input becomes per-item errors and the walk goes on."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from licscan.discover import discover
from licscan.discover.model import Discovery, Reference
from tests.test_gguf import Writer

SHA = "5206a32e0bd3067aef1ce90f5528ade7d866253f"

FILES: dict[str, str] = {
    "src/app.py": f'''\
import os
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline as make_pipeline
from sentence_transformers import SentenceTransformer, CrossEncoder
from huggingface_hub import hf_hub_download, snapshot_download
from diffusers import DiffusionPipeline, UNet2DConditionModel
from vllm import LLM
from peft import PeftModel

# model = AutoModelForCausalLM.from_pretrained("commented/out-model")
BASE = "meta-llama/Llama-3.1-8B-Instruct"
model = AutoModelForCausalLM.from_pretrained(BASE, revision="{SHA}")
tok = AutoTokenizer.from_pretrained(
    "meta-llama/Llama-3.1-8B-Instruct",
    revision="main",
)
clf = make_pipeline("text-classification", model="distilbert/sst2-model", revision="714eb0f")
gen = make_pipeline("text-generation", model=model, tokenizer=tok)
emb = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2", revision="v2.2")
rerank = CrossEncoder(model_name="cross-encoder/ms-marco-MiniLM-L-6-v2")
gguf = hf_hub_download(repo_id="TheBloke/Llama-2-7B-GGUF", filename="x.gguf", revision="b4e04e1")
snap = snapshot_download("Qwen/Qwen2.5-7B-Instruct", revision="v1.0")
data = snapshot_download(repo_id="acme/some-dataset", repo_type="dataset")
unet = UNet2DConditionModel.from_pretrained("stabilityai/sdxl-base", subfolder="unet")
flux = DiffusionPipeline.from_pretrained("black-forest-labs/FLUX.1-dev", torch_dtype=None)
llm = LLM(model="mistralai/Mistral-7B-Instruct-v0.3", revision="e0bc86c", tokenizer="mistralai/tok")
lora = PeftModel.from_pretrained(model, "acme/support-lora", revision="v1")
"""A note naming https://huggingface.co/docstring/model, which is not used."""
card = "https://huggingface.co/google/gemma-2-2b-it/blob/7b3c2d1/config.json"


def load(name):
    return AutoModelForCausalLM.from_pretrained(name)


MODEL_ID = os.environ.get("MODEL_ID", "google/gemma-2-9b-it")
env_model = AutoModelForCausalLM.from_pretrained(MODEL_ID)
org_model = AutoModelForCausalLM.from_pretrained(f"{{os.environ['ORG']}}/model")
local = AutoModelForCausalLM.from_pretrained("./checkpoints/final")
path = snapshot_download("acme/downloaded")
from_path = AutoModelForCausalLM.from_pretrained(path)
''',
    "src/cli.py": '''\
import argparse

EMBEDDING_MODEL = "intfloat/e5-base-v2"
parser = argparse.ArgumentParser()
parser.add_argument("--model-name", default="Qwen/Qwen2.5-0.5B")
parser.add_argument("--output", default="out/dir")


def run(model_id="tiiuae/falcon-7b", path="a/b"):
    return model_id, path
''',
    "notebooks/explore.ipynb": json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["AutoModel.from_pretrained('not/code')"]},
        {"cell_type": "code", "source": ["!pip install transformers\n",
                                         "from transformers import AutoModel\n",
                                         "m = AutoModel.from_pretrained('allenai/OLMo-2-7B')"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
    "deploy/vllm.yaml": '''\
# vllm serve --config deploy/vllm.yaml
model: Qwen/Qwen2.5-72B-Instruct
revision: a1b2c3d
tensor-parallel-size: 4
served-model-name: qwen-big
''',
    "deploy/litellm.yaml": '''\
model_list:
  - model_name: my-llama
    litellm_params:
      model: huggingface/meta-llama/Meta-Llama-3-70B-Instruct
  - model_name: local
    litellm_params:
      model: ollama/llama3.1:8b
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
''',
    "deploy/compose.yaml": '''\
x-common: &common
  restart: always
services:
  tgi:
    <<: *common
    image: ghcr.io/huggingface/text-generation-inference:2.4
    command: --model-id HuggingFaceH4/zephyr-7b-beta --revision 3bac358
  tei:
    environment:
      - MODEL_ID=BAAI/bge-small-en-v1.5
  vllm:
    command: ["vllm", "serve", "microsoft/Phi-3-mini-4k-instruct", "--revision", "r1"]
''',
    "deploy/k8s.yaml": '''\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: server
          args: ["--model", "ibm-granite/granite-3.0-8b-instruct"]
          env:
            - name: HF_MODEL_ID
              value: nvidia/Nemotron-Mini-4B-Instruct
---
kind: ConfigMap
data:
  note: "see https://huggingface.co/docs/hub for docs"
''',
    "charts/llm/values.yaml": '''\
modelId: deepseek-ai/DeepSeek-R1-Distill-Qwen-7B
image: vllm/vllm-openai
''',
    "charts/llm/templates/deployment.yaml": '''\
spec:
  containers:
    - args:
        - --model={{ .Values.modelId }}
        {{- if .Values.extra }}
        - --tokenizer=hf-internal-testing/llama-tokenizer
        {{- end }}
''',
    "config/serving.json": json.dumps({"server": {"model_id": "openai-community/gpt2",
                                                  "port": 8080},
                                       "links": ["https://hf.co/EleutherAI/pythia-70m"]},
                                      indent=2),
    "pyproject.toml": '''\
[tool.serving]
embedding_model = "nomic-ai/nomic-embed-text-v1.5"
name = "not/a-model-key"
''',
    ".env": "RERANKER_MODEL=BAAI/bge-reranker-base\nPORT=8000\n",
    "docker/Dockerfile": '''\
FROM python:3.12
ENV EMBED_MODEL=sentence-transformers/all-mpnet-base-v2
ARG WHISPER=openai/whisper-large-v3
RUN huggingface-cli download $WHISPER --revision 06f233f && \\
    echo done
CMD ["text-embeddings-router", "--model-id", "${EMBED_MODEL}"]
# RUN vllm serve commented/out
''',
    "Modelfile": '''\
FROM hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M
ADAPTER ./adapters/lora.gguf
''',
    "ollama/Modelfile.library": "FROM llama3.1:8b\nPARAMETER temperature 0.2\n",
    "scripts/serve.sh": '''\
#!/bin/sh
# vllm serve commented/out-too
MODEL=google/gemma-3-4b-it
vllm serve $MODEL --revision abc1234 --tensor-parallel-size 2
vllm serve "$UNKNOWN_MODEL"
python -m sglang.launch_server --model-path Qwen/QwQ-32B
''',
    "README.md": """\
# The service

Prose is not read: AutoModel.from_pretrained('docs/not-read'), but a link is:
see [the base model](https://huggingface.co/x/y).

```python
from transformers import AutoModel
model = AutoModel.from_pretrained("docs/example-model", revision="v3")
```

```console
$ vllm serve docs/served-model
INFO: an output line naming vllm serve docs/output-line
```

```python
model = AutoModel.from_pretrained("docs/elided", ...  # https://huggingface.co/acme/in-broken
```

~~~
plain text: https://huggingface.co/acme/plain-url
~~~
""",
    ".gitignore": "ignored/\n*.log\n",
    "ignored/app.py": 'AutoModel.from_pretrained("ignored/model")\n',
    "src/debug.log": 'AutoModel.from_pretrained("ignored/log")\n',
    ".venv/lib/site.py": 'AutoModel.from_pretrained("venv/model")\n',
    "node_modules/pkg/x.py": 'AutoModel.from_pretrained("node/model")\n',
    "tools/env2/pyvenv.cfg": "home = /usr\n",
    "tools/env2/lib/x.py": 'AutoModel.from_pretrained("venv2/model")\n',
    "checkpoints/final/config.json": json.dumps({"_name_or_path": "meta-llama/Llama-3.2-1B"}),
    "bad/syntax.py": 'from_pretrained("x/y"\n',
    "bad/latin1.py": "# caf\xe9\nm = AutoModel.from_pretrained('bad/encoding')\n",
    "bad/broken.yaml": "model: [unclosed\n",
    "bad/broken.json": '{"model_id": ',
}


@dataclass(frozen=True)
class Row:
    file: str
    marker: str  # a substring of the expected line
    kind: str
    value: str
    revision: str | None = None
    subfolder: str | None = None
    role: str = "model"
    pattern: str | None = None
    column_at: str | None = None  # the column is where this substring starts


TABLE = [
    Row("src/app.py", "model = AutoModelForCausalLM.from_pretrained(BASE", "hub",
        "meta-llama/Llama-3.1-8B-Instruct",
        SHA, pattern="from_pretrained", column_at="BASE, revision"),
    Row("src/app.py", '"meta-llama/Llama-3.1-8B-Instruct",', "hub",
        "meta-llama/Llama-3.1-8B-Instruct", "main", role="tokenizer", column_at='"meta'),
    Row("src/app.py", "clf =", "hub", "distilbert/sst2-model", "714eb0f", pattern="pipeline",
        column_at='"distilbert'),
    Row("src/app.py", "emb =", "hub", "sentence-transformers/all-MiniLM-L6-v2", "v2.2",
        pattern="SentenceTransformer"),
    Row("src/app.py", "rerank =", "hub", "cross-encoder/ms-marco-MiniLM-L-6-v2",
        pattern="CrossEncoder"),
    Row("src/app.py", "gguf =", "hub", "TheBloke/Llama-2-7B-GGUF", "b4e04e1",
        pattern="hf_hub_download"),
    Row("src/app.py", "snap =", "hub", "Qwen/Qwen2.5-7B-Instruct", "v1.0",
        pattern="snapshot_download"),
    Row("src/app.py", "unet =", "hub", "stabilityai/sdxl-base", subfolder="unet"),
    Row("src/app.py", "flux =", "hub", "black-forest-labs/FLUX.1-dev"),
    Row("src/app.py", "llm =", "hub", "mistralai/Mistral-7B-Instruct-v0.3", "e0bc86c",
        pattern="vllm-LLM"),
    Row("src/app.py", "llm =", "hub", "mistralai/tok", role="tokenizer"),
    Row("src/app.py", "lora =", "hub", "acme/support-lora", "v1", role="adapter",
        pattern="peft-from_pretrained"),
    Row("src/app.py", "card =", "hub", "google/gemma-2-2b-it", "7b3c2d1", pattern="hub-url"),
    Row("src/app.py", "return AutoModelForCausalLM", "unresolved", "name"),
    Row("src/app.py", "env_model =", "hub", "google/gemma-2-9b-it"),
    Row("src/app.py", "org_model =", "unresolved", "f\"{os.environ['ORG']}/model\""),
    Row("src/app.py", "local =", "local", "./checkpoints/final"),
    Row("src/app.py", "path = snapshot_download", "hub", "acme/downloaded"),
    Row("src/cli.py", "EMBEDDING_MODEL", "hub", "intfloat/e5-base-v2", pattern="model-variable"),
    Row("src/cli.py", "--model-name", "hub", "Qwen/Qwen2.5-0.5B", pattern="argparse-default"),
    Row("src/cli.py", "def run", "hub", "tiiuae/falcon-7b", pattern="default-argument"),
    Row("notebooks/explore.ipynb", "", "hub", "allenai/OLMo-2-7B"),
    Row("deploy/vllm.yaml", "model:", "hub", "Qwen/Qwen2.5-72B-Instruct", "a1b2c3d",
        column_at="Qwen"),
    Row("deploy/litellm.yaml", "huggingface/", "hub", "meta-llama/Meta-Llama-3-70B-Instruct"),
    Row("deploy/litellm.yaml", "ollama/", "ollama", "llama3.1:8b"),
    Row("deploy/compose.yaml", "--model-id", "hub", "HuggingFaceH4/zephyr-7b-beta", "3bac358"),
    Row("deploy/compose.yaml", "MODEL_ID=", "hub", "BAAI/bge-small-en-v1.5", pattern="env"),
    Row("deploy/compose.yaml", '"serve"', "hub", "microsoft/Phi-3-mini-4k-instruct", "r1",
        pattern="vllm-serve"),
    Row("deploy/k8s.yaml", "args:", "hub", "ibm-granite/granite-3.0-8b-instruct"),
    Row("deploy/k8s.yaml", "value:", "hub", "nvidia/Nemotron-Mini-4B-Instruct", pattern="env"),
    Row("charts/llm/values.yaml", "modelId", "hub", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"),
    Row("charts/llm/templates/deployment.yaml", "--model=", "unresolved",
        "{{.Values.modelId}}"),
    Row("charts/llm/templates/deployment.yaml", "--tokenizer", "hub",
        "hf-internal-testing/llama-tokenizer", role="tokenizer"),
    Row("config/serving.json", "model_id", "hub", "openai-community/gpt2"),
    Row("config/serving.json", "pythia", "hub", "EleutherAI/pythia-70m", pattern="hub-url"),
    Row("pyproject.toml", "embedding_model", "hub", "nomic-ai/nomic-embed-text-v1.5"),
    Row(".env", "RERANKER", "hub", "BAAI/bge-reranker-base"),
    Row("docker/Dockerfile", "ENV", "hub", "sentence-transformers/all-mpnet-base-v2"),
    Row("docker/Dockerfile", "CMD", "hub", "sentence-transformers/all-mpnet-base-v2"),
    Row("docker/Dockerfile", "RUN huggingface-cli", "hub", "openai/whisper-large-v3", "06f233f",
        pattern="hf-download"),
    Row("Modelfile", "FROM", "hub", "bartowski/Llama-3.2-3B-Instruct-GGUF",
        pattern="modelfile-from", column_at="hf.co"),
    Row("README.md", "[the base model]", "hub", "x/y", pattern="markdown-link",
        column_at="https://"),
    Row("README.md", "docs/example-model", "hub", "docs/example-model", "v3",
        pattern="from_pretrained", column_at='"docs/example-model"'),
    Row("README.md", "vllm serve docs/served-model", "hub", "docs/served-model",
        pattern="vllm-serve"),
    Row("README.md", "acme/in-broken", "hub", "acme/in-broken", pattern="hub-url",
        column_at="https://"),
    Row("README.md", "plain-url", "hub", "acme/plain-url", pattern="hub-url",
        column_at="https://"),
    Row("Modelfile", "ADAPTER", "local", "./adapters/lora.gguf", role="adapter"),
    Row("ollama/Modelfile.library", "FROM", "ollama", "llama3.1:8b"),
    Row("scripts/serve.sh", "MODEL=", "hub", "google/gemma-3-4b-it", pattern="env"),
    Row("scripts/serve.sh", "vllm serve $MODEL", "hub", "google/gemma-3-4b-it", "abc1234",
        pattern="vllm-serve"),
    Row("scripts/serve.sh", "UNKNOWN_MODEL", "unresolved", "$UNKNOWN_MODEL"),
    Row("scripts/serve.sh", "--model-path", "hub", "Qwen/QwQ-32B"),
    Row("checkpoints/final/config.json", "_name_or_path", "hub", "meta-llama/Llama-3.2-1B",
        role="base-model"),
    Row("weights/model.gguf", "", "hub", "acme/test-base", role="base-model",
        pattern="gguf-base-model"),
]


def build(root: Path) -> Path:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("latin-1") if name == "bad/latin1.py" else text.encode())
    (root / "checkpoints/final").mkdir(parents=True, exist_ok=True)
    (root / "weights").mkdir()
    w = (Writer().string("general.license", "apache-2.0")
         .string("general.base_model.0.repo_url", "https://huggingface.co/acme/test-base")
         .strings("tokenizer.ggml.tokens", (f"t{i}" for i in range(131_072))))
    w.write(root / "weights/model.gguf", sparse_size=1 << 30)
    header = json.dumps({"__metadata__": {"license": "cc-by-4.0", "format": "pt"}}).encode()
    (root / "weights/adapter.safetensors").write_bytes(len(header).to_bytes(8, "little")
                                                       + header + b"\0" * 64)
    (root / "bad/lying.gguf").write_bytes(Writer().raw(
        "tokenizer.ggml.tokens", 9, (8).to_bytes(4, "little") + (1 << 62).to_bytes(8, "little"))
        .bytes() + b"\0" * 32)
    (root / "bad/short.safetensors").write_bytes((10**9).to_bytes(8, "little") + b"{}")
    (root / "bad/binary.py").write_bytes(b"\x7fELF\x02\x01\x01\0\0\0" + bytes(range(256)))
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.py").write_text('AutoModel.from_pretrained("outside/model")\n')
    (root / "bad/escape.py").symlink_to(outside / "secret.py")
    (root / "bad/escape-dir").symlink_to(outside)
    (root / "src/inside-link.py").symlink_to(root / "src/cli.py")
    return root


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("fixture") / "repo")


@pytest.fixture(scope="module")
def found(repo: Path) -> Discovery:
    return discover([repo])


def _line_of(root: Path, row: Row) -> tuple[int | None, int | None]:
    if row.file.endswith((".gguf", ".ipynb")):
        return None, None
    lines = (root / row.file).read_text().splitlines()
    number = next(i for i, text in enumerate(lines, start=1) if row.marker in text)
    column = lines[number - 1].index(row.column_at) + 1 if row.column_at else None
    return number, column


def _key(ref: Reference, root: Path) -> tuple[str, str, str, str | None, str | None, str]:
    return (str(Path(ref.origin.file).relative_to(root)), ref.kind, ref.value, ref.revision,
            ref.subfolder, ref.role)


def test_every_pattern_found_and_nothing_else(found: Discovery, repo: Path) -> None:
    got = [_key(r, repo) for r in found.references]
    want = [(row.file, row.kind, row.value, row.revision, row.subfolder, row.role)
            for row in TABLE]
    missing = sorted(map(str, set(want) - set(got)))
    extra = sorted(map(str, set(got) - set(want)))
    assert (missing, extra) == ([], [])
    assert len(got) == len(want)  # and no duplicates


@pytest.mark.parametrize("row", TABLE, ids=lambda r: f"{r.file}:{r.value}:{r.role}")
def test_origin_and_pattern(found: Discovery, repo: Path, row: Row) -> None:
    line, column = _line_of(repo, row)
    matches = [r for r in found.references
               if _key(r, repo) == (row.file, row.kind, row.value, row.revision, row.subfolder,
                                    row.role) and (line is None or r.origin.line == line)]
    assert len(matches) == 1, matches
    ref = matches[0]
    if row.file.endswith(".ipynb"):
        assert ref.origin.line == 3 and dict(ref.detail)["cell"] == "2"  # line in the cell
    elif line is not None:
        assert ref.origin.line == line
    if column is not None:
        assert ref.origin.column == column
    if row.pattern:
        assert ref.pattern == row.pattern


def test_resolved_values_say_where_they_came_from(found: Discovery, repo: Path) -> None:
    by_value = {(r.value, r.pattern): r for r in found.references if r.role == "model"}
    base = by_value[("meta-llama/Llama-3.1-8B-Instruct", "from_pretrained")]
    assert any("value of BASE (line 10)" in n for n in base.notes)
    env = by_value[("google/gemma-2-9b-it", "from_pretrained")]
    assert any("environment variable MODEL_ID" in n for n in env.notes)
    routed = by_value[("meta-llama/Meta-Llama-3-70B-Instruct", "config-key")]
    assert any("huggingface provider" in n for n in routed.notes)
    quant = by_value[("bartowski/Llama-3.2-3B-Instruct-GGUF", "modelfile-from")]
    assert any("Q4_K_M" in n for n in quant.notes)


def test_weight_headers_are_claims(found: Discovery, repo: Path) -> None:
    weights = {Path(w.origin.file).name: w for w in found.weights}
    assert set(weights) == {"model.gguf", "adapter.safetensors"}
    assert dict(weights["model.gguf"].claims)["general.license"] == "apache-2.0"
    assert weights["model.gguf"].base_models == ("acme/test-base",)
    assert dict(weights["adapter.safetensors"].claims) == {"license": "cc-by-4.0"}


def test_bad_items_are_errors_and_the_walk_goes_on(found: Discovery, repo: Path) -> None:
    errors = {str(Path(e.origin.file).relative_to(repo)): e.reason for e in found.errors}
    assert "not valid Python" in errors["bad/syntax.py"]
    assert "not UTF-8" in errors["bad/latin1.py"]
    assert "binary file" in errors["bad/binary.py"]
    assert "outside the tree" in errors["bad/escape.py"]
    assert "outside the tree" in errors["bad/escape-dir"]
    assert "not valid YAML" in errors["bad/broken.yaml"]
    assert "not valid JSON" in errors["bad/broken.json"]
    assert "cannot fit" in errors["bad/lying.gguf"]
    assert "past the end" in errors["bad/short.safetensors"]
    assert len(errors) == 9
    assert next(e for e in found.errors if e.origin.file.endswith("syntax.py")).origin.line == 1


def test_nothing_read_from_ignored_or_environment_folders(found: Discovery) -> None:
    values = {r.value for r in found.references}
    for hidden in ("ignored/model", "ignored/log", "venv/model", "node/model", "venv2/model",
                   "outside/model", "commented/out-model", "docstring/model", "not/code",
                   "docs/not-read", "commented/out", "acme/some-dataset", "not/a-model-key"):
        assert hidden not in values
    assert any(path.endswith("tools/env2") for path, _why in found.skipped)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.py"
    path.write_text('AutoModel.from_pretrained("a/b")\n')
    path.chmod(0)
    (tmp_path / "ok.py").write_text('AutoModel.from_pretrained("c/d")\n')
    try:
        result = discover([tmp_path])
    finally:
        path.chmod(0o600)
    assert next(e.reason for e in result.errors).startswith("cannot read")
    assert [r.value for r in result.references] == ["c/d"]


def test_a_single_file_and_deterministic_order(repo: Path) -> None:
    one = discover([repo / "src" / "cli.py"])
    assert {r.value for r in one.references} == {"intfloat/e5-base-v2", "Qwen/Qwen2.5-0.5B",
                                                 "tiiuae/falcon-7b"}
    assert discover([repo]) == discover([repo])


def test_nested_gitignore_with_negation(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / ".gitignore").write_text("*.py\n")
    (tmp_path / "pkg" / ".gitignore").write_text("!keep.py\n")
    for name in ("a.py", "pkg/b.py", "pkg/keep.py"):
        (tmp_path / name).write_text(f'AutoModel.from_pretrained("o/{Path(name).stem}")\n')
    assert [r.value for r in discover([tmp_path]).references] == ["o/keep"]


def test_parallel_reading_finds_the_same_as_sequential(repo: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A large tree is read by forked processes; the result must not depend on it."""
    import threading

    import licscan.discover as module

    if threading.active_count() > 1:
        pytest.skip("another thread runs in this test process: discover does not fork then")
    monkeypatch.setattr(module, "PARALLEL_MIN_FILES", 10**9)
    sequential = discover([repo])
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: discover does not fork")
    import concurrent.futures

    pools: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    class Spy(real):  # type: ignore[valid-type,misc]
        def __init__(self, workers: int, **kwargs: object) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Spy)
    monkeypatch.setattr(module, "PARALLEL_MIN_FILES", 1)
    parallel = discover([repo])
    assert pools and pools[0] >= 2  # the files were read by other processes
    assert parallel == sequential
