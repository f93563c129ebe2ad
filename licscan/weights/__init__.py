"""Headers of weight files and stores (GGUF, safetensors, ONNX, the Ollama store).

Only headers and small metadata are read: never a tensor. Every reader raises
`licscan.errors.SourceError` with a machine-readable kind ("unreadable", "bad-header") and a
message naming the reason, so a caller reports the one file and goes on.
"""
