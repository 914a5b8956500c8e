"""Names that come from users or files, made safe to show as text."""

from collections.abc import Iterable


def plotly_safe(text: object) -> str:
    """Text for Plotly labels: Plotly reads a few HTML tags in labels, so < > & are escaped to show literally."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plotly_safe_all(texts: Iterable[object]) -> list[str]:
    return [plotly_safe(text) for text in texts]
