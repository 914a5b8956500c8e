"""Plotly figures of data-flow graphs: nodes coloured by kind, edges with the shapes they carry."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from dlviz.text import plotly_safe

KIND_STYLE = {
    "placeholder": {"color": "#1f77b4", "symbol": "square", "label": "placeholder (fed at run time)"},
    "variable": {"color": "#2ca02c", "symbol": "diamond", "label": "variable (state kept between runs)"},
    "constant": {"color": "#7f7f7f", "symbol": "triangle-up", "label": "constant"},
    "op": {"color": "#ff7f0e", "symbol": "circle", "label": "operation"},
    "gradient": {"color": "#9467bd", "symbol": "star", "label": "gradient (auto-differentiation)"},
    # Keras layer graphs
    "input": {"color": "#1f77b4", "symbol": "square", "label": "input (the data fed in)"},
    "weights": {"color": "#2ca02c", "symbol": "diamond", "label": "layer with weights (learned in training)"},
    "layer": {"color": "#ff7f0e", "symbol": "circle", "label": "layer without weights (computes only)"},
    # folded groups of either
    "group": {"color": "#17becf", "symbol": "square", "label": "group: a scope or shared name (click to open)"},
    "gradient group": {"color": "#c5b0d5", "symbol": "square", "label": "group of gradient ops (click to open)"},
}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939"]
MAX_LABELS = 400
WEBGL_FROM = 1000  # nodes; beyond this SVG markers make the browser crawl
ERROR_COLOR = "#d62728"
HIGHLIGHT_COLOR = "#ffd400"
MAX_ARROWS = 120  # arrowheads are SVG annotations; past this they cost the browser more than they tell (edges run left to right anyway)
MAX_EDGE_LABELS = 40  # beyond this, labels cover the graph; shapes stay in the hover
LABELLED_STEPS = 6  # columns (left to right) between which an edge's shape label still fits


def graph_figure(
    graph: nx.DiGraph,
    positions: dict[Any, tuple[float, float]],
    *,
    selected: str | None = None,
    error_node: str | None = None,
    highlighted: set[str] | None = None,
    group_by: str = "kind",
    title: str = "",
    height: int | None = None,
    routes: dict[tuple[Any, Any], list[tuple[float, float]]] | None = None,
    direction: str = "right",
    label_steps: int | None = None,
) -> go.Figure:
    """A data-flow graph: one trace per node kind, op type or scope (so the legend explains the colours).

    `highlighted` nodes (search hits, traced inputs/outputs) keep their colour and others fade. `routes` gives the
    bends of edges that skip columns (drawn as curves in their own lane); with `direction` 'down' the graph reads
    top to bottom and labels sit beside the nodes. A folded group shows its size and parameters under its name.
    Edges carry their tensor's shape as a label unless there are more than `label_steps` columns (labels would
    cover the nodes; shapes stay in the hover and in node labels)."""
    figure = go.Figure()
    annotations = _add_edges(figure, graph, positions, routes or {}, label_steps)
    many = graph.number_of_nodes() >= WEBGL_FROM
    show_text = graph.number_of_nodes() <= MAX_LABELS
    room = 40 if direction == "down" else 22
    unit = graph.graph.get("unit", "ops")
    for name, nodes, style in _groups(graph, group_by):
        marker_line = [4 if node in (selected, error_node) else 1 for node in nodes]
        trace_type = go.Scattergl if many else go.Scatter
        if direction == "down":
            positions_text = ["middle right"] * len(nodes)
        else:  # alternate labels above and below by column, so neighbours' labels do not overlap
            positions_text = ["top center" if round(positions[node][0]) % 2 == 0 else "bottom center" for node in nodes]
        figure.add_trace(
            trace_type(
                x=[positions[node][0] for node in nodes],
                y=[positions[node][1] for node in nodes],
                mode="markers+text" if show_text else "markers",
                name=name,
                text=[_node_text(graph.nodes[node], node, room, unit) for node in nodes] if show_text else None,
                textposition=positions_text,
                textfont={"size": 11},
                customdata=[[node] for node in nodes],
                hovertext=[_hover(node, graph.nodes[node]) for node in nodes],
                hoverinfo="text",
                # Clicking selects a point; keep the others fully visible instead of Plotly's fading.
                selected={"marker": {"opacity": 1}},
                unselected={"marker": {"opacity": 1}},
                marker={
                    "symbol": style["symbol"],
                    "size": [24 if node in (selected, error_node) else (10 if many else _size(graph.nodes[node])) for node in nodes],
                    "color": [ERROR_COLOR if node == error_node else style["color"] for node in nodes],
                    "opacity": [1.0 if not highlighted or node in highlighted else 0.15 for node in nodes],
                    "line": {
                        "width": [3 if highlighted and node in highlighted else width for node, width in zip(nodes, marker_line)],
                        "color": [
                            ERROR_COLOR if node == error_node else HIGHLIGHT_COLOR
                            if node == selected or (highlighted and node in highlighted) else "#333"
                            for node in nodes
                        ],
                    },
                },
            )
        )
    xs = [x for x, _ in positions.values()] or [0]
    ys = [y for _, y in positions.values()] or [0]
    if height is None:
        # Enough room per row (or, top to bottom, per step) that labels do not collide.
        per_row = 60 if direction == "down" else 64
        height = int(min(2600 if direction == "down" else 1400, max(340, 220 + per_row * (max(ys) - min(ys)))))
    x_range = [min(xs) - 0.6, max(xs) + (3.5 if direction == "down" else 0.6)]
    figure.update_layout(
        title=title or None,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 60},
        showlegend=True,
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0, "font": {"size": 11}},
        xaxis={"visible": False, "range": x_range},
        yaxis={"visible": False, "range": [min(ys) - 0.8, max(ys) + 0.8]},
        annotations=annotations,
        clickmode="event+select",
        dragmode="pan",
        plot_bgcolor="white",
    )
    return figure


def _groups(graph: nx.DiGraph, group_by: str):
    """(legend name, nodes, style) per group: node kinds with their shapes, or top op types / scopes."""
    if group_by == "kind":
        for kind, style in KIND_STYLE.items():
            nodes = [node for node, data in graph.nodes(data=True) if data.get("kind") == kind]
            if nodes:
                yield style["label"], nodes, style
        return
    def key(node: str) -> str:
        data = graph.nodes[node]
        return data.get("op", "?") if group_by == "op" else (node.split("/")[1] if node.count("/") > 1 else node.split("/")[0])
    counts: dict[str, list[str]] = {}
    for node in graph.nodes:
        counts.setdefault(key(node), []).append(node)
    ordered = sorted(counts.items(), key=lambda item: -len(item[1]))
    top, rest = ordered[: len(PALETTE) - 1], [node for _, nodes in ordered[len(PALETTE) - 1 :] for node in nodes]
    for index, (name, nodes) in enumerate(top):
        yield f"{name} ({len(nodes)})", nodes, {"color": PALETTE[index], "symbol": "circle"}
    if rest:
        yield f"other ({len(rest)})", rest, {"color": "#c7c7c7", "symbol": "circle"}


def _short_label(node: str, room: int = 22) -> str:
    return plotly_safe(node if len(node) <= room else "…" + node[-(room - 1):])


def _node_text(data: dict[str, Any], node: str, room: int, unit: str) -> str:
    """A node's label. A folded group adds how many layers or ops it holds, their parameters and its output shape;
    a Keras layer adds its output shape."""
    label = _short_label(data.get("label", node), room)
    shape = compact_shape(data.get("shape", ""))
    if data.get("op") == "group":
        parameters = f" · {compact(data['parameters'])} {'params' if unit == 'layers' else 'in variables'}" if data.get("parameters") else ""
        lines = [f"<b>{label}</b>", f"{data.get('count', 0)} {unit}{parameters}"] + ([f"→ {shape}"] if shape else [])
    elif unit == "layers" and shape:
        lines = [label, f"→ {shape}"]
    else:
        return label
    return "<br>".join([lines[0], *[f"<span style='font-size:10px;color:#5f6368'>{line}</span>" for line in lines[1:]]])


def compact_shape(shape: object) -> str:
    """'(None, 56, 56, 256)' → '56×56×256': a tensor's shape without the batch size, for a label."""
    text = str(shape).strip("()[] ")
    if not text or text == "?":
        return ""
    sizes = [size.strip() for size in text.split(",") if size.strip()]
    if sizes and sizes[0] == "None":
        sizes = sizes[1:]
    return plotly_safe("×".join(sizes) or "scalar")


def compact(number: float) -> str:
    """1234567 → '1.2M', 25600 → '25.6k': counts short enough for a label."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return str(int(number))


def _size(data: dict[str, Any]) -> int:
    """Markers of folded groups grow with what they hold (18 for one node, up to 34)."""
    if data.get("op") != "group":
        return 18
    return int(min(34, 18 + 3 * np.log2(max(1, data.get("count", 1)))))


def _hover(node: str, data: dict[str, Any]) -> str:
    lines = [f"<b>{plotly_safe(node)}</b>", f"kind: {data.get('kind')}", f"op: {plotly_safe(str(data.get('description', data.get('op'))))}"]
    if "shape" in data:
        lines.append(f"shape: {plotly_safe(data['shape'])}  dtype: {plotly_safe(data.get('dtype'))}")
    if data.get("parameters"):
        lines.append(f"parameters: {int(data['parameters']):,}")
    if data.get("summary"):
        lines.append(f"value: {plotly_safe(data['summary'])}")
    return "<br>".join(lines)


def _add_edges(figure: go.Figure, graph: nx.DiGraph, positions: dict[Any, tuple[float, float]],
               routes: dict[tuple[Any, Any], list[tuple[float, float]]], label_steps: int | None = None) -> list[dict]:
    """Edge lines as traces (an edge with bends as a smooth curve through them); arrowheads and shape labels
    returned as annotations (set once: adding them one by one costs quadratic time in Plotly)."""
    lines: dict[tuple[str, bool], tuple[list, list]] = {}
    for source, target, data in graph.edges(data=True):
        dashed = data.get("role") in ("differentiated", "with respect to", "control")
        points = [positions[source], *routes.get((source, target), []), positions[target]]
        xs, ys = lines.setdefault(("dot" if dashed else "solid", len(points) > 2), ([], []))
        xs += [x for x, _ in points] + [np.nan]
        ys += [y for _, y in points] + [np.nan]
    webgl = graph.number_of_nodes() >= WEBGL_FROM
    for (dash, curved), (xs, ys) in sorted(lines.items()):
        line = {"color": "#9aa0a6", "width": 1.5, "dash": dash}
        if curved and not webgl:
            line.update(shape="spline", smoothing=0.3)
        figure.add_trace(
            (go.Scattergl if webgl else go.Scatter)(
                x=np.array(xs), y=np.array(ys), mode="lines", line=line, hoverinfo="skip",
                name="tensor (edge)" if dash == "solid" else "gradient / control edge",
                showlegend=dash == "dot" and not any(trace.name == "gradient / control edge" for trace in figure.data),
            )
        )
    annotations = []
    if graph.number_of_edges() <= MAX_ARROWS:
        for source, target in graph.edges:
            (x0, y0), (x1, y1) = ([positions[source], *routes.get((source, target), [])])[-1], positions[target]
            annotations.append(dict(
                x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.2, arrowcolor="#9aa0a6",
                standoff=11, startstandoff=9 if (source, target) not in routes else 0, text="",
            ))
    labelled = [(s, t, d) for s, t, d in graph.edges(data=True) if d.get("label")]
    steps = len({round(x) for x, _ in positions.values()})
    if len(labelled) <= MAX_EDGE_LABELS and (label_steps is None or steps <= label_steps):
        # Annotations (not a text trace) so each label gets a white box that hides the line behind it.
        for source, target, data in labelled:
            bends = routes.get((source, target))
            if bends:
                x, y = bends[len(bends) // 2]
            else:
                (x0, y0), (x1, y1) = positions[source], positions[target]
                x, y = (x0 + x1) / 2, (y0 + y1) / 2
            annotations.append(dict(
                x=x, y=y, text=plotly_safe(data["label"]), showarrow=False,
                font={"size": 10, "color": "#5f6368"}, bgcolor="rgba(255,255,255,0.85)", borderpad=1,
            ))
    return annotations
