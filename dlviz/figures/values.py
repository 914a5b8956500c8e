"""Plotly figures of tensor values: one tensor as a heatmap or histogram, and tensors of every rank side by side."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go


def value_heatmap(value: np.ndarray, title: str = "") -> go.Figure:
    """A 2-D tensor as a heatmap with every value on hover (and written in, to 3 significant digits, when small)."""
    matrix = np.atleast_2d(value)
    show_text = matrix.size <= 100
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            colorscale="RdBu",
            zmid=0,
            texttemplate="%{z:.3g}" if show_text else None,
            hovertemplate="row %{y}, col %{x}: %{z:.4g}<extra></extra>",
        )
    )
    rows, columns = matrix.shape[:2]
    figure.update_layout(
        title=title or None, height=min(120 + 32 * rows, 520), margin={"l": 10, "r": 10, "t": 40, "b": 10},
        yaxis={"autorange": "reversed", "title": "row", "tickmode": "linear", "tick0": 0, "dtick": max(1, math.ceil(rows / 12))},
        xaxis={"title": "column", "tickmode": "linear", "tick0": 0, "dtick": max(1, math.ceil(columns / 16))},
    )
    return figure


def value_histogram(value: np.ndarray, title: str = "") -> go.Figure:
    """The distribution of a large tensor's values."""
    figure = go.Figure(go.Histogram(x=np.ravel(value), nbinsx=40, marker_color="#ff7f0e"))
    figure.update_layout(title=title or None, height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10}, bargap=0.05)
    return figure


def tensor_ranks_figure(examples: Iterable[tuple[str, np.ndarray]]) -> go.Figure:
    """Tensors of rank 0 to 4 side by side: a cell, a row, a grid, a stack of grids, a row of stacks.

    Depth is drawn as an oblique offset (flat SVG, no WebGL scene), so the page draws at once even
    in a browser without a GPU."""
    examples = list(examples)
    xs, ys, values, hovers, titles, title_x = [], [], [], [], [], []
    left = 0.0
    for title, value in examples:
        cells = _cells(np.asarray(value))
        width = max(cells[0]) + 0.45 * max(cells[3]) + 1 if cells[0] else 1
        order = np.argsort(-np.asarray(cells[3]), kind="stable")  # draw the back layers first
        low, high = min(cells[2]), max(cells[2])
        for index in order:
            x, y, value_at, depth, label = (cells[0][index], cells[1][index], cells[2][index], cells[3][index], cells[4][index])
            xs.append(left + x + 0.45 * depth)
            ys.append(-y + 0.45 * depth)
            values.append((value_at - low) / (high - low) if high > low else 0.5)  # colours per tensor
            hovers.append(f"{title}<br>index {label}: {value_at:g}")
        titles.append(title)
        title_x.append(left + width / 2 - 0.5)
        left += width + 2.0
    figure = go.Figure(data=[
        go.Scatter(x=xs, y=ys, mode="markers", hovertext=hovers, hoverinfo="text", showlegend=False,
                   marker={"symbol": "square", "size": 14, "color": values, "colorscale": "Viridis", "cmin": 0, "cmax": 1,
                           "line": {"width": 1, "color": "white"}}),
        go.Scatter(x=title_x, y=[max(ys) + 1.6] * len(titles), mode="text", text=titles, hoverinfo="skip",
                   showlegend=False, textfont={"size": 13}),
    ], layout={"height": 300, "margin": {"l": 0, "r": 0, "t": 10, "b": 0}, "plot_bgcolor": "white",
               "xaxis": {"visible": False, "range": [min(xs) - 1.5, max(xs) + 1.5]},  # room for the last volume's depth
               "yaxis": {"visible": False, "scaleanchor": "x"}})
    return figure


def _cells(value: np.ndarray) -> tuple[list[float], list[float], list[float], list[float], list[str]]:
    """(x, y, value, depth, index label) for every element; rank 4 lays its volumes side by side along x."""
    if value.ndim == 4:
        gap = value.shape[2] + 0.45 * value.shape[3] + 1.5
        parts = [_cells(volume) for volume in value]
        return (
            [x + number * gap for number, part in enumerate(parts) for x in part[0]],
            [y for part in parts for y in part[1]],
            [v for part in parts for v in part[2]],
            [d for part in parts for d in part[3]],
            [f"[{number}, {label[1:]}" for number, part in enumerate(parts) for label in part[4]],
        )
    padded = value.reshape(value.shape + (1,) * (3 - value.ndim)) if value.ndim < 3 else value
    rows, cols, depth = padded.shape
    xs, ys, vs, ds, labels = [], [], [], [], []
    for i in range(rows):
        for j in range(cols):
            for k in range(depth):
                xs.append(float(j if value.ndim >= 1 else 0))
                ys.append(float(i if value.ndim >= 2 else 0))
                vs.append(float(padded[i, j, k]))
                ds.append(float(k))
                index = (i, j, k)[: value.ndim] if value.ndim else ()
                labels.append("[" + ", ".join(map(str, index)) + "]")
    if value.ndim == 1:  # a vector is a row
        xs, ys = [float(i) for i in range(rows)], [0.0] * rows
    return xs, ys, vs, ds, labels
