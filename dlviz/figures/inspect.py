"""Plotly figures for the CNN inspector: overview, feature maps, filters, pooling, one pixel, vectors.

Grids of many small maps are drawn as one heatmap of a tiled array (NaN between tiles), not as
hundreds of subplots: one trace renders in milliseconds however many channels a layer has.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from dlviz.cnn.inspect import PixelArithmetic, PoolWindows
from dlviz.text import plotly_safe, plotly_safe_all

MAX_MAPS = 64
DIVERGING = "RdBu_r"
EXPORT = {"toImageButtonOptions": {"format": "png", "scale": 2}, "displaylogo": False}


def tile(maps: np.ndarray, columns: int, gap: int = 1) -> tuple[np.ndarray, int, int]:
    """(N, H, W) maps laid out in a grid with NaN gaps; returns the grid and its rows/columns."""
    count, height, width = maps.shape
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    grid = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan, dtype=np.float32)
    for index, single in enumerate(maps):
        r, c = divmod(index, columns)
        grid[r * (height + gap) : r * (height + gap) + height, c * (width + gap) : c * (width + gap) + width] = single
    return grid, rows, columns


def normalise_each(maps: np.ndarray) -> np.ndarray:
    """Scale every map to [0, 1] on its own, so weak channels still show their pattern."""
    low = maps.min(axis=(1, 2), keepdims=True)
    high = maps.max(axis=(1, 2), keepdims=True)
    return (maps - low) / np.where(high - low > 0, high - low, 1.0)


def _image_figure(traces: list, height: int, title: str = "", **layout) -> go.Figure:
    """Traces on a hidden, square-pixel image axis. The layout goes into the constructor in one piece:
    Plotly validates that several times faster than later update_layout calls."""
    return go.Figure(data=traces, layout={
        "height": height, "margin": {"l": 0, "r": 0, "t": 30, "b": 0}, "plot_bgcolor": "white", "showlegend": False,
        "title": plotly_safe(title) if title else None, "xaxis": {"visible": False},
        "yaxis": {"visible": False, "autorange": "reversed", "scaleanchor": "x"}, **layout,
    })


def feature_maps_figure(maps: np.ndarray, scale: str = "map", value_range: tuple[float, float] | None = None,
                        title: str = "", columns: int = 8, diverging: bool = False) -> go.Figure:
    """A layer's channels as a grid. scale: 'map' (each its own colours), 'layer' or 'global' (given range).

    `diverging` centres a red-blue scale on zero: negatives blue, zero white, so ReLU's clipping shows."""
    channels = np.moveaxis(maps, -1, 0)[:MAX_MAPS]
    if scale == "map":
        shown, low, high = normalise_each(channels), 0.0, 1.0
    else:
        shown = channels
        low, high = value_range if scale == "global" and value_range else (float(channels.min()), float(channels.max()))
    gap = max(2, maps.shape[0] // 5)
    grid, rows, cols = tile(shown, columns, gap=gap)
    height, width = maps.shape[:2]
    if diverging and scale != "map":
        # Plotly ignores zmid once zmin/zmax are set, so centre white on zero with a symmetric range.
        limit = max(abs(low), abs(high)) or 1.0
        low, high, colours = -limit, limit, {"colorscale": DIVERGING}
    else:
        colours = {"colorscale": "Viridis"}
    traces = [go.Heatmap(
        z=grid, zmin=low, zmax=high if high > low else low + 1e-6, **colours,
        showscale=scale != "map", hovertemplate="value %{z:.3f}<extra></extra>",
    )]
    if len(channels) > 1:
        # Channel numbers as one text trace: per-label annotations make Plotly validation slow.
        index = np.arange(len(channels))
        traces.append(go.Scatter(
            x=(index % cols) * (width + gap) + width / 2, y=(index // cols) * (height + gap) - 0.6,
            text=[f"#{i}" for i in index], mode="text", textposition="top center",
            textfont={"size": 9, "color": "#555"}, hoverinfo="skip",
        ))
    return _image_figure(traces, min(900, 60 + rows * max(70, 520 // max(cols, 1))), title)


def filters_figure(kernel: np.ndarray, title: str = "", max_out: int = 32, max_in: int = 16) -> go.Figure:
    """Kernels as a grid, one row per output channel and one column per input channel, zero in white."""
    kh, kw, channels_in, channels_out = kernel.shape
    shown = kernel[:, :, :max_in, :max_out]
    rows, cols = shown.shape[3], shown.shape[2]
    maps = np.transpose(shown, (3, 2, 0, 1)).reshape(rows * cols, kh, kw)
    if cols == 1:  # one input channel: lay the filters out in rows of 8 instead of one tall column
        cols = min(8, rows)
        rows = math.ceil(rows / cols)
    grid, _, _ = tile(maps, cols, gap=1)
    limit = float(np.abs(shown).max()) or 1.0
    heatmap = go.Heatmap(z=grid, zmin=-limit, zmax=limit, colorscale=DIVERGING, hovertemplate="weight %{z:.4f}<extra></extra>")
    if channels_in > 1:
        title = (title + " · one row per filter, one column per input channel").strip(" ·")
    if channels_out > max_out or channels_in > max_in:
        title += (f" (showing the first {min(channels_out, max_out)} of {channels_out} filters × "
                  f"{min(channels_in, max_in)} of {channels_in} input channels)")
    return _image_figure([heatmap], min(1000, 80 + rows * max(18, min(90, 700 // max(cols, 1)))), title)


def rgb_filters_figure(kernel: np.ndarray, title: str = "") -> go.Figure:
    """First-layer filters of a colour model as small colour images (each scaled to its own range)."""
    filters = np.moveaxis(kernel, -1, 0)  # (out, kh, kw, 3)
    low = filters.min(axis=(1, 2, 3), keepdims=True)
    high = filters.max(axis=(1, 2, 3), keepdims=True)
    scaled = (filters - low) / np.where(high - low > 0, high - low, 1.0)
    count, kh, kw, _ = scaled.shape
    cols = min(16, count)
    rows = math.ceil(count / cols)
    canvas = np.ones((rows * (kh + 1) - 1, cols * (kw + 1) - 1, 3))
    for index, image in enumerate(scaled):
        r, c = divmod(index, cols)
        canvas[r * (kh + 1) : r * (kh + 1) + kh, c * (kw + 1) : c * (kw + 1) + kw] = image
    return _image_figure([go.Image(z=(canvas * 255).astype(np.uint8), hoverinfo="skip")], 80 + rows * 60, title)


def overview_figure(layers: list[tuple[str, np.ndarray]], probabilities: np.ndarray, class_names: list[str],
                    per_layer: int = 8, classifier: bool = True) -> go.Figure:
    """Every layer left to right: a column of channel thumbnails (or a strip for vectors), then the prediction
    (or, for a model that is not a classifier, such as an autoencoder's encoder, its output values).

    One shared axis with each column placed by x0/dx (no subplots): it builds in a few milliseconds."""
    column_width, gap, height = 1.0, 0.25, 8.0
    figure = go.Figure()
    titles_x, titles = [], []
    for index, (name, value) in enumerate(layers):
        left = index * (column_width + gap)
        if value.ndim == 3:
            channels = normalise_each(np.moveaxis(value, -1, 0)[:per_layer])
            grid, _, _ = tile(channels, 1, gap=max(1, value.shape[0] // 6))
            grid = grid[:, :, None][..., 0]
        else:
            grid = value.ravel()[:64, None]
            low, high = float(grid.min()), float(grid.max())
            grid = (grid - low) / (high - low) if high > low else grid * 0
        rows, cols = grid.shape
        scale = min(column_width / cols, height / rows)
        figure.add_trace(go.Heatmap(z=grid, x0=left + (column_width - cols * scale) / 2 + scale / 2, dx=scale,
                                    y0=scale / 2, dy=scale, colorscale="Viridis", zmin=0, zmax=1, showscale=False,
                                    hovertemplate=f"{plotly_safe(name)}<br>%{{z:.2f}}<extra></extra>"))
        titles_x.append(left + column_width / 2)
        titles.append(name)
    left = len(layers) * (column_width + gap)
    slot = height / max(1, len(class_names))
    best = int(np.argmax(probabilities))
    scale = 1.0 if classifier else 1.0 / max(float(np.max(np.abs(probabilities))), 1e-12)
    figure.add_trace(go.Bar(
        x=probabilities * scale * column_width * 2, base=left, y=(np.arange(len(class_names)) + 0.5) * slot, orientation="h",
        width=slot * 0.8, marker={"color": np.where(np.arange(len(class_names)) == best, 1.0, 0.0),
                                  "colorscale": [[0, "#9aa0a6"], [1, "#d62728"]], "cmin": 0, "cmax": 1},
        customdata=probabilities, text=plotly_safe_all(class_names), textposition="outside",
        hovertemplate="class %{text}: %{customdata:.1%}<extra></extra>" if classifier
        else "unit %{text}: %{customdata:.3g}<extra></extra>"))
    titles_x.append(left + column_width)
    titles.append("prediction" if classifier else "output")
    figure.add_trace(go.Scatter(x=titles_x, y=[-0.3] * len(titles), text=plotly_safe_all(titles), mode="text", hoverinfo="skip",
                                textfont={"size": 10}))
    figure.update_layout(height=520, margin={"l": 0, "r": 0, "t": 10, "b": 0}, showlegend=False, plot_bgcolor="white",
                         xaxis={"visible": False, "range": [-0.1, left + column_width * 2.4]},
                         yaxis={"visible": False, "range": [height + 0.2, -0.8]})
    return figure


def pooling_figure(feature_map: np.ndarray, windows: PoolWindows, pooled: np.ndarray) -> go.Figure:
    """The input map with every pooling window outlined and its winner marked; the pooled map to its right,
    each output cell drawn as large as the stride so it sits level with its windows."""
    low, high = float(min(feature_map.min(), pooled.min())), float(max(feature_map.max(), pooled.max()))
    (ph, pw), (sh, sw) = windows.pool_size, windows.strides
    out_h, out_w = windows.values.shape
    offset = feature_map.shape[1] + 2
    traces = [
        go.Heatmap(z=feature_map, colorscale="Viridis", zmin=low, zmax=high, showscale=False,
                   hovertemplate="input row %{y}, col %{x}: %{z:.3f}<extra></extra>"),
        go.Heatmap(z=pooled, x0=offset + (sw - 1) / 2, dx=sw, y0=(sh - 1) / 2, dy=sh, colorscale="Viridis",
                   zmin=low, zmax=high, texttemplate="%{z:.3g}" if pooled.size <= 100 else None,
                   hovertemplate="pooled value %{z:.3f}<extra></extra>"),
    ]
    # Every window's outline in one trace of NaN-separated arrays (layout shapes and lists validate slowly).
    rows, cols = np.meshgrid(np.arange(out_h), np.arange(out_w), indexing="ij")
    x0, y0 = (cols.ravel() * sw - 0.5)[:, None], (rows.ravel() * sh - 0.5)[:, None]
    outline_x = np.hstack([x0, x0 + pw, x0 + pw, x0, x0, np.full_like(x0, np.nan)]).ravel()
    outline_y = np.hstack([y0, y0, y0 + ph, y0 + ph, y0, np.full_like(y0, np.nan)]).ravel()
    winners = windows.winners.reshape(-1, 2)
    traces += [
        go.Scatter(x=outline_x, y=outline_y, mode="lines", line={"color": "white", "width": 1}, hoverinfo="skip"),
        go.Scatter(x=winners[:, 1], y=winners[:, 0], mode="markers", name="window maximum",
                   marker={"symbol": "square-open", "size": 9, "color": "#ff2d55", "line": {"width": 2}},
                   hovertemplate="maximum at row %{y}, col %{x}<extra></extra>"),
        go.Scatter(x=[feature_map.shape[1] / 2, offset + out_w * sw / 2], y=[-1.2, -1.2], mode="text",
                   text=["input map: windows and their maxima", "max-pooled output"], hoverinfo="skip"),
    ]
    return _image_figure(traces, 460)


def pixel_figure(pixel: PixelArithmetic, input_channel: int) -> go.Figure:
    """The input patch, the kernel and their element-wise products for one input channel, side by side."""
    parts = (pixel.patch[..., input_channel], pixel.kernel[..., input_channel], pixel.products[..., input_channel])
    size = parts[0].shape[1] + 1
    traces = []
    for index, (values, scale) in enumerate(zip(parts, ("Viridis", DIVERGING, DIVERGING))):
        limit = float(np.abs(values).max()) or 1.0
        colour = {"zmin": -limit, "zmax": limit} if scale == DIVERGING else {}
        traces.append(go.Heatmap(z=values, x0=index * size, colorscale=scale, texttemplate="%{z:.3g}", showscale=False,
                                 hovertemplate="%{z:.4f}<extra></extra>", **colour))
    traces.append(go.Scatter(x=[index * size + (size - 2) / 2 for index in range(3)], y=[-0.9] * 3, mode="text",
                             text=["input patch", "kernel", "patch × kernel"], hoverinfo="skip"))
    return _image_figure(traces, 300)


def vector_figure(values: np.ndarray, title: str, labels: list[str] | None = None, highlight: int | None = None) -> go.Figure:
    """A dense layer's activations (or class probabilities) as bars."""
    values = values.ravel()
    x = plotly_safe_all(labels) if labels is not None else np.arange(len(values))
    colours = np.where(np.arange(len(values)) == highlight, 1.0, 0.0) if highlight is not None else np.zeros(len(values))
    bar = go.Bar(x=x, y=values, marker={"color": colours, "colorscale": [[0, "#1f77b4"], [1, "#d62728"]], "cmin": 0, "cmax": 1},
                 hovertemplate="%{x}: %{y:.4f}<extra></extra>")
    return go.Figure(data=[bar], layout={"title": plotly_safe(title), "height": 300, "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                                         "xaxis": {"type": "category"} if labels is not None else {}})
