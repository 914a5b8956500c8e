"""TensorFlow's own graph as networkx, and the layered layout."""

import itertools

import networkx as nx
import numpy as np

from dlviz.cnn import architecture
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


# -- the hierarchy: big graphs that read like a table of contents ----------------------------------
import pytest  # noqa: E402

from dlviz.graphs import explorer, hierarchy  # noqa: E402


@pytest.fixture(scope="module")
def builtin_graphs():
    """The four built-in architectures' layer graphs and folded inference op graphs (random weights, built once)."""
    graphs = {}
    for name in explorer.BUILTIN:
        model = explorer.builtin_model(name)
        graphs[name, "layer"] = explorer.build(model, "layer").graph
        graphs[name, "op"] = explorer.build(model, "op").shown(fold=True)
        graphs[name, "layers"] = [layer.name for layer in model.layers]
        graphs[name, "model"] = model
    return graphs


@pytest.mark.parametrize("name", list(explorer.BUILTIN))
@pytest.mark.parametrize("level", ["layer", "op"])
def test_grouping_keeps_every_node_and_every_edge_between_groups(builtin_graphs, name, level):
    graph = builtin_graphs[name, level]
    first = tfgraph.collapse(graph)
    groups = first.graph["groups"]
    assert set(groups) == set(graph.nodes)
    assert sum(data.get("count", 1) for _, data in first.nodes(data=True)) == graph.number_of_nodes()
    for node, data in first.nodes(data=True):
        if data.get("op") == "group":
            assert node not in graph and node.endswith("/")  # a group is a new node
            assert data["count"] == sum(1 for shown in groups.values() if shown == node)
    between = {}
    for a, b in graph.edges:
        if groups[a] != groups[b]:
            between[groups[a], groups[b]] = between.get((groups[a], groups[b]), 0) + 1
    assert {edge: first.edges[edge]["count"] for edge in first.edges} == between
    assert len(first) <= 60
    labels = [data.get("label", node) for node, data in first.nodes(data=True)]
    assert all(len(label) <= 40 for label in labels)


@pytest.mark.parametrize("name", list(explorer.BUILTIN))
def test_every_group_opens_to_at_most_sixty_and_the_layout_never_stacks_nodes(builtin_graphs, name):
    graph = builtin_graphs[name, "layer"]
    tree = hierarchy.of(graph)
    for group in tree.groups:
        view = tfgraph.collapse(graph, hierarchy.open_to(tree, [group]) | {group})
        assert len(view) <= 60, group
        positions = tfgraph.arrange(view).positions
        assert len(set(positions.values())) == len(positions)


def test_resnet50_opens_as_stem_five_stages_and_head_then_blocks_then_layers(builtin_graphs):
    graph = builtin_graphs["ResNet50", "layer"]
    first = tfgraph.collapse(graph)
    input_name = next(name for name in graph if graph.nodes[name]["op"] == "InputLayer")  # input_layer, or _n in a busy process
    assert list(first) == [input_name, "conv1_*/", "pool1_pad", "pool1_pool", "conv2_*/", "conv3_*/", "conv4_*/",
                           "conv5_*/", "avg_pool", "predictions"]
    stage = first.nodes["conv3_*/"]
    model_layers = builtin_graphs["ResNet50", "layers"]
    assert stage["count"] == sum(name.startswith("conv3_") for name in model_layers) == 42
    assert stage["parameters"] == sum(graph.nodes[n]["parameters"] for n in graph if n.startswith("conv3_"))
    assert stage["shape"] == graph.nodes["conv3_block4_out"]["shape"]
    opened = tfgraph.collapse(graph, {"conv3_*/"})
    assert [n for n in opened if n.startswith("conv3")] == [f"conv3_block{i}_*/" for i in range(1, 5)]
    block = tfgraph.collapse(graph, {"conv3_*/", "conv3_block2_*/"})
    assert sorted(n for n in block if n.startswith("conv3_block2")) == sorted(n for n in graph if n.startswith("conv3_block2_"))


def test_the_op_graph_groups_the_same_way_inside_its_model_scope(builtin_graphs):
    first = tfgraph.collapse(builtin_graphs["ResNet50", "op"])
    assert "resnet50_1/" in first.graph["expanded"]  # the wrapper around everything opened by itself
    assert {f"resnet50_1/conv{i}_*/" for i in range(1, 6)} <= set(first)


def test_names_that_only_share_a_keras_counter_are_not_grouped():
    cnn = architecture.build_model(architecture.default_layers(), (8, 8, 1), 10)
    graph = tfgraph.keras_layer_graph(cnn)
    assert set(tfgraph.collapse(graph)) == set(graph)  # conv2d_1 … conv2d_3 are not a family: a group would loop


def test_layer_scopes_find_every_layer_even_when_tensorflow_renumbers_them(builtin_graphs):
    for name in ("ResNet50", "DenseNet121"):
        graph, layers, model = builtin_graphs[name, "op"], builtin_graphs[name, "layers"], builtin_graphs[name, "model"]
        scopes = tfgraph.layer_scopes(graph, layers)
        computing = [layer for layer in layers if not layer.startswith("input_layer")]
        assert set(scopes) == set(computing)
        assert len(set(scopes.values())) == len(scopes)
        for layer in model.layers[1:]:  # DenseNet has two ZeroPadding2D layers, renumbered by TensorFlow
            shape = "(" + ", ".join("None" if size is None else str(size) for size in layer.output.shape) + ")"
            ops = tfgraph.layer_ops(graph, scopes[layer.name])
            assert any(graph.nodes[op]["shape"] == shape for op in ops), layer.name


def test_a_residual_connection_runs_in_its_own_lane_beside_the_main_path(builtin_graphs):
    graph = builtin_graphs["ResNet50", "layer"]
    view = tfgraph.collapse(graph, {"conv3_*/", "conv3_block2_*/"})
    arrangement = tfgraph.arrange(view, direction="right")
    shortcut = ("conv3_block1_*/", "conv3_block2_add")
    bends = arrangement.routes[shortcut]
    assert len(bends) >= 8  # it skips the block's main path...
    occupied = set(arrangement.positions.values())
    assert not occupied & set(bends)  # ...without running through any node
    main = [arrangement.positions[n][1] for n in view if n.startswith("conv3_block2_") and not n.endswith(("_add", "_out"))]
    assert max(main) - min(main) < 1e-6  # and the main path stays straight
    assert len({y for _, y in bends}) == 1 and bends[0][1] != main[0]


def test_layer_graph_kinds_say_what_a_layer_is():
    cnn = architecture.build_model(architecture.default_layers(), (8, 8, 1), 10)
    graph = tfgraph.keras_layer_graph(cnn)
    assert graph.nodes["conv2d_1"]["kind"] == "weights" and graph.nodes["flatten_7"]["kind"] == "layer"
    figure = figures.graph_figure(graph, tfgraph.layout(graph))
    names = {trace.name for trace in figure.data}
    assert "layer with weights (learned in training)" in names and not any("variable" in name for name in names)
