"""The recurrent page's data picker, model settings and shape table (the page script stays a table of contents)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dlviz.data import datasets, sequences
from dlviz.networks import recurrent
from dlviz.text import markdown_safe
from views._resources import shared_resource
from views._uploads import uploaded_images

OWN_IMAGES = "Your own images (zip or .npz)"
OWN_TEXT = "Your own text (paste or upload)"
# Sensible starting points per task; picking a task loads them (every one can then be changed).
DEFAULTS = {
    "forecast": {"rnn_cell": "lstm", "rnn_units": 16, "rnn_layers": 1, "rnn_window": 12, "rnn_epochs": 50,
                 "rnn_batch": 16, "rnn_lr": 0.003},
    "classify": {"rnn_cell": "lstm", "rnn_units": 64, "rnn_layers": 1, "rnn_epochs": 25, "rnn_batch": 32,
                 "rnn_lr": 0.003},
    "next_char": {"rnn_cell": "lstm", "rnn_units": 128, "rnn_layers": 1, "rnn_window": 64, "rnn_epochs": 4,
                  "rnn_batch": 64, "rnn_lr": 0.003},
}


KEPT = ("rnn_cell", "rnn_units", "rnn_layers", "rnn_window", "rnn_epochs", "rnn_batch", "rnn_lr")


def load_defaults() -> None:
    """On a change of task: that task's default model and training settings."""
    st.session_state.update(DEFAULTS[st.session_state.rnn_task])


def restore_settings() -> None:
    """Streamlit forgets a widget's value in a run that does not draw it (the window, while classifying); every
    setting is kept in a plain dictionary too and put back."""
    kept = st.session_state.setdefault("rnn_kept", {})
    for key in KEPT:
        if key not in st.session_state and key in kept:
            st.session_state[key] = kept[key]


def remember_settings() -> None:
    kept = st.session_state.setdefault("rnn_kept", {})
    kept.update({key: st.session_state[key] for key in KEPT if key in st.session_state})


def apply_link(link: dict) -> None:
    """A shared link's task, data and model settings, set before the widgets are drawn."""
    if "task" in link:
        st.session_state.rnn_task = link["task"]
    st.session_state.setdefault("rnn_task", "forecast")
    if not st.session_state.get("rnn_defaults_loaded"):
        st.session_state.rnn_defaults_loaded = True
        load_defaults()
    if "data" in link:
        task = st.session_state.rnn_task
        if link["data"] in sequences.available()[task]:
            st.session_state[f"rnn_data_{task}"] = link["data"]
        else:
            st.warning(f"The link's data '{markdown_safe(link['data'], 40)}' is not a {sequences.TASKS[task].lower()} "
                       "set; the default is used instead.")
    for name in ("cell", "units", "layers", "window"):
        if name in link:
            st.session_state[f"rnn_{name}"] = link[name]


def _shipped(name: str, window: int | None, period: int) -> sequences.SequenceDataset:
    return shared_resource(("sequences", name, window, period), lambda: sequences.load(name, window, period=period),
                           f"Preparing the {name} sequences…")


def _own_images() -> sequences.SequenceDataset | None:
    images = uploaded_images("rnn_user_images", sequences.from_images, (sequences.SequenceError,))
    if images is None:
        st.info("Upload a zip (one folder of images per class) or an .npz; each image is read row by row.")
    return images


def _own_text(window: int) -> sequences.SequenceDataset | None:
    pasted = st.text_area("Paste text (plain text, at least 2,000 characters)", key="rnn_text_paste", height=120)
    upload = st.file_uploader("…or upload a plain-text file (UTF-8, at most 2 MB)", type=["txt", "md", "csv"],
                              key="rnn_text_upload")
    source, raw = None, None
    if upload is not None:
        source, raw = upload.name, upload.getvalue()
    elif pasted.strip():
        source, raw = "your pasted text", pasted.encode("utf-8")
    if raw is not None:
        key = (hashlib.sha256(raw).hexdigest(), window)
        if st.session_state.get("rnn_text_key") != key:
            try:
                st.session_state.rnn_user_text = sequences.from_text(sequences.read_text(raw), "your text", window)
                st.session_state.rnn_text_key = key
            except sequences.SequenceError as error:
                st.error(f"**{markdown_safe(source, 80)}** cannot be used: {markdown_safe(error)}")
    if st.session_state.get("rnn_user_text") is None:
        st.info("Paste or upload some English (or any) text; the model learns to predict its next character.")
    return st.session_state.get("rnn_user_text")


def data_picker() -> sequences.SequenceDataset | None:
    """The task, the data for it and its window; None (with the reason shown) when there is nothing to use yet."""
    task = st.radio("Task", list(sequences.TASKS), format_func=sequences.TASKS.get, horizontal=True,
                    key="rnn_task", on_change=load_defaults)
    names = list(sequences.available()[task]) + ({"classify": [OWN_IMAGES], "next_char": [OWN_TEXT]}.get(task, []))
    name_column, window_column, period_column = st.columns([3, 1, 1])
    name = name_column.selectbox("Data", names, key=f"rnn_data_{task}")
    if task == "classify" and sequences.unavailable():
        with name_column.expander("More data (IMDB reviews) needs a one-time download"):
            for how in sequences.unavailable().values():
                st.caption(how)
    window, period = None, 20
    if task != "classify":
        window = int(window_column.number_input("Window (time steps)", 1, sequences.MAX_WINDOW, key="rnn_window",
                                                help="How many steps the network reads before it answers."))
    if name == "sine":
        period = int(period_column.number_input("Period", 2, 200, 20, key="rnn_period"))
    try:
        if name == OWN_IMAGES:
            return _own_images()
        if name == OWN_TEXT:
            return _own_text(window or 64)
        return _shipped(name, window, period)
    except (sequences.SequenceError, datasets.DatasetError) as error:
        st.error(f"**These settings cannot make sequences.** {markdown_safe(error)}")
        return None


def describe(data: sequences.SequenceDataset) -> None:
    """One line on the data and its split, and any notices."""
    st.caption(data.description)
    sizes = f"{len(data.x_train):,} training, {len(data.x_val):,} validation and {len(data.x_test):,} test sequences"
    if data.task == "forecast":
        first, second = data.boundaries
        st.write(f"{sizes} of {data.window} steps. Split in time order at {data.times[first]} and {data.times[second]}; "
                 "scaled with the training part's mean and spread only, so nothing from the future leaks in.")
    elif data.task == "next_char":
        st.write(f"{sizes} of {data.window} characters, {data.num_classes} different characters.")
    elif data.vocabulary:
        st.write(f"{sizes}: {data.input_shape[0]} words each, {data.vocabulary:,} different words, "
                 f"{data.num_classes} classes.")
    else:
        st.write(f"{sizes}: {data.input_shape[0]} steps of {data.input_shape[1]} values, {data.num_classes} classes.")
    for notice in data.notices:
        st.warning(markdown_safe(notice))


def model_settings() -> dict:
    """Cell, units and layers (drawn even while there is no data, so they are never lost)."""
    columns = st.columns(3)
    cell = columns[0].selectbox("Cell", list(recurrent.CELLS), format_func=recurrent.CELLS.get, key="rnn_cell")
    units = int(columns[1].number_input("Units", 1, recurrent.MAX_UNITS, key="rnn_units"))
    layers = int(columns[2].number_input("Recurrent layers", 1, recurrent.MAX_LAYERS, key="rnn_layers"))
    return {"cell": cell, "units": units, "layers": layers}


def settings_for(data: sequences.SequenceDataset, choices: dict) -> dict:
    """Everything `recurrent.build` needs for this data."""
    outputs = 1 if data.task == "forecast" else data.num_classes
    return {"task": data.task, "input_shape": data.input_shape, "outputs": outputs, "vocabulary": data.vocabulary,
            **choices}


def shape_table(settings: dict) -> list[recurrent.LayerRow] | None:
    """Every layer's tensors per time step, output shape and parameter formula; None with the reason if it cannot work."""
    try:
        rows = recurrent.summarise(**settings)
    except recurrent.RecurrentError as error:
        st.error(f"**This model cannot work.** {markdown_safe(error)}")
        return None
    st.dataframe(pd.DataFrame([{"layer": row.name, "kind": row.kind, "one time step": row.step_tensors,
                                "output shape": " × ".join(map(str, row.output_shape)), "parameters": row.parameters,
                                "formula": row.formula} for row in rows]), hide_index=True, key="rnn_shape_table")
    st.markdown(f"**Total parameters: {sum(row.parameters for row in rows):,}.** The same weights are used at every "
                "time step: a longer sequence costs more time, never more parameters. Each gate of a cell has a kernel "
                "for the input, a recurrent kernel for the previous hidden state and a bias, hence "
                "gates × (units × (units + inputs) + units): 1 gate for SimpleRNN, 4 for LSTM, 3 for GRU "
                "(whose recurrent part has its own bias in Keras 3).")
    with st.expander("The same model as Keras code"):
        st.code(recurrent.keras_code(**settings), language="python")
    return rows
