"""TensorFlow's graphs of Keras models: counts, gradients, folding, collapsing, layout and exports."""

import io
import json
import zipfile
from pathlib import Path

import keras
import networkx as nx
import pytest

from dlviz.cnn import architecture
from dlviz.graphs import explorer, tfgraph


@pytest.fixture(scope="module")
def cnn():
    return architecture.build_model(architecture.default_layers(), (8, 8, 1), 10)


def test_op_graph_has_the_graph_defs_counts(cnn):
    function = tfgraph.trace_keras(cnn)
    graph = tfgraph.from_function_graph(function.graph)
    graph_def = function.graph.as_graph_def()
    assert graph.number_of_nodes() == len(graph_def.node)
    edges = {(source.lstrip("^").split(":")[0], node.name) for node in graph_def.node for source in node.input}
    assert set(graph.edges) == edges
    assert all("op" in data for _, data in graph.nodes(data=True))
    assert {"Conv2D", "Relu", "MatMul", "Softmax"} <= {data["op"] for _, data in graph.nodes(data=True)}


def test_layer_graph_nodes_are_keras_layers(cnn):
    graph = tfgraph.from_keras(cnn, level="layer")
    assert set(graph.nodes) == {layer.name for layer in cnn.layers}
    assert graph.nodes["conv2d_1"]["op"] == "Conv2D" and graph.nodes["conv2d_1"]["parameters"] == 320
    assert nx.is_directed_acyclic_graph(graph) and graph.number_of_edges() == len(cnn.layers) - 1


def test_training_step_has_gradient_and_optimizer_update_ops(cnn):
    graph = tfgraph.from_keras(cnn, level="op", training=True)
    ops = {data["op"] for _, data in graph.nodes(data=True)}
    assert "Conv2DBackpropFilter" in ops and "ReluGrad" in ops
    assert "AssignVariableOp" in ops or "AssignSubVariableOp" in ops
    assert any(data["kind"] == "gradient" for _, data in graph.nodes(data=True))
    assert graph.number_of_nodes() > 2 * tfgraph.from_keras(cnn).number_of_nodes()


def test_functional_branches_appear_in_the_layer_graph():
    inputs = keras.Input((8, 8, 1))
    a = keras.layers.Conv2D(2, 3, padding="same", name="a")(inputs)
    b = keras.layers.Conv2D(2, 1, name="b")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="join")([a, b]))
    graph = tfgraph.keras_layer_graph(model)
    assert set(graph.predecessors("join")) == {"a", "b"}


def test_folding_keeps_the_computation_and_lists_what_it_absorbed(cnn):
    graph = tfgraph.from_keras(cnn)
    folded = tfgraph.fold_plumbing(graph)
    assert folded.number_of_nodes() < graph.number_of_nodes() / 2
    assert not any(data["op"] == "ReadVariableOp" for _, data in folded.nodes(data=True))
    conv = next(node for node, data in folded.nodes(data=True) if data["op"] == "Conv2D")
    assert any("ReadVariableOp" in name for name in folded.nodes[conv]["folded"])
    assert nx.has_path(folded, "images", next(n for n, d in folded.nodes(data=True) if d["op"] == "Softmax"))


def test_collapse_keeps_every_edge_between_groups(cnn):
    graph = tfgraph.fold_plumbing(tfgraph.from_keras(cnn))
    collapsed = tfgraph.collapse(graph, min_groups=1)
    groups = collapsed.graph["groups"]
    between = {(groups[a], groups[b]) for a, b in graph.edges if groups[a] != groups[b]}
    assert set(collapsed.edges) == between
    assert sum(collapsed.edges[edge]["count"] for edge in collapsed.edges) == sum(
        1 for a, b in graph.edges if groups[a] != groups[b])
    assert sum(data.get("members", 1) for _, data in collapsed.nodes(data=True)) == graph.number_of_nodes()


def test_expanding_a_scope_shows_its_ops(cnn):
    graph = tfgraph.fold_plumbing(tfgraph.from_keras(cnn))
    collapsed = tfgraph.collapse(graph)
    scope = next(node for node, data in collapsed.nodes(data=True) if data["op"] == "scope")
    opened = tfgraph.collapse(graph, expanded={scope})
    assert scope not in opened and any(node.startswith(scope + "/") for node in opened)


def test_numbered_repeats_fold_into_a_series():
    graph = nx.DiGraph()
    for index in range(7):
        graph.add_node(f"add_{index}" if index else "add", op="AddV2", kind="op")
    graph.add_edges_from((f"add_{i}" if i else "add", f"add_{i + 1}") for i in range(6))
    collapsed = tfgraph.collapse(graph, min_groups=1)
    assert list(collapsed.nodes) == ["add_[7]"] and collapsed.nodes["add_[7]"]["members"] == 7


@pytest.mark.parametrize("wrap", [None, 5])
def test_layout_places_no_two_nodes_together_even_wrapped(wrap):
    graph = nx.gnr_graph(400, 0.1, seed=1).reverse()
    positions = tfgraph.layout(graph, wrap=wrap)
    assert len(set(positions.values())) == graph.number_of_nodes()


def test_exports_read_back_with_the_same_counts(cnn):
    graph = tfgraph.collapse(tfgraph.fold_plumbing(tfgraph.from_keras(cnn)))
    back = nx.read_graphml(io.BytesIO(explorer.to_graphml(graph)))
    assert (back.number_of_nodes(), back.number_of_edges()) == (graph.number_of_nodes(), graph.number_of_edges())
    data = json.loads(explorer.to_json(graph))
    assert (len(data["nodes"]), len(data["edges"])) == (graph.number_of_nodes(), graph.number_of_edges())
    dot = explorer.to_dot(graph)
    assert dot.startswith("digraph") and dot.count("->") == graph.number_of_edges()


def test_tensorboard_log_directory_loads_in_tensorboards_reader(cnn, tmp_path):
    from tensorboard.backend.event_processing import event_accumulator

    built = explorer.build(cnn, "op")
    with zipfile.ZipFile(io.BytesIO(explorer.tensorboard_zip(built.graph_data))) as archive:
        archive.extractall(tmp_path)
    events = next(Path(tmp_path, "dlviz_logs").glob("events.out.tfevents*"))
    accumulator = event_accumulator.EventAccumulator(str(events))
    accumulator.Reload()
    graph_def = accumulator.Graph()
    assert len(graph_def.node) == built.graph.number_of_nodes()


def test_search_maps_hits_into_collapsed_scopes_and_refuses_bad_patterns(cnn):
    graph = tfgraph.from_keras(cnn)
    view = explorer.prepare(graph, fold=True, collapsed=True, expanded=set(), search="relu")
    assert view.matches and view.highlighted <= set(view.graph.nodes)
    bad = explorer.prepare(graph, fold=True, collapsed=True, expanded=set(), search="(")
    assert "not a valid regular expression" in bad.search_error


def test_trace_inputs_and_outputs(cnn):
    graph = tfgraph.from_keras(cnn, level="layer")
    inputs = explorer.prepare(graph, fold=False, collapsed=False, expanded=set(), selected="flatten_7", trace="inputs")
    assert inputs.highlighted == {"conv2d_1", "batchnormalization_2", "conv2d_3", "batchnormalization_4", "maxpool2d_5",
                                  "dropout_6", "flatten_7"}
    outputs = explorer.prepare(graph, fold=False, collapsed=False, expanded=set(), selected="flatten_7", trace="outputs")
    assert outputs.highlighted == {"flatten_7", "dense_8", "dropout_9", "predictions"}


def test_builtin_architecture_without_download():
    model = explorer.builtin_model("MobileNetV2")
    assert model.count_params() > 3_000_000
    with pytest.raises(explorer.ExplorerError):
        explorer.builtin_model("GPT")
