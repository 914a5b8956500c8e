"""The TensorFlow graphs page's parts: which model and view, state kept per model and view, the node panel.

Everything derived from a graph (open groups, the selected node, a linked layer, a TensorBoard export) lives in a
state keyed by the model, the view and the source it came from, never by a widget alone: switching model or view
starts from that graph's own state, and nothing from another graph remains.
"""

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from dlviz import links
from dlviz.cnn import inspect
from dlviz.data import datasets, modelio
from dlviz.figures import inspect as inspect_figures
from dlviz.graphs import explorer
from dlviz.text import markdown_safe
from views._model_links import DEMO, layer_links
from views._models import session_models
from views._projector import chart
from views._resources import (
    builtin_graph,
    builtin_graphs_ready,
    demo_graph,
    demo_model,
    prepare_builtin_graphs,
    shipped_dataset,
)
from views._uploads import uploaded_model

BUILTIN = "Built-in architecture"
PLAYGROUND = "Your playground program"
UPLOAD = "Upload a .keras model"
LINK = {"model": links.Param(max_length=80), "arch": links.Param(list(explorer.BUILTIN)),
        "view": links.Param(list(explorer.VIEWS)), "layer": links.Param(max_length=200),
        "class": links.Param(minimum=0, maximum=999), "index": links.Param(minimum=0, maximum=99_999)}
KEPT_STATES = 8


@dataclass
class Target:
    """One model (or program) in one view: its graph, and what its state is keyed by."""

    source: str
    view: str
    built: explorer.BuiltGraph
    key: tuple
    owner: object = None  # the model or program the state belongs to (checked by identity)
    model_name: str | None = None  # ?model= for a session model or the demo
    arch: str | None = None
    current: modelio.CurrentModel | None = None

    @property
    def token(self) -> str:
        return hashlib.sha1(repr(self.key).encode()).hexdigest()[:10]


def sources() -> list[str]:
    """Every model of this session by name, the demo, the built-in architectures, the playground program, an upload."""
    analysis = st.session_state.get("analysis")
    playground = [PLAYGROUND] if analysis is not None and analysis.ok else []
    return [*session_models(), DEMO, BUILTIN, *playground, UPLOAD]


def apply_link(link: dict, options: list[str]) -> None:
    """Point the widgets at what a followed link names; what does not fit here is said, and the default kept."""
    model = link.get("model")
    if model is not None:
        if model in options and model not in (BUILTIN, PLAYGROUND, UPLOAD):
            st.session_state.graph_source = model
        else:
            st.warning(f"The link's model '{markdown_safe(model, 80)}' is not in this session (models are each "
                       "visitor's own); choose one below.")
    if "arch" in link:
        st.session_state.graph_source, st.session_state.graph_builtin = BUILTIN, link["arch"]
    if "view" in link:
        st.session_state.graph_view = link["view"]
    if "layer" in link:
        st.session_state.graph_pending_layer = link["layer"]
    if "class" in link or "index" in link:
        st.session_state.graph_input_on = True
        st.session_state.graph_pending_input = (link.get("class", 0), link.get("index", 0))


def prepare_builtins(view: str) -> None:
    """Build every built-in architecture in this view (then the others) in the background, and say how far it is."""
    prepare_builtin_graphs([view, *[other for other in ("layer", "op") if other != view]])
    total = len(explorer.BUILTIN)

    @st.fragment(run_every=2.0 if len(builtin_graphs_ready(view)) < total else None)
    def progress() -> None:
        ready = builtin_graphs_ready(view)
        if len(ready) < total:
            st.progress(len(ready) / total, text=f"Preparing the built-in architectures in the background for this "
                        f"view: {len(ready)} of {total} ready ({', '.join(ready) or 'building the first'}); choosing "
                        "one that is not ready waits for it.")

    progress()


def target(source: str, view: str) -> Target:
    """The graph to draw; an upload still missing or a model TensorFlow cannot trace stops the page with a message."""
    try:
        if source == BUILTIN:
            name = st.selectbox("Architecture", list(explorer.BUILTIN), key="graph_builtin")
            return Target(source, view, builtin_graph(name, view), ("builtin", name, view), arch=name)
        if source == PLAYGROUND:
            analysis = st.session_state.analysis
            built = _session_built(analysis, ("playground",), lambda: explorer.BuiltGraph(
                analysis.tf_graph, "op", analysis.results["graph"].graph_def))
            return Target(source, "op", built, ("playground", id(analysis)), analysis)
        if source == DEMO:
            current = demo_model()
            return Target(source, view, demo_graph(view), ("demo", view), model_name=DEMO, current=current)
        if source == UPLOAD:
            upload = st.file_uploader("A .keras file", type=["keras", "h5"], key="graph_upload")
            current = uploaded_model(upload, "graph_upload_model")  # read once, not on every rerun
            if current is None:
                st.info("Upload a Keras model (.keras) to see its graphs.")
                st.stop()
            name = None
        else:
            current, name = session_models()[source], source
        built = _session_built(current.model, (source, view), lambda: explorer.build(current.model, view))
        return Target(source, view, built, (source, id(current.model), view), current.model, name, current=current)
    except explorer.ExplorerError as error:
        st.error(f"**This graph cannot be drawn.** {markdown_safe(error, 500)}")
        st.stop()


def _session_built(owner, key: tuple, build) -> explorer.BuiltGraph:
    """A graph of this session's own model, built once per model and view (a few kept, the oldest dropped)."""
    cache = st.session_state.setdefault("graph_built", {})
    entry = cache.get(key)
    if entry is None or entry[0] is not owner:
        with st.spinner("Tracing the graph with TensorFlow…"):
            cache[key] = (owner, build())
        while len(cache) > KEPT_STATES:
            cache.pop(next(iter(cache)))
    return cache[key][1]


def state_for(chosen: Target) -> dict:
    """This graph's own state: open groups, selected node, linked layer, export; fresh for a new model."""
    states = st.session_state.setdefault("graph_states", {})
    state = states.get(chosen.token)
    if state is None or state["owner"] is not chosen.owner:
        state = {"owner": chosen.owner, "expanded": [], "selected": None, "focus": None, "tensorboard": None}
        states[chosen.token] = state
        while len(states) > KEPT_STATES:
            states.pop(next(iter(states)))
    layer = st.session_state.pop("graph_pending_layer", None)
    if layer is not None:
        nodes = explorer.layer_nodes(chosen.built, layer, fold=True) or explorer.layer_nodes(chosen.built, layer, fold=False)
        if nodes:
            state.update(focus=layer, selected=layer if chosen.view == "layer" else None)
        else:
            st.warning(f"The link's layer '{markdown_safe(layer, 80)}' is not in this graph; the whole graph is shown.")
    return state


@dataclass
class Input:
    image: np.ndarray
    label: int
    index: int


def activation_input(chosen: Target) -> Input | None:
    """A test image to show the selected layer's activation for, when the model is a CNN with a dataset."""
    current = chosen.current
    if current is None or chosen.view == "train" or not inspectable(current.model):
        return None
    dataset = current.dataset
    if dataset is None and current.dataset_name in datasets.SHIPPED:
        dataset = shipped_dataset(current.dataset_name)
    if dataset is None or tuple(dataset.input_shape) != inspect.image_shape(current.model):
        return None
    toggle, label_column, index_column = st.columns([2, 1, 1], vertical_alignment="bottom")
    if not toggle.toggle("Show the selected layer's output for a test image", key="graph_input_on"):
        return None
    pending = st.session_state.pop("graph_pending_input", None)
    if pending is not None and pending[0] < dataset.num_classes:
        st.session_state.graph_class = pending[0]
        st.session_state.graph_index = min(pending[1], int(np.sum(dataset.y_test == pending[0])) - 1)
    elif pending is not None:
        st.warning(f"The link's class {pending[0]} does not exist here ({dataset.num_classes} classes); class 0 is shown.")
    label = label_column.selectbox("Class", range(dataset.num_classes), format_func=lambda i: dataset.class_names[i],
                                   key="graph_class")
    candidates = np.flatnonzero(dataset.y_test == label)
    index = index_column.number_input("Test image", 0, len(candidates) - 1, 0, key="graph_index")
    return Input(dataset.x_test[candidates[int(index)]], int(label), int(index))


def node_panel(chosen: Target, graph, selected: str | None, layer: str | None, image: Input | None) -> None:
    """The selected node's details; for a layer, its output shape, its output for the chosen image, and links."""
    st.subheader("Node")
    if selected in graph:
        st.json(explorer.node_details(graph, selected), expanded=False)
    elif layer is None:
        st.caption("Click a node to see its op, attributes, inputs and outputs; click a group to open it.")
    model = chosen.current.model if chosen.current is not None else None
    if layer is None or model is None or layer not in [item.name for item in model.layers]:
        return
    try:
        shape = tuple(model.get_layer(layer).output.shape)
    except (AttributeError, ValueError):
        shape = None
    st.markdown(f"**Layer {markdown_safe(layer, 80)}** · output shape {markdown_safe(shape)}")
    extra = {"class": image.label, "index": image.index} if image is not None else None
    layer_links(chosen.model_name, layer, inspector=inspectable(model), graphs=chosen.view == "layer", extra=extra)
    if image is not None:
        cache = st.session_state.setdefault("graph_forward", {})
        key = (id(model), image.label, image.index)
        if cache.get("key") != key or cache.get("model") is not model:
            cache.update(key=key, model=model, passed=inspect.forward(model, image.image))
        output = cache["passed"].outputs.get(layer)
        if output is not None:
            figure = (inspect_figures.feature_maps_figure(output[..., :8], "map", title=f"{layer}: first maps", columns=8)
                      if output.ndim == 3 else inspect_figures.vector_figure(output[:64], f"{layer}: {output.size} values"))
            figure.update_layout(height=170 if output.ndim == 3 else 220)
            chart(figure, key=f"graph_thumbnail_{chosen.token}")


def inspectable(model) -> bool:
    try:
        inspect.check_model(model)
        return True
    except inspect.InspectError:
        return False


def exports(chosen: Target, state: dict, graph) -> None:
    """Downloads of the graph as shown; a TensorBoard log directory of this very graph, kept with its state."""
    st.subheader("Export")
    st.download_button("GraphML", explorer.to_graphml(graph), "dlviz_graph.graphml", key="export_graphml")
    st.download_button("DOT (Graphviz)", explorer.to_dot(graph), "dlviz_graph.dot", key="export_dot")
    st.download_button("Node-link JSON", explorer.to_json(graph), "dlviz_graph.json", key="export_json")
    if chosen.built.graph_data is not None:
        if st.button("Prepare a TensorBoard log directory", key=f"export_tb_prepare_{chosen.token}"):
            state["tensorboard"] = explorer.tensorboard_zip(chosen.built.graph_data)
        if state["tensorboard"]:
            st.download_button("TensorBoard logs (.zip)", state["tensorboard"], "dlviz_tensorboard.zip", key="export_tb")
            st.caption("Unzip, then run `tensorboard --logdir dlviz_logs` to compare with TensorBoard's own drawing.")
    st.caption("PNG: use the camera icon on the graph.")
