"""TensorFlow's own graphs as `networkx.DiGraph`s, grouped into a hierarchy, and layered layouts for any DAG."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from dlviz.graphs import hierarchy
from dlviz.runtime import keras, tf


class TraceError(ValueError):
    """A model TensorFlow's graph of cannot be traced in the view asked for; the message says why."""

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


def scoped_label(name: str, op: str) -> str:
    """A label that says where an op sits: its innermost scope and its type ('conv1_conv_1·Conv2D')."""
    parts = name.split("/")
    mark = "∇ " if parts[0] in ("gradient_tape", "gradients") else ""
    scopes = [part for part in parts[:-1] if part not in ("gradient_tape", "gradients")]
    return f"{mark}{scopes[-1]}·{op}" if scopes else f"{mark}{parts[-1]}"


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
            label=scoped_label(operation.name, operation.type),
        )
    for operation in graph.get_operations():
        for tensor in operation.inputs:
            result.add_edge(tensor.op.name, operation.name, role="data",
                            label=f"{_shape_text(tensor.shape)} {tensor.dtype.name}")
            if operation.type == "ReadVariableOp" and tensor.dtype.name == "resource":
                # A captured variable is a resource placeholder; its size shows where it is read.
                size = math.prod(operation.outputs[0].shape.as_list()) if operation.outputs[0].shape.is_fully_defined() else 0
                result.nodes[tensor.op.name].setdefault("variables", {tensor.op.name: size})
        for control in operation.control_inputs:
            result.add_edge(control.name, operation.name, role="control", label="")
    result.graph["unit"] = "ops"
    return result


def trace_keras(model: Any, training: bool = False) -> Any:
    """The concrete function of one inference call, or of one training step (forward, gradients, update).

    Every input of the model is fed (named `images` for one input, `input_1`, `input_2`… for several). The training
    step uses the loss that fits the output: cross-entropy for class scores, mean squared error against a target of
    the output's own shape otherwise (as an autoencoder or a forecaster is trained); `training_loss` says which."""
    inputs = list(getattr(model, "inputs", None) or [])
    if not inputs:
        raise TraceError("This model has no inputs TensorFlow could feed (it was never built), so there is no graph to trace.")
    names = ["images"] if len(inputs) == 1 else [f"input_{index}" for index in range(1, len(inputs) + 1)]
    specs = [tf.TensorSpec([None, *tensor.shape[1:]], tensor.dtype, name=name) for tensor, name in zip(inputs, names)]

    def call(*fed, training: bool):
        return model(fed[0] if len(fed) == 1 else list(fed), training=training)

    if not training:
        return tf.function(lambda *fed: call(*fed, training=False)).get_concrete_function(*specs)
    outputs = list(getattr(model, "outputs", None) or [])
    if len(outputs) != 1:
        raise TraceError(f"This model has {len(outputs)} outputs; the training-step view traces models with one output. "
                         "Its inference op graph shows every output.")
    if not model.trainable_variables:
        raise TraceError("This model has no trainable weights, so a training step would compute a loss and change "
                         "nothing. Choose the inference op graph to see what it computes.")
    loss_name, loss_function, target = training_loss(model)
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)

    def train_step(*fed):
        *features, targets = fed
        with tf.GradientTape() as tape:
            loss = loss_function(targets, call(*features, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return tf.function(train_step).get_concrete_function(*specs, target)


def training_loss(model: Any) -> tuple[str, Any, Any]:
    """The loss the training-step view uses for this model's output, its Keras function and the target's spec."""
    output = model.outputs[0]
    shape = list(output.shape[1:])
    if len(shape) == 1 and (shape[0] or 0) > 1:
        return ("sparse categorical cross-entropy (one class label per example)",
                keras.losses.SparseCategoricalCrossentropy(), tf.TensorSpec([None], tf.int32, name="labels"))
    shown = "(" + ", ".join("None" if size is None else str(size) for size in output.shape) + ")"
    return (f"mean squared error against a target of the output's shape {shown}",
            keras.losses.MeanSquaredError(), tf.TensorSpec([None, *shape], output.dtype, name="targets"))


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
    graph.graph["unit"] = "layers"
    return graph


def _layer_kind(layer: Any) -> str:
    """'input' for the data fed in, 'weights' for a layer that learns numbers, 'layer' for one that only computes."""
    if type(layer).__name__ == "InputLayer":
        return "input"
    return "weights" if layer.weights else "layer"


def layer_scopes(graph: nx.DiGraph, layer_names: Iterable[str]) -> dict[str, str]:
    """For each Keras layer, the name scope its ops sit in inside an op graph ('resnet50_1/conv1_conv_1').

    TensorFlow makes scope names unique by adding '_1', '_2'…, so 'zero_padding2d_1' may be the scope of the layer
    'zero_padding2d' while 'zero_padding2d_1_2' is that of 'zero_padding2d_1': a scope is matched to a layer whose
    name it is or extends by one number, the scopes with the fewest candidate layers first. Gradient scopes
    ('gradient_tape/…') mirror the forward ones and are found by `layer_ops`."""
    wanted = list(layer_names)
    scopes = {node.rsplit("/", 1)[0] for node in graph.nodes if "/" in node and not node.startswith(("gradient_tape/", "gradients/"))}
    candidates: dict[str, list[str]] = {}
    for scope in scopes:
        last = scope.rsplit("/", 1)[-1]
        base = re.sub(r"_\d+$", "", last)
        matching = [name for name in wanted if name in (last, base)]
        if matching:
            candidates.setdefault(scope, matching)
    found: dict[str, str] = {}
    for scope, names in sorted(candidates.items(), key=lambda item: (len(item[1]), item[0].count("/"), item[0])):
        free = [name for name in names if name not in found]
        if free:
            exact = [name for name in free if scope.rsplit("/", 1)[-1] != name] or free  # prefer 'x_1' → x when both fit
            found[exact[0]] = scope
    return found


def layer_ops(graph: nx.DiGraph, scope: str) -> list[str]:
    """The ops of one layer's scope, with its gradient ops (the same scope under 'gradient_tape/') in a training step."""
    prefixes = (scope + "/", "gradient_tape/" + scope + "/")
    return [node for node in graph.nodes if node.startswith(prefixes)]


def layer_of(node: str, scopes: dict[str, str]) -> str | None:
    """The Keras layer an op (or a group of ops) belongs to, from `layer_scopes`."""
    name = node.rstrip("/").removeprefix("gradient_tape/")
    by_scope = {scope: layer for layer, scope in scopes.items()}
    while name:
        if name in by_scope:
            return by_scope[name]
        name = name.rpartition("/")[0]
    return None


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
                if data.get("variables"):
                    folded.nodes[successor]["variables"] = {**folded.nodes[successor].get("variables", {}), **data["variables"]}
        folded.remove_node(node)
    return folded


def collapse(graph: nx.DiGraph, expanded: Iterable[str] = (), min_groups: int = hierarchy.MIN_VIEW) -> nx.DiGraph:
    """The view of `graph` as a table of contents: its hierarchy's top level (name scopes where the graph has them,
    shared name prefixes where it does not), every group folded unless its id is in `expanded`.

    A folded group is a new node (its id ends with '/') carrying `count`, the number of the graph's nodes inside,
    its parameters, output shape and commonest ops; every edge between shown nodes is kept with `count`, the
    number of the graph's edges it stands for. While the view has fewer than `min_groups` nodes the largest group
    opens by itself (a wrapper such as 'resnet50_1/' would otherwise hide the whole model). The result's graph
    attributes: `groups` (each graph node → the node it is drawn as), `expanded` (the groups open, including those
    opened by themselves) and `hierarchy`."""
    tree = hierarchy.of(graph)
    opened = set(expanded) & set(tree.groups)
    opened = hierarchy.first_view(tree, opened, min_groups)
    group = hierarchy.shown_as(tree, opened)
    result = nx.DiGraph(groups=group, expanded=opened, hierarchy=tree, unit=graph.graph.get("unit", "ops"))
    for item in hierarchy.visible(tree, opened):
        if item in tree.groups:
            result.add_node(item, **hierarchy.summary(graph, tree, item))
        else:
            result.add_node(item, **graph.nodes[item])
    for source, target, data in graph.edges(data=True):
        a, b = group[source], group[target]
        if a == b:
            continue
        if result.has_edge(a, b):
            result.edges[a, b]["count"] += 1
        else:
            result.add_edge(a, b, role=data.get("role", "data"), label=data.get("label", ""), count=1)
    return result


# -- layouts for the explorer: long edges routed beside the main path ----------------------------------
@dataclass
class Arrangement:
    """Where each node goes, the bends of every edge that skips columns, and the reading direction."""

    positions: dict[Any, tuple[float, float]]
    routes: dict[tuple[Any, Any], list[tuple[float, float]]] = field(default_factory=dict)
    direction: str = "right"
    columns: int = 0


DOWN_FROM_COLUMNS = 18  # deeper than this, a view reads top to bottom (labels beside the nodes) instead of squeezing


def arrange(graph: nx.DiGraph, direction: str | None = None, sweeps: int = 6) -> Arrangement:
    """A layered layout (Sugiyama style): columns by longest path, an edge that skips columns gets a bend point in
    each column it crosses (so a residual connection runs in its own lane beside the main path instead of through
    the nodes), barycentre sweeps order each column, and every node is pulled level with its neighbours (keeping at
    least one unit between nodes of a column) so the main path runs straight.

    `direction` is 'right' or 'down' (columns become rows); by default 'down' for views deeper than
    DOWN_FROM_COLUMNS columns."""
    if graph.number_of_nodes() == 0:
        return Arrangement({}, {}, direction or "right", 0)
    depth = _depths(graph)
    adjacency_in: dict[Any, list[Any]] = {node: [] for node in graph.nodes}
    adjacency_out: dict[Any, list[Any]] = {node: [] for node in graph.nodes}
    chains: dict[tuple[Any, Any], list[Any]] = {}
    for source, target in graph.edges:
        span = depth[target] - depth[source]
        if span <= 0:
            continue  # an edge closing a cycle: drawn straight
        chain = [source, *[("bend", source, target, step) for step in range(1, span)], target]
        for step, node in enumerate(chain[1:-1], start=1):
            depth[node] = depth[source] + step
            adjacency_in[node], adjacency_out[node] = [], []
        for a, b in zip(chain, chain[1:]):
            adjacency_out[a].append(b)
            adjacency_in[b].append(a)
        if span > 1:
            chains[(source, target)] = chain[1:-1]
    columns: dict[int, list[Any]] = {}
    for node in depth:  # the graph's nodes first, then the bends
        columns.setdefault(depth[node], []).append(node)
    ordered = [columns[column] for column in sorted(columns)]
    order = {node: index for column in ordered for index, node in enumerate(column)}
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        neighbours = adjacency_in if forward else adjacency_out
        for column in (ordered[1:] if forward else ordered[-2::-1]):
            def barycentre(node: Any, neighbours=neighbours) -> float:
                around = [order[other] for other in neighbours[node]]
                return sum(around) / len(around) if around else order[node]

            column.sort(key=barycentre)
            for index, node in enumerate(column):
                order[node] = index
    lateral = {node: (len(column) - 1) / 2 - index for column in ordered for index, node in enumerate(column)}
    for _ in range(8):
        for column in ordered + ordered[::-1]:
            wanted = []
            for node in column:
                around = [lateral[other] for other in adjacency_in[node] + adjacency_out[node]]
                wanted.append(sum(around) / len(around) if around else lateral[node])
            for node, value in zip(column, _spaced(wanted)):
                lateral[node] = value
    direction = direction or ("down" if len(ordered) > DOWN_FROM_COLUMNS else "right")

    def place(node: Any) -> tuple[float, float]:
        along = float(depth[node] - min(columns))
        return (along, lateral[node]) if direction == "right" else (-lateral[node], -along)

    positions = {node: place(node) for node in graph.nodes}
    routes = {edge: [place(bend) for bend in bends] for edge, bends in chains.items()}
    return Arrangement(positions, routes, direction, len(ordered))


def _depths(graph: nx.DiGraph) -> dict[Any, int]:
    dag = graph if nx.is_directed_acyclic_graph(graph) else _break_cycles(graph)
    depth: dict[Any, int] = {}
    for node in nx.topological_sort(dag):
        depth[node] = max((depth[parent] + 1 for parent in dag.predecessors(node)), default=0)
    for node in dag.nodes:  # sources (constants, variables) sit right before their first consumer
        if dag.in_degree(node) == 0 and dag.out_degree(node) > 0:
            depth[node] = min(depth[child] for child in dag.successors(node)) - 1
    return depth


def _spaced(wanted: list[float]) -> list[float]:
    """The values closest to `wanted` (least squares) that keep the column's order top to bottom, one unit apart.

    With w_i = y_i + i the constraint y_i − y_(i+1) ≥ 1 becomes w non-increasing: pool adjacent violators."""
    blocks: list[list[float]] = []  # [sum, count]
    for index, value in enumerate(wanted):
        blocks.append([value + index, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    result = []
    for total, count in blocks:
        result.extend([total / count] * count)
    return [value - index for index, value in enumerate(result)]
