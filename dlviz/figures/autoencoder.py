"""Plotly figures for autoencoders: image rows with errors, the clickable code plane, the manifold, PCA curves.

Rows of small images are one heatmap (or one RGB image) of a tiled array, so a figure of a hundred
images renders as fast as one picture.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dlviz.figures.charts import TRAIN_COLOUR, VALIDATION_COLOUR
from dlviz.text import plotly_safe, plotly_safe_all

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
ART = " ░▒▓█"  # light to dark cells of the hover image
PLANE_GRID = 48  # invisible points per side that make every place in the code plane clickable


def tile_rows(rows: list[np.ndarray], gap: int) -> np.ndarray:
    """Rows of images (each N×H×W×C, same N) as one array with white gaps; values clipped to [0, 1]."""
    count, height, width, channels = rows[0].shape
    canvas = np.ones((len(rows) * (height + gap) - gap, count * (width + gap) - gap, channels), dtype=np.float32)
    for r, images in enumerate(rows):
        for c, image in enumerate(images):
            top, left = r * (height + gap), c * (width + gap)
            canvas[top:top + height, left:left + width] = np.clip(image, 0, 1)
    return canvas


def _picture(canvas: np.ndarray, hover: bool = False) -> go.BaseTraceType:
    if canvas.shape[-1] == 3:
        return go.Image(z=(canvas * 255).astype(np.uint8), hoverinfo="skip")
    return go.Heatmap(z=canvas[..., 0], colorscale="gray", zmin=0, zmax=1, showscale=False,
                      hoverinfo=None if hover else "skip", hovertemplate="%{z:.2f}<extra></extra>" if hover else None)


def image_rows_figure(rows: list[np.ndarray], row_names: list[str], captions: list[str] | None = None,
                      title: str = "", width: int = 800) -> go.Figure:
    """Several rows of images under each other (input above reconstruction, …), names on the left, a caption
    under each column. `width` is about how wide it will be drawn, so its height fits the pictures."""
    size = rows[0].shape[1]
    gap = max(1, size // 4)
    canvas = tile_rows(rows, gap)
    cell = size + gap
    annotations = [dict(x=c * cell + size / 2, y=len(rows) * cell - gap + size * 0.35, text=plotly_safe(text),
                        showarrow=False, font={"size": 10}, xref="x", yref="y", yanchor="top")
                   for c, text in enumerate(captions or [])]
    drawn_height = (canvas.shape[0] + (size * 0.9 if captions else 0)) * (width - 110) / canvas.shape[1]
    figure = go.Figure(_picture(canvas), layout={
        "height": int(min(max(drawn_height, 60), 600)) + (30 if title else 5) + 5,
        "margin": {"l": 110, "r": 0, "t": 30 if title else 5, "b": 5},
        "title": plotly_safe(title) if title else None, "annotations": annotations, "plot_bgcolor": "white",
        "xaxis": {"visible": False, "range": [-0.5, canvas.shape[1] - 0.5]},
        "yaxis": {"autorange": "reversed", "scaleanchor": "x", "showgrid": False, "zeroline": False, "ticks": "",
                  "tickvals": [r * cell + size / 2 for r in range(len(rows))], "ticktext": plotly_safe_all(row_names),
                  "range": [canvas.shape[0] + (size * 0.9 if captions else 0), -0.5]},
    })
    return figure


def image_figure(image: np.ndarray, title: str = "", height: int = 260) -> go.Figure:
    """One image, shown square, values clipped to [0, 1]."""
    canvas = np.clip(np.asarray(image, np.float32), 0, 1)
    return go.Figure(_picture(canvas, hover=True), layout={
        "height": height, "margin": {"l": 0, "r": 0, "t": 30 if title else 0, "b": 0},
        "title": plotly_safe(title) if title else None,
        "xaxis": {"visible": False}, "yaxis": {"visible": False, "autorange": "reversed", "scaleanchor": "x"},
    })


def image_art(image: np.ndarray, max_side: int = 14) -> str:
    """A small text drawing of an image (dark cells for bright pixels) for a hover label, which cannot hold images."""
    gray = np.asarray(image, np.float32).mean(axis=-1)
    step = max(1, int(np.ceil(max(gray.shape) / max_side)))
    height, width = gray.shape[0] // step * step, gray.shape[1] // step * step
    small = gray[:height, :width].reshape(height // step, step, width // step, step).mean(axis=(1, 3))
    levels = np.clip((small * len(ART)).astype(int), 0, len(ART) - 1)
    return "<br>".join("".join(ART[level] * 2 for level in row) for row in levels)


def code_plane_figure(points: np.ndarray, labels: np.ndarray, class_names: list[str], hover_art: list[str],
                      extent: tuple[tuple[float, float], tuple[float, float]], axis_titles: tuple[str, str],
                      picked: tuple[float, float] = (0.0, 0.0), title: str = "") -> go.Figure:
    """Every test image's code as a dot coloured by class, over an invisible grid so that a click anywhere
    selects a place in the plane (Streamlit reports selections of points only). The last trace marks the
    decoded place: move it with `move_marker` instead of building the figure again."""
    (u_low, u_high), (v_low, v_high) = extent
    u, v = np.meshgrid(np.linspace(u_low, u_high, PLANE_GRID, dtype=np.float32),
                       np.linspace(v_low, v_high, PLANE_GRID, dtype=np.float32))
    traces = [go.Scatter(x=u.ravel(), y=v.ravel(), mode="markers", name="anywhere", showlegend=False,
                         marker={"size": 9, "opacity": 0, "color": "#888"}, hoverinfo="none",
                         selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}})]
    names = plotly_safe_all(class_names)
    for label, name in enumerate(names):
        chosen = np.flatnonzero(labels == label)
        if not len(chosen):
            continue
        traces.append(go.Scattergl(
            x=points[chosen, 0], y=points[chosen, 1], mode="markers", name=name,
            marker={"size": 7, "color": PALETTE[label % len(PALETTE)], "line": {"width": 0.5, "color": "white"}},
            customdata=np.stack([chosen, np.full(len(chosen), label)], axis=1),
            text=[hover_art[i] for i in chosen], unselected={"marker": {"opacity": 0.85}},
            hovertemplate=f"class {name} · test image %{{customdata[0]}}<br>(%{{x:.2f}}, %{{y:.2f}})<br>%{{text}}<extra></extra>",
        ))
    traces.append(go.Scatter(x=[picked[0]], y=[picked[1]], mode="markers", name="decoded", hoverinfo="skip",
                             marker={"symbol": "x-thin", "size": 18, "line": {"width": 3, "color": "black"}}))
    figure = go.Figure(traces, layout={
        "height": 520, "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        "title": plotly_safe(title) if title else None, "clickmode": "event+select", "dragmode": "pan",
        "hovermode": "closest", "hoverlabel": {"font": {"family": "monospace", "size": 11}},
        "xaxis": {"title": axis_titles[0], "range": [u_low, u_high], "zeroline": False},
        "yaxis": {"title": axis_titles[1], "range": [v_low, v_high], "zeroline": False},
        "legend": {"title": {"text": "class"}, "itemsizing": "constant"}, "plot_bgcolor": "#f7f7f7",
    })
    return figure


def move_marker(figure: go.Figure, picked: tuple[float, float]) -> go.Figure:
    """The code plane with its 'decoded' marker moved (in place: the rest of the figure is reused)."""
    figure.data[-1].update(x=[float(picked[0])], y=[float(picked[1])])
    return figure


def manifold_figure(images: np.ndarray, u: np.ndarray, v: np.ndarray, axis_titles: tuple[str, str]) -> go.Figure:
    """Decoded images on a regular grid over the plane, placed where their codes are (same axes as the plane)."""
    rows, columns, size = images.shape[0], images.shape[1], images.shape[2]
    gap = max(1, size // 8)
    canvas = tile_rows([images[r] for r in range(rows)], gap)
    cell = size + gap
    ticks = list(range(0, columns, max(1, columns // 6)))
    figure = go.Figure(_picture(canvas), layout={
        "height": 520, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"title": axis_titles[0], "tickvals": [c * cell + size / 2 for c in ticks], "constrain": "domain",
                  "ticktext": [f"{u[c]:.2f}" for c in ticks], "showgrid": False, "zeroline": False},
        "yaxis": {"title": axis_titles[1], "autorange": "reversed", "scaleanchor": "x", "showgrid": False,
                  "constrain": "domain", "zeroline": False, "tickvals": [r * cell + size / 2 for r in ticks],
                  "ticktext": [f"{v[r]:.2f}" for r in ticks]},
    })
    return figure


def errors_by_class_figure(errors: np.ndarray, class_names: list[str], overall: float, pca: float | None = None) -> go.Figure:
    """Mean reconstruction error per class, with the overall mean (and PCA's) as lines."""
    figure = go.Figure(go.Bar(x=plotly_safe_all(class_names), y=errors, marker_color=TRAIN_COLOUR,
                              hovertemplate="class %{x}: MSE %{y:.4f}<extra></extra>", name="autoencoder"))
    figure.add_hline(y=overall, line_dash="dot", annotation_text=f"all classes {overall:.4f}")
    if pca is not None:
        figure.add_hline(y=pca, line_dash="dash", line_color=VALIDATION_COLOUR, annotation_text=f"PCA {pca:.4f}",
                         annotation_position="bottom right")
    figure.update_layout(height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10}, title="Test error per class (MSE)",
                         xaxis={"type": "category"}, showlegend=False)
    return figure


def pca_curve_figure(pca: dict[int, float], autoencoder: dict[int, float], current: int | None = None) -> go.Figure:
    """Test MSE against code size for PCA and the autoencoder: where the curves part, a non-linear code pays."""
    figure = go.Figure()
    sizes = sorted(pca)
    figure.add_trace(go.Scatter(x=sizes, y=[pca[s] for s in sizes], mode="lines+markers", name="PCA (linear code)",
                                line={"color": VALIDATION_COLOUR}, hovertemplate="PCA, code %{x}: MSE %{y:.4f}<extra></extra>"))
    if autoencoder:
        trained = sorted(autoencoder)
        figure.add_trace(go.Scatter(x=trained, y=[autoencoder[s] for s in trained], mode="lines+markers",
                                    name="autoencoder", line={"color": TRAIN_COLOUR},
                                    hovertemplate="autoencoder, code %{x}: MSE %{y:.4f}<extra></extra>"))
    if current is not None and current in autoencoder:
        figure.add_trace(go.Scatter(x=[current], y=[autoencoder[current]], mode="markers", name="this model",
                                    marker={"size": 14, "symbol": "circle-open", "color": "black", "line": {"width": 2}},
                                    hoverinfo="skip"))
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10}, title="Test MSE against code size",
                         xaxis={"title": "code size (numbers per image)", "type": "log", "tickvals": sizes},
                         yaxis={"title": "test MSE (lower is better)", "rangemode": "tozero"},
                         legend={"orientation": "h", "y": -0.25})
    return figure
