"""A finding: one reason ANAF's validator would refuse a document (shared by the schema and rule checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One reason a document would be refused: the rule's id and an English message (template + params)."""

    rule: str
    template: str
    params: dict[str, Any] = field(default_factory=dict[str, Any], compare=False, hash=False)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"
