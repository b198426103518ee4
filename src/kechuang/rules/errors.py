"""The one error type of the policy language: a message with the file, line and column it is about.

Everything that can be wrong with a policy (YAML syntax, document structure, expression syntax,
names, units, cycles) is reported as a `PolicyError`, so that `kechuang policies validate` and
the screening commands can print `file:line:col: message` and exit 2.
"""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy that cannot be loaded; `str()` is `"file:line:col: message"`."""

    def __init__(self, message: str, file: str = "<policy>", line: int = 0, column: int = 0):
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def in_file(self, file: str) -> PolicyError:
        """The same error attributed to `file` (used when a caller knows the path)."""
        return PolicyError(self.message, file, self.line, self.column)
