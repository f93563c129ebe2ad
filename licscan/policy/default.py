"""The built-in default policy: the policy of a scan without licscan.yaml.

No rules: each license is decided by the context's commercial-use answer, or without a context
by its commercial-use flag (allowed -> allow, conditional -> review, prohibited -> deny,
unknown -> review), raised by the model's findings; a license licscan has no terms for, or a
model that could not be scanned, gets `review`. It is decided by the same engine as a
configured policy (`decide.py`), so `--no-config` and a licscan.yaml with `policy: {}` agree.
docs/architecture.md writes it out as YAML (a test keeps the two in step).
"""

from __future__ import annotations

from licscan.policy.model import Policy

DEFAULT_POLICY = Policy(fail_on="deny", unknown="review")
