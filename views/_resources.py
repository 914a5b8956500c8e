"""Shared, read-only things every session may use, built once per server (never a user's own work).

Each goes through `dlviz.shared`: built once under a lock by whichever visitor (or the start-up
warm-up) asks first, never half-built, and a failed build is tried again by the next request.
"""

import uuid
from pathlib import Path

import streamlit as st

from dlviz import shared
from dlviz.cnn import inspect
from dlviz.data import datasets, modelio
from dlviz.graphs import explorer

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def shared_resource(key, build, message: str):
    """`shared.resource`, with a spinner saying `message` while it is first built."""
    if shared.ready(key):
        return shared.resource(key, build)
    with st.spinner(message):
        return shared.resource(key, build)


def shipped_dataset(name: str) -> datasets.Dataset:
    """A dataset that works offline (or from the Keras cache); never modified after loading."""
    return shared_resource(("dataset", name), lambda: datasets.load(name), f"Loading the {name} dataset…")


def shipped_shape_masks(name: str) -> tuple:
    """Where the shape is in each image of the shipped `shapes` or `shapes_rgb` (train, test), in their order."""
    return shared_resource(("shape_masks", name), lambda: datasets.shape_masks(rgb=name == "shapes_rgb"),
                   "Drawing the shapes' true outlines…")


def demo_model() -> modelio.CurrentModel:
    """The shipped demo model; only ever read (forward passes), never trained."""
    return shared_resource("demo_model", _load_demo, "Loading the demo model…")


def _load_demo() -> modelio.CurrentModel:
    demo = modelio.load_demo(ASSETS)
    dataset = shared.resource(("dataset", demo.dataset_name), lambda: datasets.load(demo.dataset_name))
    inspect.forward(demo.model, dataset.x_test[0])  # traces the one-pass extractor, so the first visitor does not wait
    return demo


def builtin_graph(name: str, view: str) -> explorer.BuiltGraph:
    """A built-in architecture's graph in one view (random weights, no download); traced, folded and grouped
    once per server, often already in the background (see `prepare_builtin_graphs`)."""
    return shared_resource(("builtin_graph", name, view), _builtin_build(name, view),
                   f"Building {name} and tracing its graph with TensorFlow…")


def _builtin_build(name: str, view: str):
    return lambda: explorer.build(_builtin_model(name), view).warm()


def prepare_builtin_graphs(views: list[str]) -> None:
    """Start building every built-in architecture in these views in the background (once per server), so that
    choosing one later draws at once; ResNet50 and the views asked first come first."""
    for view in views:
        for name in explorer.BUILTIN:
            shared.prepare(("builtin_graph", name, view), _builtin_build(name, view))


def builtin_graphs_ready(view: str) -> list[str]:
    """The built-in architectures whose graph in `view` is ready now."""
    return [name for name in explorer.BUILTIN if shared.ready(("builtin_graph", name, view))]


def demo_graph(view: str) -> explorer.BuiltGraph:
    """The demo model's graph in one view; traced once per server (the demo model is only ever read)."""
    return shared_resource(("demo_graph", view), lambda: explorer.build(demo_model().model, view).warm(),
                   "Tracing the demo model's graph with TensorFlow…")


def _builtin_model(name: str):
    return shared.resource(("builtin", name), lambda: explorer.builtin_model(name))  # shared and never trained


def warm_up() -> None:
    """Run by TensorFlow's loader thread once it is ready: prepare what the first visitors will ask for."""
    shared.resource("demo_model", _load_demo)


def session_owner() -> str:
    """A stable id for this browser session, so the training queue can share places fairly between visitors."""
    return st.session_state.setdefault("session_owner", uuid.uuid4().hex)
