"""The TensorFlow graphs page's parts: which model and view, and the state kept per model and view.

Everything derived from a graph (open groups, the selected node, a linked layer, a TensorBoard export) lives in a
state keyed by the model, the view and the source it came from, never by a widget alone: switching model or view
starts from that graph's own state, and nothing from another graph remains.
"""

import hashlib
from dataclasses import dataclass

import streamlit as st

from dlviz import links
from dlviz.data import modelio
from dlviz.graphs import explorer
from dlviz.text import markdown_safe
from views._model_links import DEMO
from views._models import session_models
from views._resources import (
    builtin_graph,
    builtin_graphs_ready,
    demo_graph,
    demo_model,
    prepare_builtin_graphs,
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
