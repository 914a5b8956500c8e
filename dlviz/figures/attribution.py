"""Plotly figures for explanations: maps over the input, rows of maps, deletion curves, filter pictures, masks.

A map is drawn over its input as a heatmap whose low values are transparent, so the picture shows through
where the map says nothing; the hover gives the raw number at every pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlviz.figures.charts import mosaic
from dlviz.text import plotly_safe

HEAT = [[0.0, "rgba(255,255,178,0)"], [0.15, "rgba(254,204,92,0.35)"], [0.45, "rgba(253,141,60,0.75)"],
        [0.75, "rgba(240,59,32,0.9)"], [1.0, "rgba(189,0,38,1)"]]
CURVE_COLOURS = {"gradient": "#1f77b4", "gradient_x_input": "#17becf", "smoothgrad": "#9467bd",
                 "integrated_gradients": "#2ca02c", "gradcam": "#d62728", "occlusion": "#ff7f0e", "random": "#7f7f7f"}
MARKERS = {"gradient": "circle", "gradient_x_input": "square", "smoothgrad": "diamond", "integrated_gradients": "cross",
           "gradcam": "star", "occlusion": "triangle-up", "random": "x"}


def _base_trace(image: np.ndarray, xaxis: str = "x", yaxis: str = "y") -> go.BaseTraceType:
    """The input picture: grayscale as a gray heatmap, colour as an RGB image; no hover (the map's hover says it)."""
    if image.shape[-1] == 3:
        return go.Image(z=(np.clip(image, 0, 1) * 255).astype(np.uint8), hoverinfo="skip", xaxis=xaxis, yaxis=yaxis)
    return go.Heatmap(z=image[..., 0], colorscale="gray", zmin=0, zmax=1, showscale=False, hoverinfo="skip",
                      xaxis=xaxis, yaxis=yaxis)


def _map_trace(image: np.ndarray, saliency: np.ndarray, opacity: float, showscale: bool, xaxis: str = "x",
               yaxis: str = "y") -> go.Heatmap:
    top = float(np.max(saliency)) or 1.0
    pixel = image.mean(axis=-1)
    return go.Heatmap(
        z=saliency, zmin=0.0, zmax=top, colorscale=HEAT, opacity=opacity, showscale=showscale, customdata=pixel,
        hovertemplate="row %{y}, column %{x}<br>attribution %{z:.4g}<br>pixel %{customdata:.3f}<extra></extra>",
        colorbar={"thickness": 12, "len": 0.8, "title": {"text": "attribution", "side": "right"}} if showscale else None,
        xaxis=xaxis, yaxis=yaxis,
    )


def overlay_figure(image: np.ndarray, saliency: np.ndarray, title: str = "", opacity: float = 0.7,
                   height: int = 340) -> go.Figure:
    """One map over its input picture, with a colour bar and the raw values in the hover."""
    figure = go.Figure([_base_trace(image), _map_trace(image, saliency, opacity, True)])
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 30 if title else 4, "b": 0},
                         title=plotly_safe(title) if title else None, plot_bgcolor="white")
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return figure


def maps_row_figure(image: np.ndarray, panels: Sequence[tuple[str, np.ndarray]], opacity: float = 0.7,
                    columns: int | None = None, height: int | None = None) -> go.Figure:
    """Several maps of the same input side by side, each on its own colour scale (their units differ)."""
    columns = max(1, min(columns or len(panels), len(panels)))
    rows = math.ceil(len(panels) / columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=[plotly_safe(title) for title, _ in panels],
                           horizontal_spacing=0.02, vertical_spacing=0.12 / rows)
    for index, (_, saliency) in enumerate(panels):
        row, column = divmod(index, columns)
        figure.add_trace(_base_trace(image), row=row + 1, col=column + 1)
        figure.add_trace(_map_trace(image, saliency, opacity, False), row=row + 1, col=column + 1)
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed")
    for index in range(len(panels)):
        suffix = "" if index == 0 else str(index + 1)
        figure.update_layout({f"yaxis{suffix}": {"scaleanchor": f"x{suffix}"}})
    figure.update_annotations(font={"size": 12})
    figure.update_layout(height=height or 70 + rows * min(300, 1100 // columns), margin={"l": 0, "r": 0, "t": 60, "b": 0},
                         plot_bgcolor="white", showlegend=False)
    return figure


def curves_figure(curves: dict[str, np.ndarray], names: dict[str, str], title: str, areas: dict[str, float]) -> go.Figure:
    """Class probability against the fraction of pixels removed (or revealed), one line per method."""
    figure = go.Figure()
    for method, curve in curves.items():
        fractions = np.linspace(0, 1, len(curve))
        label = f"{names.get(method, method)} (area {areas[method]:.3f})"
        figure.add_trace(go.Scatter(
            x=fractions, y=curve, mode="lines", name=plotly_safe(label),
            line={"color": CURVE_COLOURS.get(method), "dash": "dot" if method == "random" else "solid",
                  "width": 3 if method == "random" else 2},
            hovertemplate=plotly_safe(names.get(method, method)) + ": %{x:.0%} of pixels → probability %{y:.3f}<extra></extra>",
        ))
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10}, title=plotly_safe(title),
                         xaxis={"title": "fraction of pixels, most important first", "tickformat": ".0%", "range": [0, 1]},
                         yaxis={"title": "class probability", "range": [0, 1.02]},
                         legend={"font": {"size": 11}})
    return figure


def pictures_figure(rows: Sequence[tuple[str, np.ndarray, Sequence[object]]], columns: int | None = None,
                    row_height: int = 90) -> go.Figure:
    """Activation-maximisation pictures: one row per label (a layer, or the classes), each picture captioned
    (a filter number, a class name)."""
    columns = columns or max(len(images) for _, images, _ in rows)
    height, width, channels = rows[0][1].shape[1:]
    gap = max(1, height // 7)
    blank = np.full((height, width, channels), np.nan if channels == 1 else 1.0, dtype=np.float32)
    tiles, labels, texts = [], [], []
    for label, images, units in rows:
        for start in range(0, len(images), columns):
            chunk = list(images[start:start + columns]) + [blank] * (columns - len(images[start:start + columns]))
            tiles.extend(chunk)
            labels.append(label if start == 0 else "")
            captions = [plotly_safe(caption) for caption in units[start:start + columns]]
            texts.extend(captions + [""] * (columns - len(captions)))
    grid = mosaic(np.stack(tiles), columns, gap=gap)
    lines = len(labels)
    if channels == 3:
        traces = [go.Image(z=(np.nan_to_num(np.clip(grid, 0, 1), nan=1.0) * 255).astype(np.uint8), hoverinfo="skip")]
    else:
        gaps = mosaic(np.stack([np.zeros_like(tile) for tile in tiles]), columns, gap=gap)
        shown = np.where(gaps[..., 0] == 1, np.nan, grid[..., 0])
        traces = [go.Heatmap(z=shown, colorscale="gray", zmin=0, zmax=1, showscale=False,
                             hovertemplate="pixel %{z:.2f}<extra></extra>")]
    index = np.arange(len(texts))
    traces.append(go.Scatter(x=(index % columns) * (width + gap) + width / 2, y=(index // columns) * (height + gap) - 0.5,
                             text=texts, mode="text", textposition="top center", textfont={"size": 9, "color": "#555"},
                             hoverinfo="skip"))
    figure = go.Figure(traces)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showgrid=False, zeroline=False, ticks="",
                        tickvals=[line * (height + gap) + height / 2 for line in range(lines)],
                        ticktext=[plotly_safe(label) for label in labels])
    figure.update_layout(height=40 + row_height * lines, margin={"l": 90, "r": 0, "t": 20, "b": 0},
                         plot_bgcolor="white", showlegend=False)
    return figure


def pointing_figure(image: np.ndarray, mask: np.ndarray, maxima: dict[str, tuple[int, int]], names: dict[str, str],
                    height: int = 340) -> go.Figure:
    """The true shape mask over the input, and where each method's map peaks (a hit when it lands on the mask)."""
    outline = np.where(mask, 1.0, np.nan)
    figure = go.Figure([
        _base_trace(image),
        go.Heatmap(z=outline, colorscale=[[0, "rgba(44,160,44,0.45)"], [1, "rgba(44,160,44,0.45)"]], showscale=False,
                   hovertemplate="row %{y}, column %{x}: on the shape<extra></extra>"),
    ])
    for method, (row, column) in maxima.items():
        figure.add_trace(go.Scatter(
            x=[column], y=[row], mode="markers", name=plotly_safe(names.get(method, method)),
            marker={"symbol": MARKERS.get(method, "circle"), "size": 13, "color": CURVE_COLOURS.get(method),
                    "line": {"width": 1.5, "color": "white"}},
            hovertemplate=plotly_safe(names.get(method, method)) + " peaks at row %{y}, column %{x}<extra></extra>",
        ))
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 4, "b": 0}, plot_bgcolor="white",
                         legend={"font": {"size": 11}})
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return figure
