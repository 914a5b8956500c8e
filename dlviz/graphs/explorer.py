"""The graph explorer's work: build TensorFlow graphs of any model, fold, collapse, search, trace, export."""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from dlviz.graphs import tfgraph
from dlviz.runtime import keras, tf

BUILTIN = {
    "ResNet50": ("ResNet50", (224, 224, 3)),
    "MobileNetV2": ("MobileNetV2", (224, 224, 3)),
    "VGG16": ("VGG16", (224, 224, 3)),
    "DenseNet121": ("DenseNet121", (224, 224, 3)),
}
VIEWS = {"layer": "Keras layers", "op": "Inference op graph", "train": "Training-step op graph"}
MAX_SEARCH_CHARS = 200


class ExplorerError(ValueError):
    """A request the explorer cannot honour, explained."""


def builtin_model(name: str) -> Any:
    """A Keras application's architecture with random weights: no download is ever needed."""
    if name not in BUILTIN:
        raise ExplorerError(f"Unknown architecture {name!r}; choose one of {', '.join(BUILTIN)}.")
    constructor, shape = BUILTIN[name]
    return getattr(keras.applications, constructor)(weights=None, input_shape=shape)


@dataclass
class BuiltGraph:
    """A model's graph in one view, with what the exports need."""

    graph: nx.DiGraph
    view: str
    graph_data: Any = None  # the tf.Graph or GraphDef behind an op view, for the TensorBoard export
    seconds: float = 0.0


def build(model: Any, view: str) -> BuiltGraph:
    """The layer graph, the inference op graph or the training-step op graph of a Keras model."""
    import time

    started = time.perf_counter()
    if view == "layer":
        return BuiltGraph(tfgraph.keras_layer_graph(model), view, None, time.perf_counter() - started)
    if view not in ("op", "train"):
        raise ExplorerError(f"Choose a view from: {', '.join(VIEWS)}.")
    function = tfgraph.trace_keras(model, training=view == "train")
    return BuiltGraph(tfgraph.from_function_graph(function.graph), view, function.graph, time.perf_counter() - started)


@dataclass
class View:
    """What the page draws: the graph as shown, its layout, and the highlighted nodes."""

    graph: nx.DiGraph
    positions: dict[str, tuple[float, float]]
    highlighted: set[str] = field(default_factory=set)
    matches: list[str] = field(default_factory=list)
    search_error: str = ""


def prepare(graph: nx.DiGraph, *, fold: bool, collapsed: bool, expanded: set[str], search: str = "",
            selected: str | None = None, trace: str = "none") -> View:
    """Fold plumbing, collapse scopes, lay out, and highlight search hits or the selected node's lineage."""
    full = tfgraph.fold_plumbing(graph) if fold else graph
    shown = tfgraph.collapse(full, expanded) if collapsed else full
    positions = tfgraph.layout(shown, wrap=12 if shown.number_of_nodes() > 60 else None)
    view = View(shown, positions)
    if search:
        try:
            # Search every op, then light up the scope each hit is folded into.
            view.matches = search_nodes(full, search)
            groups = shown.graph.get("groups", {})
            view.highlighted = {groups.get(node, node) for node in view.matches}
        except ExplorerError as error:
            view.search_error = str(error)
    if selected in shown and trace != "none":
        lineage = nx.ancestors(shown, selected) if trace == "inputs" else nx.descendants(shown, selected)
        view.highlighted = lineage | {selected}
    return view


def search_nodes(graph: nx.DiGraph, pattern: str) -> list[str]:
    """Nodes whose name or op type matches a regular expression (case-insensitive)."""
    if len(pattern) > MAX_SEARCH_CHARS:
        raise ExplorerError(f"Search for at most {MAX_SEARCH_CHARS} characters.")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ExplorerError(f"'{pattern}' is not a valid regular expression ({error.msg}).") from None
    return [node for node, data in graph.nodes(data=True)
            if compiled.search(node) or compiled.search(str(data.get("op", "")))]


def node_details(graph: nx.DiGraph, node: str) -> dict[str, Any]:
    """Everything the inspector lists for one node."""
    data = dict(graph.nodes[node])
    details = {"name": node, **{key: value for key, value in data.items() if key not in ("label", "folded")}}
    details["inputs"] = [f"{source}  {graph.edges[source, node].get('label', '')}".strip() for source in graph.predecessors(node)]
    details["outputs"] = [f"{target}  {graph.edges[node, target].get('label', '')}".strip() for target in graph.successors(node)]
    if data.get("folded"):
        details["folded in"] = data["folded"]
    return details


# -- exports -----------------------------------------------------------------------------------
def _plain(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy whose attributes are strings or numbers, as GraphML and JSON need."""
    plain = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        plain.add_node(node, **{k: v if isinstance(v, int | float | str) else json.dumps(v, default=str) for k, v in data.items()})
    for source, target, data in graph.edges(data=True):
        plain.add_edge(source, target, **{k: v if isinstance(v, int | float | str) else str(v) for k, v in data.items()})
    return plain


def to_graphml(graph: nx.DiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(_plain(graph), buffer)
    return buffer.getvalue()


def to_json(graph: nx.DiGraph) -> str:
    return json.dumps(nx.node_link_data(_plain(graph), edges="edges"))


def to_dot(graph: nx.DiGraph) -> str:
    """Graphviz DOT text, left to right, labelled with op types."""
    def quote(text: str) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph dlviz {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    lines += [f"  {quote(node)} [label={quote(str(data.get('label', node)))}];" for node, data in graph.nodes(data=True)]
    lines += [f"  {quote(a)} -> {quote(b)};" for a, b in graph.edges]
    return "\n".join(lines + ["}"]) + "\n"


def tensorboard_zip(graph_data: Any) -> bytes:
    """A zipped TensorBoard log directory holding a graph (a tf.Graph or GraphDef); open with `tensorboard --logdir`."""
    if graph_data is None:
        raise ExplorerError("The TensorBoard export needs an op graph view (inference or training step).")
    with tempfile.TemporaryDirectory() as folder:
        writer = tf.summary.create_file_writer(folder)
        with writer.as_default():
            tf.summary.graph(graph_data)
        writer.flush()
        writer.close()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in Path(folder).rglob("*"):
                if path.is_file():
                    archive.write(path, Path("dlviz_logs") / path.relative_to(folder))
        return buffer.getvalue()
