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
    "scope": {"color": "#17becf", "symbol": "square", "label": "name scope (click to expand)"},
}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939"]
MAX_LABELS = 400
WEBGL_FROM = 1000  # nodes; beyond this SVG markers make the browser crawl
ERROR_COLOR = "#d62728"
HIGHLIGHT_COLOR = "#ffd400"
MAX_ARROWS = 120  # arrowheads are SVG annotations; past this they cost the browser more than they tell (edges run left to right anyway)
MAX_EDGE_LABELS = 40  # beyond this, labels cover the graph; shapes stay in the hover


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
) -> go.Figure:
    """A data-flow graph: one trace per node kind, op type or scope (so the legend explains the colours).

    `highlighted` nodes (search hits, traced inputs/outputs) keep their colour and others fade."""
    figure = go.Figure()
    annotations = _add_edges(figure, graph, positions)
    many = graph.number_of_nodes() >= WEBGL_FROM
    show_text = graph.number_of_nodes() <= MAX_LABELS
    for name, nodes, style in _groups(graph, group_by):
        marker_line = [4 if node in (selected, error_node) else 1 for node in nodes]
        trace_type = go.Scattergl if many else go.Scatter
        figure.add_trace(
            trace_type(
                x=[positions[node][0] for node in nodes],
                y=[positions[node][1] for node in nodes],
                mode="markers+text" if show_text else "markers",
                name=name,
                text=[_short_label(graph.nodes[node].get("label", node)) for node in nodes] if show_text else None,
                # Alternate labels above and below by column, so neighbours' labels do not overlap.
                textposition=["top center" if int(positions[node][0]) % 2 == 0 else "bottom center" for node in nodes],
                textfont={"size": 11},
                customdata=[[node] for node in nodes],
                hovertext=[_hover(node, graph.nodes[node]) for node in nodes],
                hoverinfo="text",
                # Clicking selects a point; keep the others fully visible instead of Plotly's fading.
                selected={"marker": {"opacity": 1}},
                unselected={"marker": {"opacity": 1}},
                marker={
                    "symbol": style["symbol"],
                    "size": [24 if node in (selected, error_node) else (10 if many else 18) for node in nodes],
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
        # Enough room per row of the tallest column that labels do not collide.
        height = int(min(1400, max(460, 150 + 46 * (max(ys) - min(ys) + 1))))
    figure.update_layout(
        title=title or None,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 60},
        showlegend=True,
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0, "font": {"size": 11}},
        xaxis={"visible": False, "range": [min(xs) - 0.6, max(xs) + 0.6]},
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


def _short_label(node: str) -> str:
    return plotly_safe(node if len(node) <= 22 else "…" + node[-21:])


def _hover(node: str, data: dict[str, Any]) -> str:
    lines = [f"<b>{plotly_safe(node)}</b>", f"kind: {data.get('kind')}", f"op: {plotly_safe(str(data.get('description', data.get('op'))))}"]
    if "shape" in data:
        lines.append(f"shape: {data['shape']}  dtype: {data.get('dtype')}")
    if data.get("summary"):
        lines.append(f"value: {plotly_safe(data['summary'])}")
    return "<br>".join(lines)


def _add_edges(figure: go.Figure, graph: nx.DiGraph, positions: dict[Any, tuple[float, float]]) -> list[dict]:
    """Edge lines as traces; arrowheads and shape labels returned as annotations (set once: adding
    them one by one costs quadratic time in Plotly)."""
    solid: list[float | None] = [[], []]
    dashed: list[float | None] = [[], []]
    for source, target, data in graph.edges(data=True):
        bucket = dashed if data.get("role") in ("differentiated", "with respect to", "control") else solid
        (x0, y0), (x1, y1) = positions[source], positions[target]
        bucket[0] += [x0, x1, np.nan]
        bucket[1] += [y0, y1, np.nan]
    for (xs, ys), dash, name in ((solid, "solid", "tensor (edge)"), (dashed, "dot", "gradient / control edge")):
        if xs:
            figure.add_trace(
                (go.Scattergl if graph.number_of_nodes() >= WEBGL_FROM else go.Scatter)(
                    x=np.array(xs), y=np.array(ys), mode="lines", line={"color": "#9aa0a6", "width": 1.5, "dash": dash},
                    hoverinfo="skip", name=name, showlegend=dash == "dot",
                )
            )
    annotations = []
    if graph.number_of_edges() <= MAX_ARROWS:
        for source, target in graph.edges:
            (x0, y0), (x1, y1) = positions[source], positions[target]
            annotations.append(dict(
                x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.2, arrowcolor="#9aa0a6",
                standoff=11, startstandoff=9, text="",
            ))
    labelled = [(s, t, d) for s, t, d in graph.edges(data=True) if d.get("label")]
    if len(labelled) <= MAX_EDGE_LABELS:
        # Annotations (not a text trace) so each label gets a white box that hides the line behind it.
        for source, target, data in labelled:
            (x0, y0), (x1, y1) = positions[source], positions[target]
            annotations.append(dict(
                x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=data["label"], showarrow=False,
                font={"size": 10, "color": "#5f6368"}, bgcolor="rgba(255,255,255,0.85)", borderpad=1,
            ))
    return annotations
