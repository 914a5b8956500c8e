"""TensorFlow's own graphs as `networkx.DiGraph`s, and a layered left-to-right layout for any DAG."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import networkx as nx

from dlviz.runtime import keras, tf

# Ops that exist to move variables around rather than to compute: drawn as variable plumbing.
VARIABLE_OPS = {"VarHandleOp", "ReadVariableOp", "AssignVariableOp", "VariableV2", "Assign", "VarIsInitializedOp"}
PLACEHOLDER_OPS = {"Placeholder", "PlaceholderWithDefault"}
CONSTANT_OPS = {"Const"}


def op_kind(name: str, op: str) -> str:
    """The node kind dlviz colours by (the same five kinds as a user's program)."""
    if name.startswith(("gradients/", "gradient_tape/")) or "/gradients/" in name or "_grad/" in name or op.endswith("Grad"):
        return "gradient"
    if op in PLACEHOLDER_OPS:
        return "placeholder"
    if op in VARIABLE_OPS:
        return "variable"
    if op in CONSTANT_OPS:
        return "constant"
    return "op"


def from_graph_def(graph_def: Any) -> nx.DiGraph:
    """A GraphDef as a DiGraph: nodes carry op, kind and output shape/dtype; edges data or control."""
    graph = nx.DiGraph()
    shapes: dict[str, tuple[str, str]] = {}
    imported = tf.Graph()
    try:
        with imported.as_default():
            tf.graph_util.import_graph_def(graph_def, name="")
        for operation in imported.get_operations():
            if operation.outputs:
                output = operation.outputs[0]
                shapes[operation.name] = (_shape_text(output.shape), output.dtype.name)
    except (ValueError, TypeError, tf.errors.OpError):
        pass  # shapes are a nicety; a graph that does not re-import is still drawn
    for node in graph_def.node:
        shape, dtype = shapes.get(node.name, ("?", "?"))
        graph.add_node(
            node.name,
            op=node.op,
            kind=op_kind(node.name, node.op),
            shape=shape,
            dtype=dtype,
            description=f"{node.op}",
            scope=node.name.rpartition("/")[0],
            label=short_label(node.name, node.op),
        )
    for node in graph_def.node:
        for source in node.input:
            control = source.startswith("^")
            source_name = source.lstrip("^").split(":")[0]
            if source_name not in graph:
                continue
            shape, dtype = shapes.get(source_name, ("?", "?"))
            graph.add_edge(
                source_name,
                node.name,
                role="control" if control else "data",
                label="" if control else f"{shape} {dtype}",
            )
    return graph


def short_label(name: str, op: str) -> str:
    """A node's label on the canvas: its op type, after the top scope when there is one."""
    top = name.split("/")[0]
    if top == name or top in ("gradient_tape", "gradients"):
        return op if top == name else f"∇ {op}"
    return f"{top}·{op}"


def _shape_text(shape: Any) -> str:
    if shape.rank is None:
        return "(?)"
    sizes = ["None" if size is None else str(size) for size in shape.as_list()]
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


def layers(graph: nx.DiGraph) -> list[list[Any]]:
    """Nodes grouped into columns so every edge points rightwards (longest-path layering)."""
    dag = graph if nx.is_directed_acyclic_graph(graph) else _break_cycles(graph)
    depth: dict[Any, int] = {}
    for node in nx.topological_sort(dag):
        depth[node] = max((depth[parent] + 1 for parent in dag.predecessors(node)), default=0)
    # Pull sources (constants, variables) right next to their first consumer, so they sit beside it.
    for node in dag.nodes:
        if dag.in_degree(node) == 0 and dag.out_degree(node) > 0:
            depth[node] = min(depth[child] for child in dag.successors(node)) - 1
    columns: dict[int, list[Any]] = {}
    for node, column in depth.items():
        columns.setdefault(column, []).append(node)
    return [columns[column] for column in sorted(columns)]


def _break_cycles(graph: nx.DiGraph) -> nx.DiGraph:
    dag = graph.copy()
    while True:
        try:
            cycle = nx.find_cycle(dag)
        except nx.NetworkXNoCycle:
            return dag
        dag.remove_edge(*cycle[-1][:2])


def layout(graph: nx.DiGraph, sweeps: int = 4, wrap: int | None = None) -> dict[Any, tuple[float, float]]:
    """Left-to-right layered positions; barycentre sweeps reduce edge crossings.

    With `wrap`, a graph deeper than `wrap` columns continues in bands below, like lines of text, so a
    long network (ResNet50's 170 layers) stays legible instead of shrinking to a thin strip."""
    if graph.number_of_nodes() == 0:
        return {}
    columns = layers(graph)
    order = {node: index for column in columns for index, node in enumerate(column)}
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        sequence = columns[1:] if forward else columns[-2::-1]
        for column in sequence:
            neighbours = graph.predecessors if forward else graph.successors

            def barycentre(node: Any, neighbours=neighbours) -> float:
                positions = [order[other] for other in neighbours(node)]
                return sum(positions) / len(positions) if positions else order[node]

            column.sort(key=barycentre)
            for index, node in enumerate(column):
                order[node] = index
    positions = {}
    if wrap and len(columns) > wrap:
        band_height = max(len(column) for column in columns) + 1.5
        for x, column in enumerate(columns):
            band, within = divmod(x, wrap)
            offset = (len(column) - 1) / 2
            for index, node in enumerate(column):
                positions[node] = (float(within), float(offset - index - band * band_height))
        return positions
    for x, column in enumerate(columns):
        offset = (len(column) - 1) / 2
        for index, node in enumerate(column):
            positions[node] = (float(x), float(offset - index))
    return positions


# -- TensorFlow's graphs of Keras models ---------------------------------------------------
PLUMBING_OPS = {"ReadVariableOp", "Identity", "NoOp", "Const"}


def from_function_graph(graph: Any) -> nx.DiGraph:
    """A traced `tf.function` graph (FuncGraph) as a DiGraph, read straight from its operations."""
    result = nx.DiGraph()
    for operation in graph.get_operations():
        output = operation.outputs[0] if operation.outputs else None
        shape = _shape_text(output.shape) if output is not None else "()"
        dtype = output.dtype.name if output is not None else ""
        result.add_node(
            operation.name, op=operation.type, kind=op_kind(operation.name, operation.type), shape=shape, dtype=dtype,
            device=operation.device or "", description=operation.type, scope=operation.name.rpartition("/")[0],
            label=short_label(operation.name, operation.type),
        )
    for operation in graph.get_operations():
        for tensor in operation.inputs:
            result.add_edge(tensor.op.name, operation.name, role="data",
                            label=f"{_shape_text(tensor.shape)} {tensor.dtype.name}")
        for control in operation.control_inputs:
            result.add_edge(control.name, operation.name, role="control", label="")
    return result


def trace_keras(model: Any, training: bool = False) -> Any:
    """The concrete function of one inference call, or of one training step (forward, gradients, update)."""
    spec = tf.TensorSpec([None, *model.inputs[0].shape[1:]], model.inputs[0].dtype, name="images")
    if not training:
        return tf.function(lambda images: model(images, training=False)).get_concrete_function(spec)
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)
    if tuple(model.outputs[0].shape[1:]) == tuple(model.inputs[0].shape[1:]):
        return _trace_reconstruction_step(model, optimizer, spec)  # an autoencoder: its target is its input
    loss_function = keras.losses.SparseCategoricalCrossentropy()

    def train_step(images, labels):
        with tf.GradientTape() as tape:
            loss = loss_function(labels, model(images, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    labels = tf.TensorSpec([None], tf.int32, name="labels")
    return tf.function(train_step).get_concrete_function(spec, labels)


def _trace_reconstruction_step(model: Any, optimizer: Any, spec: Any) -> Any:
    """One training step of a model that rebuilds its input (mean squared error against the images themselves)."""
    loss_function = keras.losses.MeanSquaredError()

    def train_step(images):
        with tf.GradientTape() as tape:
            loss = loss_function(images, model(images, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return tf.function(train_step).get_concrete_function(spec)


def from_keras(model: Any, level: str = "op", training: bool = False) -> nx.DiGraph:
    """A Keras model's graph: its layers (level='layer') or TensorFlow's ops (level='op'), training step optional."""
    if level == "layer":
        return keras_layer_graph(model)
    if level != "op":
        raise ValueError("level must be 'layer' or 'op'")
    return from_function_graph(trace_keras(model, training).graph)


def keras_layer_graph(model: Any) -> nx.DiGraph:
    """Keras layers as nodes (op = class name) and the tensors between them as edges."""
    graph = nx.DiGraph()
    for layer in model.layers:
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            shape = ()
        graph.add_node(layer.name, op=type(layer).__name__, kind=_layer_kind(layer), shape=str(shape), dtype="",
                       description=type(layer).__name__, scope="", label=layer.name, parameters=layer.count_params(),
                       config=_short_config(layer))
    for layer in model.layers:
        try:
            inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
        except (AttributeError, ValueError):
            continue
        for tensor in inputs:
            history = getattr(tensor, "_keras_history", None)
            if history is not None and history.operation.name in graph:
                graph.add_edge(history.operation.name, layer.name, role="data", label=str(tuple(tensor.shape)))
    return graph


def _layer_kind(layer: Any) -> str:
    name = type(layer).__name__
    if name == "InputLayer":
        return "placeholder"
    return "variable" if layer.weights else "op"


def _short_config(layer: Any) -> dict[str, Any]:
    try:
        config = layer.get_config()
    except (NotImplementedError, TypeError):
        return {}
    keep = ("filters", "kernel_size", "strides", "padding", "activation", "units", "pool_size", "rate", "axis")
    return {key: config[key] for key in keep if key in config}


def fold_plumbing(graph: nx.DiGraph) -> nx.DiGraph:
    """Fold variable plumbing (resource placeholders, ReadVariableOp, Identity, NoOp, Const) into the ops
    that use them, as TensorBoard's small in-embeddings: fewer, meaningful nodes; nothing is lost, the
    folded names are listed on the node that absorbed them."""
    folded = graph.copy()
    for node in list(folded.nodes):
        data = folded.nodes[node]
        op = data.get("op")
        if op not in PLUMBING_OPS and not (op == "Placeholder" and data.get("dtype") == "resource"):
            continue
        successors, predecessors = list(folded.successors(node)), list(folded.predecessors(node))
        if op == "Identity":
            if len(predecessors) != 1 or not successors:
                continue  # an output (where results leave the graph) or a join: keep it
            for successor in successors:  # a pass-through: connect its input straight to its users
                folded.add_edge(predecessors[0], successor, **folded.edges[node, successor])
        elif op != "NoOp":
            if not successors:
                continue
            for successor in successors:
                folded.nodes[successor].setdefault("folded", []).extend([node, *data.get("folded", [])])
        folded.remove_node(node)
    return folded


def _group_of(name: str, expanded: set[str]) -> str:
    """The shortest scope prefix of `name` that is not expanded (the name itself for a leaf)."""
    parts = name.split("/")
    for depth in range(1, len(parts)):
        prefix = "/".join(parts[:depth])
        if prefix not in expanded:
            return prefix
    return name


def collapse(graph: nx.DiGraph, expanded: Iterable[str] = (), series_threshold: int = 5, min_groups: int = 8) -> nx.DiGraph:
    """Fold every name scope not in `expanded` into one node (with its op count), as TensorBoard does.

    While fewer than `min_groups` groups show, the largest scope opens by itself (a wrapper such as
    'resnet50_1' would otherwise hide the whole model),
    numbered repeats (add_1 … add_n, `series_threshold` or more) fold into one series node, and every
    edge between groups is kept with a count of the edges it stands for."""
    expanded = set(expanded)
    while True:
        sizes: dict[str, int] = {}
        for node in graph.nodes:
            name = _group_of(node, expanded)
            sizes[name] = sizes.get(name, 0) + 1
        closed = [name for name in sizes if name not in graph]
        if len(sizes) >= min_groups or not closed:
            break
        expanded.add(max(closed, key=sizes.get))
    group = {node: _group_of(node, expanded) for node in graph.nodes}
    group = _fold_series(group, series_threshold)
    result = nx.DiGraph(groups=group)  # which shown node each original node went into
    members: dict[str, list[str]] = {}
    for node, name in group.items():
        members.setdefault(name, []).append(node)
    for name, inside in members.items():
        if len(inside) == 1 and inside[0] == name:
            result.add_node(name, **graph.nodes[name])
            continue
        ops: dict[str, int] = {}
        for node in inside:
            ops[graph.nodes[node].get("op", "?")] = ops.get(graph.nodes[node].get("op", "?"), 0) + 1
        top_ops = ", ".join(f"{op}×{count}" for op, count in sorted(ops.items(), key=lambda item: -item[1])[:4])
        kind = "gradient" if any(graph.nodes[node].get("kind") == "gradient" for node in inside) else "scope"
        result.add_node(name, op="scope", kind=kind, members=len(inside), description=f"{len(inside)} ops: {top_ops}",
                        shape="", dtype="", scope=name.rpartition("/")[0],
                        label=re.sub(r"_1$", "", name.rsplit("/", 1)[-1]))
    for source, target, data in graph.edges(data=True):
        a, b = group[source], group[target]
        if a == b:
            continue
        if result.has_edge(a, b):
            result.edges[a, b]["count"] += 1
        else:
            result.add_edge(a, b, role=data.get("role", "data"), label=data.get("label", ""), count=1)
    return result


def _fold_series(group: dict[str, str], threshold: int) -> dict[str, str]:
    """Groups named base, base_1, base_2, … (threshold or more, same parent) become one 'base_[n]' group."""
    pattern = re.compile(r"^(.*?)(?:_(\d+))?$")
    families: dict[str, set[str]] = {}
    for name in set(group.values()):
        parent, _, leaf = name.rpartition("/")
        base = pattern.match(leaf).group(1)
        families.setdefault(f"{parent}/{base}" if parent else base, set()).add(name)
    renamed = {}
    for family, names in families.items():
        if len(names) >= threshold:
            for name in names:
                renamed[name] = f"{family}_[{len(names)}]"
    return {node: renamed.get(name, name) for node, name in group.items()}
