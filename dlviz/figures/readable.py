"""Make a finished figure readable from the back of a room: every text in it larger by one factor."""

from __future__ import annotations

import plotly.graph_objects as go

PLOTLY_DEFAULT_FONT = 12


def enlarge_text(figure: go.Figure, factor: float) -> go.Figure:
    """Scale the layout font and every size a builder set on its own (trace text, annotations, titles) by `factor`."""
    base = figure.layout.font.size or PLOTLY_DEFAULT_FONT
    figure.update_layout(font={"size": round(base * factor)}, hoverlabel={"font": {"size": round(base * factor)}})
    for trace in figure.data:
        textfont = getattr(trace, "textfont", None)
        if textfont is not None and isinstance(textfont.size, (int, float)):
            trace.textfont.size = round(textfont.size * factor)
    for annotation in figure.layout.annotations:
        if annotation.font.size:
            annotation.font.size = round(annotation.font.size * factor)
    for text in (figure.layout.title, figure.layout.legend):
        if text.font.size:
            text.font.size = round(text.font.size * factor)
    return figure
