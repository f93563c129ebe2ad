"""Where bytes come from: `ModelRef -> Snapshot`, behind one interface (`base.Source`).

    base.py     Source (the protocol), ref_key, LocalSource (folders, weight-file headers,
                Ollama), KindSource (Hub refs to the Hub, the rest to disk: the Scanner's default)
    hub.py      HubSource: the Hugging Face Hub through huggingface_hub, with the cache (cache.py)
    local.py    a model folder or an HF cache entry on disk
    memory.py   MemorySource: snapshots held in memory, for tests of conclusions and lineage
    files.py    which files of a repository hold license terms, read within caps
    hints.py    why a connection to the Hub failed, and the way out
"""
