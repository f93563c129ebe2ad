"""One error family. Every error a user can cause carries a diagnostic that says what to fix.

The CLI is the only place that catches these (exit code 2); anything else is a bug (exit 3).
Errors about a single model never surface here: they become that model's `status: error`.
"""

from __future__ import annotations


class LicscanError(Exception):
    """Base of every user-facing error."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.hint = hint

    def diagnostics(self) -> str:
        """`file:line: key: message` and a `hint:` line. Each part is escaped to one printable
        line: a key or value from a file cannot forge lines (or workflow commands) of its own."""
        from licscan.redact import printable_line as one

        where = ""
        if self.file:
            where = one(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        text = where + (f"{one(self.key)}: " if self.key else "") + one(self.message)
        if self.hint:
            text += f"\nhint: {one(self.hint)}"
        return text


class UsageError(LicscanError):
    """A command-line argument or target that cannot be understood."""


class ManifestError(LicscanError):
    """A manifest file that is unreadable or malformed."""


class ConfigError(LicscanError):
    """A configuration or context file that is unreadable or malformed."""


class RulePackError(LicscanError):
    """A rule pack that does not load or does not validate."""


class ReportError(LicscanError):
    """A report that cannot be rendered or a saved report that cannot be read."""


class SourceError(LicscanError):
    """Fetching one model failed. `kind` is the machine-readable reason in the JSON report."""

    def __init__(self, kind: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
