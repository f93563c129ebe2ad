"""How fast and how small is reading weight headers? A GGUF with a 128k vocabulary, and an
Ollama store of 20 models scanned offline.

    python bench/gguf_header.py [--runs 5] [--models 20]

1. A Llama-3-8B-shaped GGUF header (128,256 tokens, 280,147 merges, scores and token types;
   the file is 4.9 GB, sparse) read with licscan.weights.gguf: wall time (median of --runs,
   goal <= 0.1 s) and memory in a fresh process (Python allocations peak by tracemalloc and
   the growth of the process's peak RSS; goal <= 50 MB).
2. An Ollama store of --models models (vocabularies of 32k to 256k tokens, like Mistral, Phi,
   Llama 3, Qwen 2.5 and Gemma; license layers with reference texts from ../shared/corpus when
   present) listed and scanned offline: every manifest, every model layer's GGUF header, every
   license layer identified (goal <= 1 s). Lineage is off: base models would need the Hub.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"

from bench._common import machine  # noqa: E402
from tests.test_gguf import Writer, llama3_like  # noqa: E402

# (family, vocabulary, merges, license layer from the corpus, GGUF general.license)
SHAPES = [("llama3", 128_256, 280_147, "llama3-license.txt", "llama3"),
          ("qwen2.5", 151_936, 151_387, "apache-2.0.txt", "apache-2.0"),
          ("gemma2", 256_000, 0, "gemma-tou-2024-04-01.txt", "gemma"),
          ("mistral", 32_768, 0, "apache-2.0.txt", "apache-2.0"),
          ("phi3", 32_064, 0, "mit.txt", "mit")]

CHILD = """
import sys, time, tracemalloc
from licscan.weights.gguf import read_gguf

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0

before = status("VmHWM")
start = time.perf_counter()
header = read_gguf(sys.argv[1])
elapsed = time.perf_counter() - start
after = status("VmHWM")
tracemalloc.start()
read_gguf(sys.argv[1])
peak = tracemalloc.get_traced_memory()[1]
print(elapsed, peak, before, after)
"""


def header_figures(root: Path, runs: int) -> None:
    from licscan.weights.gguf import read_gguf

    path = llama3_like().write(root / "llama3.gguf", sparse_size=4_920_000_000,
                               tensor_count=291)
    header = read_gguf(path)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        read_gguf(path)
        times.append(time.perf_counter() - start)
    print(f"GGUF header, 128,256 tokens + 280,147 merges ({header.header_bytes / 1e6:.1f} MB "
          f"of header, {header.kv_count} keys, file {path.stat().st_size / 1e9:.1f} GB sparse)")
    print(f"  read: median {statistics.median(times) * 1000:.1f} ms, min "
          f"{min(times) * 1000:.1f} ms over {runs} runs (goal <= 100 ms)")
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, check=True, cwd=REPO)
    elapsed, peak, before, after = done.stdout.split()
    print(f"  fresh process: {float(elapsed) * 1000:.1f} ms; whole process peak RSS (VmHWM) "
          f"{int(before) / 1e6:.1f} MB before the read, {int(after) / 1e6:.1f} MB after "
          f"(goal <= 50 MB); Python allocations peak during a read {int(peak) / 1e6:.2f} MB")


def build_store(root: Path, count: int) -> int:
    blobs, manifests = root / "blobs", root / "manifests" / "registry.ollama.ai" / "library"
    blobs.mkdir(parents=True)
    headers: dict[str, bytes] = {}

    def blob(data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        path = blobs / f"sha256-{digest}"
        if not path.exists():
            path.write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    texts = 0
    for i in range(count):
        family, vocab, merges, text_name, license_id = SHAPES[i % len(SHAPES)]
        if family not in headers:
            w = Writer().string("general.license", license_id)
            headers[family] = llama3_like(w, vocab=vocab, merges=merges).bytes(291)
        model = headers[family] + f"tensor data of model {i}".encode()
        text_file = CORPUS / text_name
        text = text_file.read_bytes() if text_file.is_file() else \
            f"Terms of {family}, written for this benchmark.\n".encode()
        texts += text_file.is_file()
        layers = [{"mediaType": "application/vnd.ollama.image.model", **blob(model)},
                  {"mediaType": "application/vnd.ollama.image.license", **blob(text)},
                  {"mediaType": "application/vnd.ollama.image.template",
                   **blob(b"{{ .Prompt }}")}]
        manifest = {"schemaVersion": 2, "config": blob(b"{}"), "layers": layers}
        path = manifests / f"{family}-{i}" / "latest"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(manifest))
    return texts


def store_figures(root: Path, count: int, runs: int) -> None:
    from licscan.scan import Scanner, ScanOptions
    from licscan.sources.hub import HubSettings
    from licscan.weights.sources import ollama_store_refs

    store = root / "ollama"
    texts = build_store(store, count)
    os.environ["LICSCAN_CACHE_DIR"] = str(root / "licscan-cache")  # empty: the first run is cold
    cli_times = []
    for _ in range(2):  # what a user waits for, in a fresh process (second: headers cached)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "licscan", "scan", "--ollama",
                               "--ollama-dir", str(store), "--offline", "--no-config",
                               "--format", "json"], capture_output=True, text=True, check=False)
        cli_times.append(time.perf_counter() - start)
        assert done.returncode in (0, 1), done.stderr
    Scanner(ScanOptions(offline=True, lineage=False, datasets=False))  # warm the rule pack
    list_times, scan_times = [], []
    statuses: dict[str, int] = {}
    from licscan.weights import ollama

    for _ in range(runs):
        ollama._HEADERS.clear()  # each run reads every header (the cache is per process)
        start = time.perf_counter()
        refs, problems = ollama_store_refs(store)
        list_times.append(time.perf_counter() - start)
        scanner = Scanner(ScanOptions(jobs=2, offline=True, lineage=False, datasets=False,
                                      hub=HubSettings(use_cache=False)))  # parse every header
        result = scanner.scan(refs)
        scan_times.append(time.perf_counter() - start)
        statuses = {}
        errors = sorted({m.error.message for m in result.models if m.error})
        for m in result.models:
            statuses[m.status] = statuses.get(m.status, 0) + 1
    assert not problems
    print(f"Ollama store of {count} models (vocabularies 32k-256k; {texts} license layers from "
          "the reference corpus)")
    print(f"  list the store (every manifest parsed): median "
          f"{statistics.median(list_times) * 1000:.0f} ms")
    rest = scan_times[1:] or scan_times
    print(f"  full offline scan (list, every GGUF header, license layers identified, verdicts): "
          f"first run {scan_times[0] * 1000:.0f} ms (includes loading the identification "
          f"index), then median {statistics.median(rest) * 1000:.0f} ms over {len(rest)} runs "
          f"(goal <= 1000 ms); statuses {statuses}")
    print(f"  `licscan scan --ollama --offline` in a fresh process: {cli_times[0]:.2f} s with "
          f"an empty cache, then {cli_times[1]:.2f} s with the headers cached (interpreter "
          "start, imports and the rule pack included)")
    for message in errors:
        print(f"  error: {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="licscan-bench-gguf-") as tmp:
        header_figures(Path(tmp), args.runs)
        store_figures(Path(tmp), args.models, args.runs)


if __name__ == "__main__":
    main()
