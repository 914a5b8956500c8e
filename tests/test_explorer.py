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
    assert sum(data.get("count", 1) for _, data in collapsed.nodes(data=True)) == graph.number_of_nodes()


def test_expanding_a_scope_shows_its_ops(cnn):
    graph = tfgraph.fold_plumbing(tfgraph.from_keras(cnn))
    collapsed = tfgraph.collapse(graph)
    scope = next(node for node, data in collapsed.nodes(data=True) if data["op"] == "group")
    opened = tfgraph.collapse(graph, expanded={scope})
    assert scope not in opened and any(node.startswith(scope) for node in opened)


def test_numbered_repeats_in_a_row_fold_into_one_group():
    graph = nx.DiGraph()
    chain = ["x", "add", *[f"add_{index}" for index in range(1, 7)], "y"]
    for node in chain:
        graph.add_node(node, op="AddV2", kind="op")
    graph.add_edges_from(zip(chain, chain[1:]))
    collapsed = tfgraph.collapse(graph, min_groups=1)
    assert list(collapsed.nodes) == ["x", "add_*/", "y"] and collapsed.nodes["add_*/"]["count"] == 7
    assert collapsed.edges["x", "add_*/"]["count"] == 1


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
    folded = tfgraph.fold_plumbing(graph)
    assert view.matches == [n for n, d in folded.nodes(data=True) if "relu" in n.lower() or "relu" in d["op"].lower()]
    assert view.highlighted == {view.graph.graph["groups"][node] for node in view.matches}
    for pattern in ("(", "x{1001}", "(a)\\1", "a(?=b)"):
        bad = explorer.prepare(graph, fold=True, collapsed=True, expanded=set(), search=pattern)
        assert "not a valid regular expression" in bad.search_error and not bad.matches
    assert "at most" in explorer.prepare(graph, fold=True, collapsed=True, expanded=set(), search="a" * 101).search_error


def test_search_time_does_not_explode_on_nested_quantifiers():
    import re
    import time

    graph = nx.DiGraph()
    name = "x" * 40  # Python's `re` needs minutes for the pattern below on this one name; RE2 is linear
    graph.add_node(name, op="Op")
    started = time.perf_counter()
    assert explorer.search_nodes(graph, "(.*.*.*.*.*.*.*)Z") == []
    assert explorer.search_nodes(graph, "x{99999999999}") == []  # RE2 reads an out-of-range count literally
    assert time.perf_counter() - started < 1.0
    assert explorer.search_nodes(graph, "^X+$") == [name] and re.fullmatch("x+", name)


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


def test_op_view_of_a_model_with_two_inputs_feeds_both():
    image = keras.Input((8, 8, 1), name="image")
    extra = keras.Input((3,), name="extra")
    joined = keras.layers.Concatenate(name="join")([keras.layers.Flatten(name="flat")(image), extra])
    model = keras.Model([image, extra], keras.layers.Dense(2, name="out")(joined))
    built = explorer.build(model, "op")
    placeholders = {n for n, d in built.graph.nodes(data=True) if d["op"] == "Placeholder" and d["dtype"] != "resource"}
    assert placeholders == {"input_1", "input_2"}
    assert nx.has_path(built.graph, "input_1", next(n for n in built.graph if n.endswith("/MatMul")))
    assert set(built.layer_scopes) == {"flat", "join", "out"}


def test_training_step_of_a_model_that_outputs_feature_maps_uses_mean_squared_error():
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same", name="decode")(inputs))
    built = explorer.build(model, "train")
    assert "mean squared error" in built.loss and "(None, 8, 8, 1)" in built.loss
    ops = {data["op"] for _, data in built.graph.nodes(data=True)}
    assert "Conv2DBackpropFilter" in ops and ("SquaredDifference" in ops or "Square" in ops)
    assert "targets" in built.graph


@pytest.mark.parametrize(("model", "expected"), [
    ("frozen", "no trainable weights"),
    ("two outputs", "2 outputs"),
    ("not keras", "not a Keras model"),
])
def test_training_steps_that_cannot_be_traced_are_explained(model, expected):
    inputs = keras.Input((4,))
    if model == "frozen":
        target = keras.Model(inputs, keras.layers.ReLU()(inputs))
    elif model == "two outputs":
        target = keras.Model(inputs, [keras.layers.Dense(2)(inputs), keras.layers.Dense(3)(inputs)])
    else:
        target = object()
    with pytest.raises(explorer.ExplorerError, match=expected):
        explorer.build(target, "train")


def test_a_layer_is_found_in_every_view_and_back(cnn):
    for view in ("layer", "op", "train"):
        built = explorer.build(cnn, view)
        nodes = explorer.layer_nodes(built, "conv2d_3", fold=True)
        assert nodes and all(explorer.layer_at(built, node) == "conv2d_3" for node in nodes)
        if view != "layer":
            assert any(built.graph.nodes[node]["op"] == "Conv2D" for node in nodes)
        if view == "train":
            assert any(built.graph.nodes[node]["kind"] == "gradient" for node in nodes)
        focused = explorer.prepare(built, fold=True, collapsed=True, expanded=set(), focus=nodes)
        assert set(nodes) <= set(focused.graph) and focused.highlighted == set(nodes)


def test_op_groups_count_the_variables_they_read(cnn):
    folded = tfgraph.fold_plumbing(tfgraph.from_keras(cnn))
    view = tfgraph.collapse(folded)
    scope = next(node for node in view if node.endswith("conv2d_1_1/"))
    kernel, bias = cnn.get_layer("conv2d_1").weights
    assert view.nodes[scope]["parameters"] == kernel.numpy().size + bias.numpy().size
