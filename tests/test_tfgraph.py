"""TensorFlow's own graph as networkx, and the layered layout."""

import itertools

import networkx as nx
import numpy as np

from dlviz.figures import graph as figures
from dlviz.graphs import compgraph, tfgraph
from dlviz.graphs.presets import PRESETS
from dlviz.graphs.program import parse


def traced_graph_def():
    parsed = parse(PRESETS["Gradient of a loss (auto-differentiation)"])
    return compgraph.run(parsed, compgraph.default_feeds(parsed), "graph").graph_def


def test_graph_def_counts_are_kept():
    graph_def = traced_graph_def()
    graph = tfgraph.from_graph_def(graph_def)
    assert graph.number_of_nodes() == len(graph_def.node)
    expected_edges = {
        (source.lstrip("^").split(":")[0], node.name) for node in graph_def.node for source in node.input
    }
    assert set(graph.edges) == expected_edges
    ops = {data["op"] for _, data in graph.nodes(data=True)}
    assert {"MatMul", "ReadVariableOp", "Relu", "Placeholder"} <= ops
    assert any(data["kind"] == "gradient" for _, data in graph.nodes(data=True))


def test_layout_puts_every_edge_rightwards_and_no_two_nodes_together():
    graph = tfgraph.from_graph_def(traced_graph_def())
    positions = tfgraph.layout(graph)
    assert set(positions) == set(graph.nodes)
    assert len(set(positions.values())) == len(positions)
    assert all(positions[source][0] < positions[target][0] for source, target in graph.edges)


def test_layout_reduces_crossings_on_a_shuffled_graph():
    graph = nx.DiGraph()
    rng = np.random.default_rng(0)
    for layer in range(4):
        for a, b in itertools.product(range(6), range(6)):
            if rng.random() < 0.15:
                graph.add_edge(f"{layer}-{a}", f"{layer + 1}-{b}")
    positions = tfgraph.layout(graph, sweeps=6)
    unsorted = tfgraph.layout(graph, sweeps=0)
    assert crossings(graph, positions) <= crossings(graph, unsorted)


def crossings(graph, positions):
    count = 0
    for (a, b), (c, d) in itertools.combinations(graph.edges, 2):
        same_columns = positions[a][0] == positions[c][0] and positions[b][0] == positions[d][0]
        if same_columns and (positions[a][1] - positions[c][1]) * (positions[b][1] - positions[d][1]) < 0:
            count += 1
    return count


def test_graph_figure_has_a_trace_per_kind_and_node_names_to_click():
    parsed = parse(PRESETS["Gradient of a loss (auto-differentiation)"])
    graph = compgraph.to_networkx(parsed)
    figure = figures.graph_figure(graph, tfgraph.layout(graph), selected="y", error_node="dW")
    names = {trace.name for trace in figure.data}
    assert {"placeholder (fed at run time)", "variable (state kept between runs)", "operation"} <= names
    clickable = [row[0] for trace in figure.data if trace.customdata is not None for row in trace.customdata]
    assert sorted(clickable) == sorted(parsed.names)
    gradient_trace = next(trace for trace in figure.data if trace.name.startswith("gradient ("))
    colours = dict(zip((row[0] for row in gradient_trace.customdata), gradient_trace.marker.color))
    assert colours["dW"] == figures.ERROR_COLOR
