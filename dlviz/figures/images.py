"""How a picture became the model's input: each preparation step as one small image in a strip."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from dlviz.data.images import Step
from dlviz.text import plotly_safe

THUMBNAIL = 96  # pixels a side at most: a 512-pixel photo need not travel to the browser in full


def thumbnail(image: np.ndarray, side: int = THUMBNAIL) -> np.ndarray:
    """A step's image (H, W) or (H, W, C) shrunk by box-averaging so its longer side is at most `side`."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if max(image.shape[:2]) <= side:
        return np.clip(image, 0, 1)
    scale = side / max(image.shape[:2])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    layers = image[..., None] if image.ndim == 2 else image
    shrunk = [np.asarray(Image.fromarray(layers[..., c], mode="F").resize(size, Image.Resampling.BOX)) for c in range(layers.shape[-1])]
    result = np.stack(shrunk, axis=-1)
    return np.clip(result[..., 0] if image.ndim == 2 else result, 0, 1)


def steps_figure(steps: list[Step], height: int = 190) -> go.Figure:
    """The steps left to right, each titled, with its caption under it and its true size on hover."""
    figure = make_subplots(rows=1, cols=len(steps), subplot_titles=[plotly_safe(step.title) for step in steps],
                           horizontal_spacing=0.02)
    for column, step in enumerate(steps, start=1):
        shown = thumbnail(step.image)
        size = f"{step.image.shape[1]}×{step.image.shape[0]}"
        if shown.ndim == 3:
            trace = go.Image(z=(shown * 255).astype(np.uint8), hoverinfo="skip")
        else:
            trace = go.Heatmap(z=shown, colorscale="gray", zmin=0, zmax=1, showscale=False,
                               hovertemplate=f"{plotly_safe(step.title)} ({size})<extra></extra>")
        figure.add_trace(trace, row=1, col=column)
        figure.update_xaxes(visible=False, row=1, col=column, constrain="domain")
        figure.update_yaxes(visible=False, autorange="reversed", scaleanchor=f"x{column if column > 1 else ''}",
                            constrain="domain", row=1, col=column)
        figure.add_annotation(text=plotly_safe(step.caption), showarrow=False, font={"size": 10, "color": "#555"},
                              xref=f"x{column if column > 1 else ''} domain", yref="paper", x=0.5, y=-0.02, yanchor="top")
    figure.update_annotations(font_size=11, selector={"yref": "paper", "y": 1.0})
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 28, "b": 30}, plot_bgcolor="white")
    return figure
