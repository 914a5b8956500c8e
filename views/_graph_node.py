"""The graphs page's side panel: the selected node's details, its layer's output for a test image, and exports."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dlviz.cnn import inspect
from dlviz.data import datasets
from dlviz.figures import inspect as inspect_figures
from dlviz.graphs import explorer
from dlviz.text import markdown_safe
from views._graph_parts import Target
from views._model_links import layer_links
from views._projector import chart
from views._resources import shipped_dataset


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
