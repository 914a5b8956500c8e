"""Plotly figures for recurrent networks: the unrolled chain, states over time, forecasts, gradients, memory."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dlviz.text import plotly_safe, plotly_safe_all

CELL_COLOURS = {"simple": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c"}
CELL_NAMES = {"simple": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
SERIES_COLOURS = {"truth": "#333333", "network": "#1f77b4", "naive": "#ff7f0e", "linear": "#2ca02c", "multi": "#9467bd"}
DIVERGING = "RdBu_r"


def shown_character(character: str) -> str:
    """A character as a label: spaces and line ends made visible."""
    return {" ": "·", "\n": "¶"}.get(character, character)


def unrolled_figure(cell: str, steps: int, inputs: list[str], units: int, features: int,
                    values: np.ndarray | None = None) -> go.Figure:
    """The recurrence drawn as a chain: one box per time step, x_t coming in from below, h_t (and an LSTM's
    c_t) passed to the right, each arrow labelled with the tensor it carries and its shape."""
    figure = go.Figure()
    spacing, width, height = 3.0, 1.6, 1.2
    carries = ["h"] + (["c"] if cell == "lstm" else [])
    for t in range(steps):
        left = t * spacing
        figure.add_shape(type="rect", x0=left, x1=left + width, y0=0, y1=height, line={"color": CELL_COLOURS[cell]},
                         fillcolor="rgba(31,119,180,0.08)")
        figure.add_annotation(x=left + width / 2, y=height / 2, text=f"<b>{CELL_NAMES[cell]}</b><br>step {t + 1}",
                              showarrow=False, font={"size": 12})
        label = plotly_safe(inputs[t]) if t < len(inputs) else ""
        figure.add_annotation(x=left + width / 2, y=0, ax=left + width / 2, ay=-1.4, xref="x", yref="y", axref="x",
                              ayref="y", showarrow=True, arrowhead=2, arrowwidth=1.5, text="")
        figure.add_annotation(x=left + width / 2, y=-1.65, text=f"x<sub>{t + 1}</sub> ({features})<br>{label}",
                              showarrow=False, font={"size": 11})
        figure.add_annotation(x=left + width / 2, y=height + 1.4, ax=left + width / 2, ay=height, xref="x", yref="y",
                              axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=1.5, text="")
        preview = ""
        if values is not None and t < len(values):
            preview = "<br>[" + ", ".join(f"{v:.2f}" for v in values[t][:3]) + (", …]" if values.shape[1] > 3 else "]")
        figure.add_annotation(x=left + width / 2, y=height + 1.75, text=f"h<sub>{t + 1}</sub> ({units}){preview}",
                              showarrow=False, font={"size": 11})
        for row, name in enumerate(carries):
            y = height * (0.7 - 0.4 * row)
            start = left - (spacing - width)
            figure.add_annotation(x=left, y=y, ax=start, ay=y, xref="x", yref="y", axref="x", ayref="y",
                                  showarrow=True, arrowhead=2, arrowwidth=1.5, text="",
                                  arrowcolor="#444" if name == "h" else "#9467bd")
            figure.add_annotation(x=start + (spacing - width) / 2, y=y + 0.13,
                                  text=f"{name}<sub>{t}</sub>", showarrow=False, font={"size": 10})
    figure.update_xaxes(visible=False, range=[-(spacing - width) - 0.2, steps * spacing - (spacing - width) + 0.6])
    figure.update_yaxes(visible=False, range=[-2.2, height + 2.3])
    figure.update_layout(height=300, margin={"l": 0, "r": 0, "t": 10, "b": 0}, plot_bgcolor="white")
    return figure


def _input_trace(inputs: np.ndarray, labels: list[str] | None) -> dict:
    """What was read at each step, to draw under a heatmap: a line for a series, an image for rows, text for characters."""
    steps = np.arange(1, len(inputs) + 1)
    if labels is not None:
        return {"type": "scatter", "x": steps, "y": np.zeros(len(labels)), "mode": "text",
                "text": plotly_safe_all(shown_character(c) for c in labels), "textfont": {"size": 12},
                "hoverinfo": "skip", "showlegend": False}
    if inputs.ndim == 1 or inputs.shape[-1] == 1:
        return {"type": "scatter", "x": steps, "y": np.ravel(inputs), "mode": "lines+markers", "line": {"color": "#333"},
                "showlegend": False, "hovertemplate": "step %{x}: %{y:.3f}<extra>input</extra>"}
    return {"type": "heatmap", "x": steps, "z": np.asarray(inputs).T, "colorscale": "gray_r", "showscale": False,
            "hovertemplate": "step %{x}, value %{y}: %{z:.2f}<extra>input</extra>"}


def state_heatmap(panels: dict[str, np.ndarray], inputs: np.ndarray, labels: list[str] | None = None,
                  title: str = "") -> go.Figure:
    """Units × time steps for each panel (hidden state, gates, cell state), the input underneath on the same steps.

    Built as plain dictionaries with the axes laid out by hand: make_subplots costs more than the maths here."""
    names = list(panels)
    inputs = np.asarray(inputs)
    small_input = labels is not None or inputs.ndim == 1 or inputs.shape[-1] == 1
    heights = [1.0] * len(names) + [0.35 if small_input else 0.8]
    gap = 0.04
    usable = 1 - gap * len(names)
    domains, top = [], 1.0
    for height in heights:
        size = usable * height / sum(heights)
        domains.append((max(0.0, top - size), top))
        top -= size + gap
    data, layout = [], {"height": 170 + 210 * len(names), "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                        "annotations": [], "title": {"text": plotly_safe(title)} if title else None}
    for row, name in enumerate([*names, "input"]):
        suffix = "" if row == 0 else str(row + 1)
        bottom, top = domains[row]
        layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "domain": [0, 1], "matches": "x" if row else None,
                                    "showticklabels": row == len(names), "title": {"text": "time step"} if row == len(names) else None}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [bottom, top],
                                    "title": {"text": "unit"} if row < len(names) else None,
                                    "visible": row < len(names) or labels is None}
        layout["annotations"].append({"text": plotly_safe(name), "x": 0.5, "y": top, "xref": "paper", "yref": "paper",
                                      "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 14}})
        if row == len(names):
            trace = _input_trace(inputs, labels)
        else:
            values = np.asarray(panels[name])
            gate = name.split()[0] in ("input", "forget", "output", "update", "reset")
            limit = float(np.abs(values).max()) or 1.0
            trace = {"type": "heatmap", "z": values.T, "x": np.arange(1, len(values) + 1),
                     "colorscale": "Viridis" if gate else DIVERGING, "zmin": 0 if gate else -limit,
                     "zmax": 1 if gate else limit,
                     "colorbar": {"len": top - bottom, "y": (top + bottom) / 2, "thickness": 10},
                     "hovertemplate": "step %{x}, unit %{y}: %{z:.3f}<extra>" + plotly_safe(name) + "</extra>"}
        data.append({**trace, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
    return go.Figure({"data": data, "layout": layout}, skip_invalid=False)


def unit_lines(states: np.ndarray, units: list[int], labels: list[str] | None = None) -> go.Figure:
    """Chosen units' activations over time as lines."""
    steps = np.arange(1, len(states) + 1)
    figure = go.Figure([go.Scatter(x=steps, y=states[:, unit], mode="lines+markers", name=f"unit {unit}")
                        for unit in units])
    if labels is not None:
        figure.update_xaxes(tickvals=steps, ticktext=plotly_safe_all(shown_character(c) for c in labels))
    figure.update_layout(height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title="time step",
                         yaxis_title="activation", title="Selected units over time")
    return figure


def character_colours(text: str, activations: np.ndarray, unit: int, per_line: int = 80) -> go.Figure:
    """Each character on a coloured cell, red where the unit is high and blue where it is low."""
    count = len(text)
    lines = max(1, -(-count // per_line))
    grid = np.full((lines, per_line), np.nan)
    labels = np.full((lines, per_line), "", dtype=object)
    for index, character in enumerate(text):
        row, column = divmod(index, per_line)
        grid[row, column] = activations[index]
        labels[row, column] = plotly_safe(shown_character(character))
    limit = max(1e-6, float(np.nanmax(np.abs(grid))))
    figure = go.Figure(go.Heatmap(z=grid, text=labels, texttemplate="%{text}", textfont={"size": 11, "family": "monospace"},
                                  colorscale=DIVERGING, zmin=-limit, zmax=limit, xgap=1, ygap=1,
                                  hovertemplate="'%{text}': %{z:.3f}<extra>unit " + str(unit) + "</extra>"))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed")
    figure.update_layout(height=60 + 22 * lines, margin={"l": 0, "r": 0, "t": 30, "b": 0},
                         title=f"The text coloured by unit {unit} (red high, blue low)")
    return figure


def forecast_figure(times: np.ndarray, series: np.ndarray, test_times: np.ndarray, comparison, multi_step: np.ndarray,
                    unit: str, boundaries: tuple[int, int]) -> go.Figure:
    """The whole series, where each part begins, and the test part's forecasts against the truth."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=times, y=series, name="the series", line={"color": "#bbbbbb"}))
    figure.add_trace(go.Scatter(x=test_times, y=comparison.truth, name="truth (test)", line={"color": SERIES_COLOURS["truth"]}))
    for key, label, values in (("network", "network, one step ahead", comparison.network),
                               ("naive", "naive: same as last step", comparison.naive),
                               ("linear", "linear autoregression", comparison.linear)):
        figure.add_trace(go.Scatter(x=test_times, y=values, name=label, line={"color": SERIES_COLOURS[key],
                                    "dash": "solid" if key == "network" else "dot"}))
    figure.add_trace(go.Scatter(x=test_times[: len(multi_step)], y=multi_step, name="network, feeding its own predictions back",
                                line={"color": SERIES_COLOURS["multi"], "dash": "dash"}))
    for boundary, label in zip(boundaries, ("validation →", "test →")):
        figure.add_vline(x=float(times[boundary]), line={"dash": "dot", "color": "#888"})
        figure.add_annotation(x=float(times[boundary]), y=1.02, yref="paper", text=label, showarrow=False, xanchor="left")
    start = times[max(0, boundaries[1] - len(test_times))]  # as much of the past as the test part is long
    figure.update_xaxes(range=[float(start), float(times[-1])])
    figure.update_layout(height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10}, yaxis_title=plotly_safe(unit),
                         legend={"orientation": "h", "y": -0.15},
                         title="The test part, forecast one step ahead (zoom out to see the whole series)")
    return figure


def step_probabilities(probabilities: np.ndarray, class_names: list[str], truth: int | None = None) -> go.Figure:
    """Class probabilities after each time step: the network making up its mind as it reads."""
    figure = go.Figure(go.Heatmap(z=probabilities.T, x=np.arange(1, len(probabilities) + 1), y=plotly_safe_all(class_names),
                                  colorscale="Blues", zmin=0, zmax=1,
                                  hovertemplate="after step %{x}: P(%{y}) = %{z:.2f}<extra></extra>"))
    title = "Class probabilities after each step" + (f" (true class {plotly_safe(class_names[truth])})" if truth is not None else "")
    figure.update_layout(height=max(220, 40 + 24 * len(class_names)), margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         title=title, xaxis_title="rows read", yaxis={"type": "category"})
    return figure


def next_character_figure(text: str, probabilities: np.ndarray, vocabulary: list[str], top: int = 5) -> go.Figure:
    """At each position, the model's most likely next characters (darker = more likely), and under them the
    probability it gave the character that really came next."""
    order = np.argsort(-probabilities, axis=1)[:, :top]
    steps = np.arange(1, len(text) + 1)
    ranked = np.take_along_axis(probabilities, order, axis=1).T
    letters = [[plotly_safe(shown_character(vocabulary[i])) for i in order[:, rank]] for rank in range(top)]
    actual = [vocabulary.index(c) if c in vocabulary else None for c in text[1:]]
    truth = [probabilities[t, i] if i is not None else np.nan for t, i in enumerate(actual)] + [np.nan]
    truth_text = [plotly_safe(shown_character(c)) for c in text[1:]] + [""]
    rows = [f"choice {rank + 1}" for rank in range(top)]
    figure = go.Figure(go.Heatmap(
        z=np.vstack([ranked, [truth]]), x=steps, y=[*rows, "what came next"], text=[*letters, truth_text],
        texttemplate="%{text}", textfont={"size": 12, "family": "monospace"}, colorscale="Blues", zmin=0, zmax=1,
        hovertemplate="after position %{x}: '%{text}' with probability %{z:.2f}<extra>%{y}</extra>"))
    figure.update_xaxes(tickvals=steps, ticktext=plotly_safe_all(shown_character(c) for c in text), title="read so far")
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=300, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         title="The most likely next characters at each position (darker: more likely)")
    return figure


def gradient_norms(norms: dict[str, np.ndarray], title: str = "") -> go.Figure:
    """‖∂loss/∂x_t‖ per input step for each cell, on a log scale: a vanishing gradient is a line falling to the left."""
    figure = go.Figure()
    for cell, values in norms.items():
        values = np.asarray(values, dtype=np.float64)
        figure.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=np.maximum(values, 1e-30), mode="lines+markers",
                                    name=CELL_NAMES.get(cell, plotly_safe(cell)), line={"color": CELL_COLOURS.get(cell)},
                                    hovertemplate="step %{x}: %{y:.2e}<extra>%{fullData.name}</extra>"))
    figure.update_yaxes(type="log", title="‖∂loss/∂x_t‖ (log scale)", exponentformat="power")
    figure.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10}, xaxis_title="input step t",
                         title=plotly_safe(title) or "How much the loss depends on each input step")
    return figure


def memory_figure(accuracy: dict[str, dict[int, float]], chance: float) -> go.Figure:
    """Test accuracy against how many steps back the network must remember, one line per cell."""
    figure = go.Figure()
    for cell, by_delay in accuracy.items():
        delays = sorted(by_delay)
        figure.add_trace(go.Scatter(x=delays, y=[by_delay[d] for d in delays], mode="lines+markers",
                                    name=CELL_NAMES.get(cell, cell), line={"color": CELL_COLOURS.get(cell)}))
    figure.add_hline(y=chance, line={"dash": "dot", "color": "#888"}, annotation_text="guessing")
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10}, xaxis_title="steps back (k)",
                         yaxis={"range": [0, 1.05], "title": "test accuracy"}, title="How far back can each cell remember?")
    return figure
