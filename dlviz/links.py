"""Shareable links: the state that matters on a page, read from and written to URL query parameters.

A teacher copies the address bar and the class opens exactly that view. Anything in a link that does
not fit (unknown preset, index out of range, text too long) falls back to the default with a notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 2_000


@dataclass(frozen=True)
class Param:
    """One query parameter: a choice from a list, a whole number in a range, or free text."""

    choices: Sequence[str] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = MAX_TEXT

    def read(self, name: str, raw: str) -> Any:
        if self.choices is not None:
            if raw not in self.choices:
                shown = ", ".join(list(self.choices)[:6]) + (" …" if len(self.choices) > 6 else "")
                raise ValueError(f"'{name}={raw[:40]}' is not one of: {shown}")
            return raw
        if self.minimum is not None or self.maximum is not None:
            try:
                number = int(raw)
            except ValueError:
                raise ValueError(f"'{name}={raw[:40]}' is not a whole number") from None
            if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
                raise ValueError(f"'{name}={number}' is outside {self.minimum}–{self.maximum}")
            return number
        if len(raw) > self.max_length:
            raise ValueError(f"'{name}' is longer than {self.max_length} characters")
        return raw


def parse(query: Mapping[str, str], params: Mapping[str, Param]) -> tuple[dict[str, Any], list[str]]:
    """The values a link sets, and one notice per parameter that was ignored (and why)."""
    values, notices = {}, []
    for name, raw in query.items():
        if name not in params:
            continue  # other pages' parameters, or Streamlit's own
        try:
            values[name] = params[name].read(name, str(raw))
        except ValueError as error:
            notices.append(f"The link's {error}; the default is used instead.")
    return values, notices
