"""Plotly charts for data and training: sample mosaics, class counts, curves, confusion matrices."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlviz.text import plotly_safe_all

TRAIN_COLOUR, VALIDATION_COLOUR = "#1f77b4", "#ff7f0e"


def mosaic(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Images (N, H, W, C) tiled into one array with white gaps, C kept."""
    count, height, width, channels = images.shape
    rows = max(1, -(-count // columns))
    canvas = np.ones((rows * (height + gap) - gap, columns * (width + gap) - gap, channels), dtype=np.float32)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        canvas[row * (height + gap) : row * (height + gap) + height, column * (width + gap) : column * (width + gap) + width] = image
    return canvas


def image_figure(image: np.ndarray, height: int = 300, hover: str = "value %{z:.2f}") -> go.Figure:
    """One image (H, W, 1 or 3) in [0, 1]: grayscale as a heatmap, colour as an RGB image."""
    if image.shape[-1] == 3:
        trace = go.Image(z=(np.clip(image, 0, 1) * 255).astype(np.uint8), hoverinfo="skip")
    else:
        trace = go.Heatmap(z=image[..., 0], colorscale="gray", zmin=0, zmax=1, showscale=False,
                           hovertemplate=hover + "<extra></extra>")
    figure = go.Figure(trace)
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return figure


def samples_figure(samples: dict[str, np.ndarray], per_class: int) -> go.Figure:
    """A row of sample images per class, class names down the left."""
    names = list(samples)
    first = next(iter(samples.values()))
    height, width, channels = first.shape[1:]
    rows = []
    for name in names:
        images = samples[name][:per_class]
        padded = np.ones((per_class, height, width, channels), dtype=np.float32)
        padded[: len(images)] = images
        rows.append(padded)
    grid = mosaic(np.concatenate(rows), per_class, gap=max(1, height // 8))
    figure = image_figure(grid, height=min(60 + 46 * len(names), 560))
    row_height = grid.shape[0] / len(names)
    figure.update_yaxes(
        visible=True, showgrid=False, zeroline=False, ticks="",
        tickvals=[row_height * (index + 0.45) for index in range(len(names))], ticktext=plotly_safe_all(names),
    )
    figure.update_layout(margin={"l": 80, "r": 0, "t": 10, "b": 0})
    return figure


def class_counts_figure(counts: dict[str, int]) -> go.Figure:
    """Images per class as bars: a lopsided dataset is visible at a glance."""
    figure = go.Figure(go.Bar(x=plotly_safe_all(counts), y=list(counts.values()), marker_color=TRAIN_COLOUR,
                              hovertemplate="%{x}: %{y} images<extra></extra>"))
    figure.update_layout(height=260, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title="Images per class",
                         xaxis={"type": "category"})
    return figure


CURVE_TITLES = {"accuracy": "Accuracy (higher is better)", "mae": "Mean absolute error (lower is better)",
                "mse": "Mean squared error (lower is better)"}


def training_curves(history: list[dict[str, float]], epochs: int | None = None, metric: str = "accuracy") -> go.Figure:
    """Loss and a second metric (accuracy unless told) per epoch, training and validation side by side."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss (lower is better)", CURVE_TITLES.get(metric, metric)))
    epoch_numbers = [row["epoch"] for row in history]
    for column, name in enumerate(("loss", metric), start=1):
        for prefix, label, colour in (("", "training", TRAIN_COLOUR), ("val_", "validation", VALIDATION_COLOUR)):
            key = prefix + name
            if history and key in history[0]:
                figure.add_trace(
                    go.Scatter(x=epoch_numbers, y=[row.get(key) for row in history], mode="lines+markers",
                               name=label, legendgroup=label, showlegend=column == 1,
                               line={"color": colour}, hovertemplate=f"epoch %{{x}}: {label} {name} %{{y:.4f}}<extra></extra>"),
                    row=1, col=column,
                )
    upper = max(epochs or 1, len(history))
    figure.update_xaxes(title_text="epoch", range=[0.5, upper + 0.5], dtick=max(1, upper // 10))
    if metric == "accuracy":
        figure.update_yaxes(range=[0, 1.02], row=1, col=2)
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return figure


def confusion_figure(confusion: np.ndarray, class_names: list[str]) -> go.Figure:
    """Rows are the true class, columns the predicted one; the diagonal is what went right."""
    figure = go.Figure(
        go.Heatmap(z=confusion, x=plotly_safe_all(class_names), y=plotly_safe_all(class_names), colorscale="Blues", text=confusion,
                   texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>")
    )
    figure.update_layout(height=min(140 + 36 * len(class_names), 560), margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         title="Confusion matrix", xaxis={"title": "predicted", "type": "category"},
                         yaxis={"title": "true", "autorange": "reversed", "type": "category"})
    return figure


def misclassified_figure(images: np.ndarray, captions: list[str], columns: int = 8) -> go.Figure:
    """Misclassified test images, each captioned 'true → predicted'."""
    height, width = images.shape[1:3]
    gap = max(2, height // 3)
    grid = mosaic(images, columns, gap=gap)
    rows = -(-len(images) // columns)
    figure = image_figure(grid, height=min(40 + 130 * rows, 620))
    figure.update_layout(
        annotations=[
            dict(x=(index % columns) * (width + gap) + width / 2, y=(index // columns) * (height + gap) + height + gap * 0.45,
                 text=caption, showarrow=False, font={"size": 10}, xref="x", yref="y")
            for index, caption in enumerate(plotly_safe_all(captions))
        ]
    )
    return figure


RUN_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


def compare_runs_figure(runs: list[tuple[str, list[dict[str, float]]]], metrics: tuple[str, str] = ("loss", "accuracy")) -> go.Figure:
    """Several runs' curves overlaid: one colour per run, solid for training, dashed for validation."""
    titles = tuple(f"{metric.capitalize()} ({'lower' if 'loss' in metric else 'higher'} is better)" for metric in metrics)
    figure = make_subplots(rows=1, cols=len(metrics), subplot_titles=titles)
    for number, (name, history) in enumerate(runs):
        colour = RUN_COLOURS[number % len(RUN_COLOURS)]
        label = plotly_safe_all([name])[0]
        epochs = [row["epoch"] for row in history]
        for column, metric in enumerate(metrics, start=1):
            for prefix, dash, part in (("", "solid", "training"), ("val_", "dash", "validation")):
                values = [row.get(prefix + metric) for row in history]
                if any(value is not None for value in values):
                    figure.add_trace(go.Scatter(
                        x=epochs, y=values, mode="lines", name=label, legendgroup=label,
                        showlegend=column == 1 and part == "training", line={"color": colour, "dash": dash},
                        hovertemplate=f"{label}, epoch %{{x}}: {part} {metric} %{{y:.4f}}<extra></extra>",
                    ), row=1, col=column)
    figure.update_xaxes(title_text="epoch", dtick=None)
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": -0.25, "title": {"text": "solid: training · dashed: validation  "}})
    return figure
