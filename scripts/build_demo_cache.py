#!/usr/bin/env python3
"""Build examples/hub-cache: the card metadata of the demo models' base models and datasets,
as a licscan cache, so that `licscan demo` can follow lineage and training data offline.

It serves the cards below from the project's Hub test double and scans them through the real
client into the cache. Only card metadata is stored (license ids, base models): no license
text. The commit shas are the double's, not the real Hub's.

    python scripts/build_demo_cache.py
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licscan.model import ModelRef  # noqa: E402
from licscan.sources.hub import HubSettings, HubSource  # noqa: E402
from tests.hubdouble import HubDouble, RepoSpec  # noqa: E402

TARGET = ROOT / "examples" / "hub-cache"

MODELS: dict[str, tuple[str, str | None]] = {
    "meta-llama/Llama-3.1-8B": ("license: llama3.1\npipeline_tag: text-generation", "manual"),
    "meta-llama/Llama-3.1-8B-Instruct": (
        "license: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\n"
        "pipeline_tag: text-generation", "manual"),
    "google/gemma-2-2b-it": ("license: gemma\npipeline_tag: text-generation", "manual"),
    "runwayml/stable-diffusion-v1-5": (
        "license: creativeml-openrail-m\npipeline_tag: text-to-image", None),
    "Qwen/Qwen2.5-72B-Instruct": (
        "license: other\nlicense_name: qwen\npipeline_tag: text-generation", None),
    "black-forest-labs/FLUX.1-dev": (
        "license: other\nlicense_name: flux-1-dev-non-commercial-license\n"
        "pipeline_tag: text-to-image", "auto"),
}
DATASETS = {"acme/support-tickets": "license: cc-by-nc-4.0"}


def main() -> int:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    with HubDouble() as hub:
        refs = []
        for repo_id, (card, gated) in MODELS.items():
            hub.add_model(RepoSpec(repo_id, gated=gated,
                                   files={"README.md": f"---\n{card}\n---\n# {repo_id}\n"}))
            refs.append(ModelRef(kind="hub", target=repo_id, repo_id=repo_id))
        for repo_id, card in DATASETS.items():
            hub.add_dataset(RepoSpec(repo_id, files={"README.md": f"---\n{card}\n---\n"}))
            refs.append(ModelRef(kind="hub", target=repo_id, repo_id=repo_id,
                                 repo_type="dataset"))
        source = HubSource(HubSettings(endpoint=hub.url, cache_dir=str(TARGET), timeout=5))
        for ref in refs:
            snapshot = source.fetch(ref)
            print(f"{ref.repo_id}: {snapshot.revision} {snapshot.card_data}")
    (TARGET / "v1" / ".pruned").unlink(missing_ok=True)
    (TARGET / "BUILT").write_text(f"{int(time.time())}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
