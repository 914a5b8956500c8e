"""Plotly figures for Boltzmann machines: training curves, filter grids, reconstructions, Gibbs chains, studies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlviz.figures.charts import TRAIN_COLOUR, VALIDATION_COLOUR, image_figure, mosaic
from dlviz.text import plotly_safe, plotly_safe_all

MAX_FILTERS = 400
METHOD_COLOURS = ["#7f7f7f", "#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd"]
CURVES = (("loss", "Reconstruction error (lower is better)"), ("pseudo_likelihood", "Pseudo-likelihood (higher is better)"),
          ("free_energy", "Free energy (a widening gap: overfitting)"))


def rbm_curves(history: list[dict[str, float]], epochs: int | None = None) -> go.Figure:
    """Reconstruction error, pseudo-likelihood and free energy per epoch, training images against held-out ones.
    A stack of RBMs (rows with "layer") gets a dashed line where each new layer starts."""
    figure = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in CURVES], horizontal_spacing=0.07)
    epoch_numbers = [row["epoch"] for row in history]
    for column, (metric, _) in enumerate(CURVES, start=1):
        for prefix, label, colour in (("", "training images", TRAIN_COLOUR), ("val_", "held-out images", VALIDATION_COLOUR)):
            key = prefix + metric
            if any(key in row for row in history):
                figure.add_trace(go.Scatter(
                    x=epoch_numbers, y=[row.get(key) for row in history], mode="lines+markers", name=label,
                    legendgroup=label, showlegend=column == 1, line={"color": colour},
                    hovertemplate=f"epoch %{{x}}: {label} %{{y:.4f}}<extra></extra>"), row=1, col=column)
    starts = [(row["epoch"] - 0.5, row["layer"]) for previous, row in zip(history, history[1:])
              if row.get("layer") != previous.get("layer")]
    for start, layer in starts:
        figure.add_vline(x=start, line={"dash": "dash", "color": "#999"}, annotation_text=f"RBM {layer}",
                         annotation_position="top right", annotation_font={"size": 10, "color": "#666"})
    upper = max(epochs or 1, len(history))
    figure.update_xaxes(title_text="epoch", range=[0.5, upper + 0.5], dtick=max(1, upper // 10))
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return figure


def filter_grid(weights: np.ndarray, image_shape: Sequence[int], order: Sequence[int] | None = None,
                rates: np.ndarray | None = None, columns: int | None = None, height: int | None = None) -> go.Figure:
    """Every hidden unit's weights drawn as an image (blue: the unit likes the pixel on, red: off), each scaled
    to its own largest weight; in `order` (e.g. most often firing first), at most MAX_FILTERS of them."""
    weights = np.asarray(weights, np.float32)
    units = list(order if order is not None else range(weights.shape[1]))[:MAX_FILTERS]
    shape = tuple(int(size) for size in image_shape)
    if len(shape) == 2:
        shape = (*shape, 1)
    columns = columns or int(min(20, max(4, np.ceil(np.sqrt(len(units))))))
    filters = weights[:, units].T.reshape(len(units), *shape)
    scale = np.maximum(np.abs(filters).reshape(len(units), -1).max(axis=1), 1e-12)[:, None, None, None]
    filters = filters / scale  # each in [-1, 1]
    gap = max(1, shape[0] // 8)
    rows = -(-len(units) // columns)
    if shape[2] == 3:
        grid = mosaic((filters + 1) / 2, columns, gap)
        figure = image_figure(grid, height=height or min(900, 60 + rows * 70))
    else:
        grid = mosaic(filters, columns, gap)[..., 0]
        holes = mosaic(np.zeros((len(units), *shape[:2], 1), np.float32), columns, gap)[..., 0] == 1
        grid[holes] = np.nan  # the gaps between filters
        unit_map = np.full(grid.shape, -1, dtype=np.int64)
        for position, unit in enumerate(units):
            row, column = divmod(position, columns)
            top, left = row * (shape[0] + gap), column * (shape[1] + gap)
            unit_map[top:top + shape[0], left:left + shape[1]] = unit
        rate_map = np.where(unit_map >= 0, rates[np.clip(unit_map, 0, None)] if rates is not None else np.nan, np.nan)
        figure = go.Figure(go.Heatmap(
            z=grid, colorscale="RdBu", zmin=-1, zmax=1, zmid=0, showscale=False,
            customdata=np.stack([unit_map, rate_map], axis=-1),
            hovertemplate="hidden unit %{customdata[0]}<br>fires on %{customdata[1]:.0%} of images<br>"
                          "weight (scaled) %{z:.2f}<extra></extra>"))
        figure.update_layout(height=height or min(900, 60 + rows * 70), margin={"l": 0, "r": 0, "t": 10, "b": 0},
                             plot_bgcolor="white")
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return figure


def _as_image(values: np.ndarray, image_shape: Sequence[int]) -> np.ndarray:
    shape = tuple(int(size) for size in image_shape)
    return np.asarray(values, np.float32).reshape(*shape[:2], shape[2] if len(shape) == 3 else 1)


def reconstruction_figure(image: np.ndarray, hidden: np.ndarray, reconstruction: np.ndarray,
                          image_shape: Sequence[int]) -> go.Figure:
    """The input, which hidden units fire for it (their probabilities, in a square), and its reconstruction."""
    side = int(np.ceil(np.sqrt(len(hidden))))
    square = np.full(side * side, np.nan, np.float32)
    square[:len(hidden)] = hidden
    figure = make_subplots(rows=1, cols=3, subplot_titles=("Input v", f"Hidden probabilities P(h=1|v), {len(hidden)} units",
                                                           "Reconstruction P(v=1|h)"), horizontal_spacing=0.04)
    for column, values in ((1, image), (3, reconstruction)):
        picture = _as_image(values, image_shape)
        if picture.shape[2] == 3:
            figure.add_trace(go.Image(z=(np.clip(picture, 0, 1) * 255).astype(np.uint8), hoverinfo="skip"), row=1, col=column)
        else:
            figure.add_trace(go.Heatmap(z=picture[..., 0], colorscale="gray", zmin=0, zmax=1, showscale=False,
                                        hovertemplate="pixel value %{z:.2f}<extra></extra>"), row=1, col=column)
    units = np.arange(side * side).reshape(side, side)
    figure.add_trace(go.Heatmap(z=square.reshape(side, side), colorscale="Viridis", zmin=0, zmax=1, showscale=False,
                                customdata=units, hovertemplate="hidden unit %{customdata}: %{z:.2f}<extra></extra>"),
                     row=1, col=2)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed")
    for column in (1, 2, 3):
        figure.update_yaxes(scaleanchor=f"x{'' if column == 1 else column}", row=1, col=column)
    figure.update_layout(height=320, margin={"l": 0, "r": 0, "t": 50, "b": 0})
    return figure


def gibbs_figure(frames: np.ndarray, steps: Sequence[int], image_shape: Sequence[int]) -> go.Figure:
    """Gibbs chains left to right: one row per starting image, one column per recorded step (visible probabilities)."""
    frames = np.asarray(frames, np.float32)  # (S, N, V)
    count, chains = frames.shape[:2]
    shape = tuple(int(size) for size in image_shape)
    pictures = np.stack([_as_image(frames[s, n], shape) for n in range(chains) for s in range(count)])
    height, width = pictures.shape[1:3]
    gap = max(1, height // 6)
    grid = mosaic(pictures, count, gap)
    figure = image_figure(grid, height=min(700, 70 + chains * 90), hover="probability %{z:.2f}")
    figure.update_layout(margin={"l": 0, "r": 0, "t": 28, "b": 0}, annotations=[
        dict(x=index * (width + gap) + width / 2, y=-gap, text=f"step {step:,}", showarrow=False, xref="x", yref="y",
             yanchor="bottom", font={"size": 11}) for index, step in enumerate(steps)])
    return figure


def comparison_figure(rows: list[dict[str, Any]]) -> go.Figure:
    """Reconstruction error and seconds per epoch of each implementation, side by side."""
    names = ["<br>(".join(plotly_safe(part) for part in row["implementation"].split(" (", 1)) for row in rows]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Reconstruction error on held-out images (lower is better)",
                                                           "Training seconds per epoch (lower is faster)"))
    colours = METHOD_COLOURS[:len(rows)]
    figure.add_trace(go.Bar(x=names, y=[row["reconstruction error (held-out)"] for row in rows], marker_color=colours,
                            hovertemplate="%{y:.4f}<extra></extra>", showlegend=False), row=1, col=1)
    figure.add_trace(go.Bar(x=names, y=[row["seconds per epoch"] for row in rows], marker_color=colours,
                            hovertemplate="%{y:.3f} s<extra></extra>", showlegend=False), row=1, col=2)
    figure.update_layout(height=330, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


def features_figure(rows: list[dict[str, Any]]) -> go.Figure:
    """Test accuracy of logistic regression on raw pixels and on RBM features, per data set."""
    figure = go.Figure()
    for key, colour in (("raw pixels", METHOD_COLOURS[0]), ("RBM features", METHOD_COLOURS[1])):
        figure.add_trace(go.Bar(x=plotly_safe_all(row["data"] for row in rows), y=[row[key] for row in rows], name=key,
                                marker_color=colour, text=[f"{row[key]:.1%}" for row in rows], textposition="outside",
                                hovertemplate=f"{key}: %{{y:.2%}}<extra></extra>"))
    figure.update_layout(barmode="group", height=320, yaxis={"title": "test accuracy", "range": [0, 1.08]},
                         margin={"l": 10, "r": 10, "t": 20, "b": 10}, legend={"orientation": "h", "y": -0.15})
    return figure


def few_labels_figure(rows: list[dict[str, Any]]) -> go.Figure:
    """Test accuracy against labels per class (mean over draws, bars one standard deviation), one line per method."""
    figure = go.Figure()
    counts = list(dict.fromkeys(str(row["labels per class"]) for row in rows))
    for index, method in enumerate(dict.fromkeys(row["method"] for row in rows)):
        mine = [row for row in rows if row["method"] == method]
        figure.add_trace(go.Scatter(
            x=[str(row["labels per class"]) for row in mine], y=[row["accuracy"] for row in mine], name=plotly_safe(method),
            mode="lines+markers", line={"color": METHOD_COLOURS[index % len(METHOD_COLOURS)]},
            error_y={"type": "data", "array": [row["std"] for row in mine], "visible": True},
            hovertemplate="%{x} labels per class: %{y:.1%}<extra>" + plotly_safe(method) + "</extra>"))
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 20, "b": 10}, legend={"orientation": "h", "y": -0.25},
                         xaxis={"title": "labelled images per class", "type": "category", "categoryorder": "array",
                                "categoryarray": counts},
                         yaxis={"title": "test accuracy", "range": [0, 1.02]})
    return figure


def fine_tune_figure(histories: dict[str, list[dict[str, float]]], epochs: int | None = None) -> go.Figure:
    """Validation loss and accuracy per epoch of several networks (pretrained against from scratch)."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Validation loss (lower is better)",
                                                           "Validation accuracy (higher is better)"))
    for index, (name, history) in enumerate(histories.items()):
        colour = METHOD_COLOURS[(index + 2) % len(METHOD_COLOURS)]
        for column, key in ((1, "val_loss"), (2, "val_accuracy")):
            figure.add_trace(go.Scatter(x=[row["epoch"] for row in history], y=[row.get(key) for row in history],
                                        mode="lines+markers", name=plotly_safe(name), legendgroup=name, showlegend=column == 1,
                                        line={"color": colour}), row=1, col=column)
    upper = max([epochs or 1, *(len(history) for history in histories.values())])
    figure.update_xaxes(title_text="epoch", range=[0.5, upper + 0.5])
    figure.update_yaxes(range=[0, 1.02], row=1, col=2)
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return figure
