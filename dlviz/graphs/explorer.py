"""The graph explorer's work: build TensorFlow graphs of any model, fold, group, search, trace, link, export."""

from __future__ import annotations

import io
import json
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import re2

from dlviz.graphs import hierarchy, tfgraph
from dlviz.runtime import keras, tf

BUILTIN = {
    "ResNet50": ("ResNet50", (224, 224, 3)),
    "MobileNetV2": ("MobileNetV2", (224, 224, 3)),
    "VGG16": ("VGG16", (224, 224, 3)),
    "DenseNet121": ("DenseNet121", (224, 224, 3)),
}
VIEWS = {"layer": "Keras layers", "op": "Inference op graph", "train": "Training-step op graph"}
MAX_SEARCH_CHARS = 100
_TRACE_FAILURES = (ValueError, TypeError, NotImplementedError, KeyError, AttributeError, IndexError)


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
    """A model's graph in one view, with what the exports need; the folded graph is made once and kept."""

    graph: nx.DiGraph
    view: str
    graph_data: Any = None  # the tf.Graph or GraphDef behind an op view, for the TensorBoard export
    seconds: float = 0.0
    loss: str = ""  # the loss a training-step view was traced with
    layer_scopes: dict[str, str] = field(default_factory=dict)  # Keras layer -> its name scope in an op view
    _folded: nx.DiGraph | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def shown(self, fold: bool) -> nx.DiGraph:
        """The graph as drawn before grouping: with variable plumbing folded into the ops that use it, or raw."""
        if not fold:
            return self.graph
        with self._lock:
            if self._folded is None:
                self._folded = tfgraph.fold_plumbing(self.graph)
            return self._folded

    def warm(self) -> BuiltGraph:
        """Fold and group now (shared graphs do this once, in the background, before anyone asks)."""
        for fold in (True, False) if self.view != "layer" else (False,):
            hierarchy.of(self.shown(fold))
        return self


def build(model: Any, view: str) -> BuiltGraph:
    """The layer graph, the inference op graph or the training-step op graph of a Keras model.

    Whatever TensorFlow cannot trace (a model that was never built, a training step without weights or with
    several outputs) is explained in an ExplorerError, never a traceback."""
    started = time.perf_counter()
    if view not in VIEWS:
        raise ExplorerError(f"Choose a view from: {', '.join(VIEWS)}.")
    if not hasattr(model, "layers") or not hasattr(model, "inputs"):
        raise ExplorerError("This is not a Keras model, so TensorFlow has no graph of it to show.")
    if view == "layer":
        return BuiltGraph(tfgraph.keras_layer_graph(model), view, None, time.perf_counter() - started)
    try:
        function = tfgraph.trace_keras(model, training=view == "train")
    except tfgraph.TraceError as error:
        raise ExplorerError(str(error)) from None
    except (*_TRACE_FAILURES, tf.errors.OpError) as error:
        raise ExplorerError(f"TensorFlow could not trace this model ({type(error).__name__}: {str(error)[:200]}).") from None
    graph = tfgraph.from_function_graph(function.graph)
    loss = tfgraph.training_loss(model)[0] if view == "train" else ""
    scopes = tfgraph.layer_scopes(graph, [layer.name for layer in model.layers])
    return BuiltGraph(graph, view, function.graph, time.perf_counter() - started, loss, scopes)


@dataclass
class View:
    """What the page draws: the graph as shown, its layout, and the highlighted nodes."""

    graph: nx.DiGraph
    positions: dict[str, tuple[float, float]]
    highlighted: set[str] = field(default_factory=set)
    matches: list[str] = field(default_factory=list)
    search_error: str = ""
    routes: dict[tuple[str, str], list[tuple[float, float]]] = field(default_factory=dict)
    direction: str = "right"
    expanded: set[str] = field(default_factory=set)  # the groups open in this view, including those that opened by themselves
    folded_groups: list[str] = field(default_factory=list)  # groups shown closed, which a click opens
    open_groups: list[str] = field(default_factory=list)  # groups shown open, which a click on "close" folds again


def prepare(graph: nx.DiGraph | BuiltGraph, *, fold: bool, collapsed: bool, expanded: set[str], search: str = "",
            selected: str | None = None, trace: str = "none", focus: list[str] | None = None) -> View:
    """Fold plumbing, group, lay out, and highlight search hits, the selected node's lineage or `focus`.

    `focus` (the ops of a linked layer, say) opens the groups around those nodes and lights them up."""
    full = graph.shown(fold) if isinstance(graph, BuiltGraph) else (tfgraph.fold_plumbing(graph) if fold else graph)
    focus = [node for node in focus or [] if node in full]
    if collapsed:
        tree = hierarchy.of(full)
        shown = tfgraph.collapse(full, set(expanded) | hierarchy.open_to(tree, focus))
        opened = shown.graph["expanded"]
    else:
        shown, opened = full, set()
    arrangement = tfgraph.arrange(shown)
    view = View(shown, arrangement.positions, routes=arrangement.routes, direction=arrangement.direction, expanded=opened)
    if collapsed:
        view.folded_groups = [node for node in shown if node in tree.groups]
        view.open_groups = sorted(opened, key=lambda group: (group.count("/"), group))
    groups = shown.graph.get("groups", {})
    if focus:
        view.highlighted = {groups.get(node, node) for node in focus}
    if search:
        try:
            view.matches = search_nodes(full, search)  # every op is searched; a hit lights up the group it is in
            view.highlighted = {groups.get(node, node) for node in view.matches}
        except ExplorerError as error:
            view.search_error = str(error)
    if selected in shown and trace != "none":
        lineage = nx.ancestors(shown, selected) if trace == "inputs" else nx.descendants(shown, selected)
        view.highlighted = lineage | {selected}
    return view


def search_nodes(graph: nx.DiGraph, pattern: str) -> list[str]:
    """Nodes whose name or op type matches a regular expression (case-insensitive).

    Matching uses RE2, whose time grows linearly with the text whatever the pattern (Python's `re` can take
    minutes on a pattern such as `(.*.*.*.*.*.*.*)Z`, holding the interpreter for every visitor); RE2 has no
    look-around or back-references and refuses repetitions over 1000."""
    if len(pattern) > MAX_SEARCH_CHARS:
        raise ExplorerError(f"Search for at most {MAX_SEARCH_CHARS} characters.")
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0].decode(errors="replace") if error.args and isinstance(error.args[0], bytes) else str(error)
        raise ExplorerError(f"This search is not a valid regular expression ({reason.split(':')[0]}). Plain words "
                            "work, and so do `.`, `*`, `|`, `[…]` and `^…$`; look-arounds and back-references do not.") from None
    return [node for node, data in graph.nodes(data=True)
            if compiled.search(node) or compiled.search(str(data.get("op", "")))]


def layer_nodes(built: BuiltGraph, layer: str, fold: bool) -> list[str]:
    """The nodes that stand for one Keras layer in this view: the layer itself, or its ops (with their gradients)."""
    graph = built.shown(fold)
    if built.view == "layer":
        return [layer] if layer in graph else []
    scope = built.layer_scopes.get(layer)
    return tfgraph.layer_ops(graph, scope) if scope else []


def layer_at(built: BuiltGraph, node: str | None) -> str | None:
    """The Keras layer a shown node belongs to (a layer, one of its ops, or its scope), if any."""
    if node is None:
        return None
    if built.view == "layer":
        return node if node in built.graph else None
    return tfgraph.layer_of(node, built.layer_scopes)


def node_details(graph: nx.DiGraph, node: str) -> dict[str, Any]:
    """Everything the inspector lists for one node."""
    data = dict(graph.nodes[node])
    details = {"name": node, **{key: value for key, value in data.items() if key not in ("label", "folded", "variables")}}
    if data.get("variables"):
        details["variables read"] = {name.rsplit("/", 1)[-1]: size for name, size in data["variables"].items()}
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
