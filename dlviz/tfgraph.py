"""TensorFlow's own graphs as `networkx.DiGraph`s, and a layered left-to-right layout for any DAG."""

from __future__ import annotations

from typing import Any

import networkx as nx

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
    import tensorflow as tf

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


def layout(graph: nx.DiGraph, sweeps: int = 4) -> dict[Any, tuple[float, float]]:
    """Left-to-right layered positions; barycentre sweeps reduce edge crossings."""
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
    for x, column in enumerate(columns):
        offset = (len(column) - 1) / 2
        for index, node in enumerate(column):
            positions[node] = (float(x), float(offset - index))
    return positions
