"""The CNN page's layer editor: one card per layer, presets, and adding a layer where it fits."""

import uuid

import pandas as pd
import streamlit as st

from dlviz.cnn import architecture
from dlviz.cnn.architecture import LayerSpec
from dlviz.text import markdown_safe
from views._model_links import layer_links

SETTING_WIDGETS = {
    "filters": lambda label, value, key: st.number_input(label, 1, 256, int(value), key=key),
    "units": lambda label, value, key: st.number_input(label, 1, 1024, int(value), key=key),
    "kernel": lambda label, value, key: st.number_input(label, 1, 11, int(value), key=key),
    "pool": lambda label, value, key: st.number_input(label, 1, 8, int(value), key=key),
    "stride": lambda label, value, key: st.number_input(label, 1, 8, int(value), key=key),
    "padding": lambda label, value, key: st.selectbox(label, architecture.PADDINGS, architecture.PADDINGS.index(value), key=key),
    "activation": lambda label, value, key: st.selectbox(label, architecture.ACTIVATIONS, architecture.ACTIVATIONS.index(value), key=key),
    "rate": lambda label, value, key: st.number_input(label, 0.0, 0.9, float(value), 0.05, key=key),
}
AUTO = "where it fits"


def with_ids(specs: list[LayerSpec]) -> list[tuple[str, LayerSpec]]:
    """Each layer with an id of its own, so its widgets keep their state when layers move."""
    return [(uuid.uuid4().hex[:8], spec) for spec in specs]


def load_preset() -> None:
    st.session_state.stack = with_ids(architecture.PRESETS[st.session_state.layer_preset])


def move(index: int, step: int) -> None:
    stack = st.session_state.stack
    target = index + step
    if 0 <= target < len(stack):
        stack[index], stack[target] = stack[target], stack[index]


def remove(index: int) -> None:
    del st.session_state.stack[index]


def add_layer() -> None:
    kind, where = st.session_state.new_layer, st.session_state.new_layer_position
    layers = [spec for _, spec in st.session_state.stack]
    index = architecture.insertion_index(layers, kind) if where == AUTO else int(where) - 1
    st.session_state.stack.insert(index, *with_ids([architecture.layer(kind)]))


def edit_stack(input_shape: tuple[int, ...], num_classes: int) -> list[LayerSpec]:
    """Draw the layer cards with what each does to the shape; returns the stack as edited."""
    st.session_state.setdefault("stack", with_ids(architecture.default_layers()))
    preset_column, load_column = st.columns([3, 1], vertical_alignment="bottom")
    st.session_state.setdefault("layer_preset", architecture.DEFAULT_PRESET)
    preset_column.selectbox("Preset", list(architecture.PRESETS), key="layer_preset")
    load_column.button("Load", on_click=load_preset, key="load_preset")
    st.caption(f"Input {input_shape} →")
    edited, notes = [], []
    for index, (uid, spec) in enumerate(st.session_state.stack):
        with st.container(border=True):
            title, up, down, close = st.columns([5, 1, 1, 1], vertical_alignment="center")
            title.markdown(f"**{index + 1}. {spec.kind}**")
            up.button(":material/arrow_upward:", key=f"{uid}_up", on_click=move, args=(index, -1), help="Move up")
            down.button(":material/arrow_downward:", key=f"{uid}_down", on_click=move, args=(index, 1), help="Move down")
            close.button(":material/close:", key=f"{uid}_remove", on_click=remove, args=(index,), help="Remove")
            settings = list(architecture.DEFAULTS[spec.kind])
            params = {}
            widths = [1.4 if key in ("padding", "activation") else 1 for key in settings] or [1]
            for column, key in zip(st.columns(widths), settings):
                with column:
                    params[key] = SETTING_WIDGETS[key](key, spec.setting(key), f"{uid}_{key}")
            notes.append(st.empty())  # filled below with what this layer does to the shape
            trained = st.session_state.get("current_model")
            if trained is not None and architecture.layer_name(index + 1, spec) in [layer.name for layer in trained.model.layers]:
                layer_links("CNN", architecture.layer_name(index + 1, spec))  # this layer of the trained model elsewhere
            edited.append((uid, LayerSpec(spec.kind, params)))
    st.session_state.stack = edited
    kind_column, where_column, add_column = st.columns([3, 2, 1], vertical_alignment="bottom")
    kind_column.selectbox("Add a layer", architecture.KINDS, key="new_layer")
    where_column.selectbox("at position", [AUTO, *range(1, len(edited) + 2)], key="new_layer_position",
                           help="Convolution and pooling go before the Flatten, dense layers after it.")
    add_column.button("Add", on_click=add_layer, key="add_layer")
    st.caption(f"→ Dense {num_classes} softmax (the output layer, one unit per class)")
    layers = [spec for _, spec in edited]
    st.session_state.layer_notes = notes
    return layers


def shape_table(layers: list[LayerSpec], input_shape: tuple[int, ...], num_classes: int) -> architecture.Summary:
    """The live table of shapes and parameters; a layer that does not fit is marked, and the rows before it stay."""
    summary = architecture.walk(layers, input_shape, num_classes)
    notes = st.session_state.get("layer_notes", [])
    for note, row in zip(notes, summary.rows):
        note.caption(f"→ **{' × '.join(map(str, row.output_shape))}** · {row.formula}")
    if summary.error is not None:
        st.error(f"**This stack cannot work.** {markdown_safe(summary.error.message)}")
        failing = summary.failing_layer
        if failing is not None and failing <= len(notes):
            notes[failing - 1].error(markdown_safe(summary.error.message), icon=":material/block:")
    table = [{"#": r.index, "layer": r.label, "output shape": " × ".join(map(str, r.output_shape)),
              "parameters": r.parameters} for r in summary.rows]
    if summary.failing_layer is not None and summary.failing_layer == len(summary.rows) + 1:
        table.append({"#": summary.failing_layer, "layer": f"✗ {layers[summary.failing_layer - 1].label()}",
                      "output shape": "does not fit", "parameters": "—"})
    if table:
        st.dataframe(pd.DataFrame(table), hide_index=True, key="shape_table")
    if summary.error is None:
        st.markdown(f"**Total parameters: {sum(r.parameters for r in summary.rows):,}**")
    st.caption("Each layer's card shows its arithmetic. Convolution and pooling output size: "
               "out = floor((in + 2·pad − kernel) / stride) + 1; with padding='same' Keras pads so that "
               "out = ceil(in / stride).")
    upto = None if summary.error is None else len(summary.rows)
    with st.expander("The same model as Keras code" + (" (up to the layer that does not fit)" if upto is not None else "")):
        st.code(architecture.keras_code(layers, input_shape, num_classes, upto=upto), language="python")
    return summary
