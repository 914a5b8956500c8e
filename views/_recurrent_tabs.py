"""The recurrent page's sample picker and its "Unrolled" and "Hidden state over time" tabs."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dlviz.data import sequences
from dlviz.figures import graph as graph_figures
from dlviz.figures import recurrent as figures
from dlviz.graphs import explorer
from dlviz.networks import recurrent
from dlviz.text import markdown_safe
from views._projector import chart

MAX_TYPED = 300


@dataclass(frozen=True)
class Sample:
    """One sequence to look at: what the model reads, the right answer, and how to show each step."""

    sequence: np.ndarray  # as the model takes it
    target: object  # the value, class or next character after the last step
    shown: np.ndarray  # what to draw under a heatmap (series values, pixel rows, or character ids)
    labels: list[str] | None  # characters, for text
    title: str


def _within(key: str, highest: int) -> None:
    """A number kept from an earlier model may not fit this one (fewer test sequences, fewer units): bring it in."""
    if st.session_state.get(key, 0) > highest:
        st.session_state[key] = highest


def sample_picker(data: sequences.SequenceDataset) -> Sample:
    """A test sequence (or, for text, one the user types) for every tab below."""
    if data.task == "classify":
        class_column, index_column = st.columns(2)
        label = class_column.selectbox("Class", range(data.num_classes), format_func=lambda i: data.class_names[i],
                                       key="rnn_sample_class")
        candidates = np.flatnonzero(data.y_test == label)
        if len(candidates) == 0:
            st.warning("This class has no test sequence; showing the first test sequence instead.")
            candidates = np.arange(len(data.y_test))
        _within("rnn_sample_index", len(candidates) - 1)
        index = int(index_column.number_input("Test sequence of this class", 0, len(candidates) - 1, 0, key="rnn_sample_index"))
        chosen = candidates[min(index, len(candidates) - 1)]
        words = [data.tokens[int(i)] for i in data.x_test[chosen]] if data.tokens else None
        return Sample(data.x_test[chosen], int(data.y_test[chosen]), data.x_test[chosen], words,
                      f"test image {chosen}, class {data.class_names[int(data.y_test[chosen])]}")
    _within("rnn_sample_window", len(data.x_test) - 1)
    index = int(st.number_input("Test sequence", 0, len(data.x_test) - 1, 0, key="rnn_sample_window"))
    if data.task == "forecast":
        shown = data.unscale(data.x_test[index][:, 0])
        return Sample(data.x_test[index], float(data.y_test[index][0]), shown, None,
                      f"the {data.window} values before {data.times[data.boundaries[1] + index]}")
    typed = st.text_input(f"…or type a text to read (at most {MAX_TYPED} characters)", key="rnn_sample_text")
    if typed and len(typed) > MAX_TYPED:
        st.warning(f"Only the first {MAX_TYPED} characters are read.")
    if len(typed[:MAX_TYPED]) >= 2:
        ids = data.encode(typed[:MAX_TYPED])
        return Sample(ids[:-1], int(ids[-1]), ids[:-1], list(data.decode(ids[:-1])), "your text")
    return Sample(data.x_test[index], int(data.y_test[index][-1]), data.x_test[index], list(data.decode(data.x_test[index])),
                  f"test window {index}")


def _inputs_for_chain(data: sequences.SequenceDataset, sample: Sample, steps: int) -> list[str]:
    if data.task == "forecast":
        return [f"{value:.3g}" for value in sample.shown[:steps]]
    if data.task == "classify":
        return sample.labels[:steps] if sample.labels else [f"row {t + 1}" for t in range(steps)]
    return [repr(figures.shown_character(c))[1:-1] for c in sample.labels[:steps]]


def _layer_graph(model) -> explorer.View:
    cache = st.session_state.setdefault("rnn_layer_graph", {})
    if id(model) not in cache:
        cache.clear()
        built = explorer.build(model, "layer")
        cache[id(model)] = explorer.prepare(built.graph, fold=False, collapsed=False, expanded=set())
    return cache[id(model)]


def unrolled_tab(model, data: sequences.SequenceDataset, sample: Sample, evaluation) -> None:
    """The loop drawn out: one copy of the cell per time step, sharing the same weights."""
    layer = recurrent.recurrent_layers(model)[0]
    cell = recurrent.cell_of(layer)
    steps = min(6, len(sample.sequence))
    states = recurrent.hidden_states(model, sample.sequence)
    st.markdown(
        "The loop in a recurrent network is easier to read **unrolled**: one box per time step, all boxes the same "
        "cell with the same weights. Each box takes this step's input x_t and the previous hidden state h_t−1 and "
        "passes a new h_t to the right" + (" together with the cell state c_t, the LSTM's long-term memory lane" if cell == "lstm"
                                           else "") + f". The first {steps} steps of {markdown_safe(sample.title)}, "
        "with the first values of each h_t:")
    chart(figures.unrolled_figure(cell, steps, _inputs_for_chain(data, sample, steps), layer.units,
                                            int(recurrent.layer_inputs(model, sample.sequence).shape[-1]), states),
                    key="rnn_unrolled")
    graph_column, text_column = st.columns([3, 2])
    with graph_column:
        view = _layer_graph(model)
        chart(graph_figures.graph_figure(view.graph, view.positions, title="Keras layer graph", height=320),
                        key="rnn_layer_graph")
    with text_column:
        st.markdown("Keras draws the same network folded up: one node per layer, the loop hidden inside the "
                    "recurrent layer. TensorFlow runs it as a `while` loop over the time steps.")
        st.page_link("views/graphs.py", label="Open this model's TensorFlow graph", icon=":material/account_tree:",
                     query_params={"model": "Recurrent network"})


def _panels(model, sample: Sample) -> tuple[dict[str, np.ndarray], np.ndarray]:
    steps = recurrent.layer_steps(model, sample.sequence)
    names = {"hidden": "hidden state h_t", "input": "input gate i_t", "forget": "forget gate f_t",
             "output": "output gate o_t", "cell": "cell state c_t", "update": "update gate z_t", "reset": "reset gate r_t"}
    return {names[key]: steps[key] for key in names if key in steps}, steps["hidden"]


def hidden_state_tab(model, data: sequences.SequenceDataset, sample: Sample, evaluation) -> None:
    """Units × time heatmaps of the state (and an LSTM's gates) for one sequence, units as lines, text coloured by a unit."""
    started = time.perf_counter()
    panels, hidden = _panels(model, sample)
    figure = figures.state_heatmap(panels, sample.shown, sample.labels, title=f"First recurrent layer on {sample.title}")
    st.markdown(
        "Each row is one unit of the hidden state, each column one time step; red is positive, blue negative. "
        "For an LSTM the gates (0 = shut, 1 = open) show what it lets in (**input**), keeps (**forget**) and "
        "shows (**output**), and the **cell state** is the memory it carries. The input is drawn underneath.")
    chart(figure, key="rnn_heatmap")
    st.caption(f"Computed from the layer's own weights in {1000 * (time.perf_counter() - started):.0f} ms.")
    if any(unit >= hidden.shape[1] for unit in st.session_state.get("rnn_units_lines", [])):
        del st.session_state["rnn_units_lines"]  # chosen for a larger model
    units = st.multiselect("Units to plot as lines", list(range(hidden.shape[1])), default=list(range(min(3, hidden.shape[1]))),
                           key="rnn_units_lines")
    if units:
        chart(figures.unit_lines(hidden, units, sample.labels), key="rnn_unit_lines")
    if data.task == "next_char":
        _text_units(model, data, hidden.shape[1])


def _text_units(model, data: sequences.SequenceDataset, units: int) -> None:
    passage = data.text_parts[2][:1200]
    states = recurrent.hidden_states(model, data.encode(passage))
    _within("rnn_colour_unit", units - 1)
    unit = int(st.number_input("Colour the test text by unit", 0, units - 1, 0, key="rnn_colour_unit"))
    chart(figures.character_colours(passage, states[:, unit], unit), key="rnn_character_colours")
    pattern = st.text_input("Which units fire on a pattern? (e.g. a space, a quote, 'def')", " ", key="rnn_pattern",
                            max_chars=40)
    if pattern:
        mask = np.zeros(len(passage), dtype=bool)
        start = passage.find(pattern)
        while start >= 0:
            mask[start:start + len(pattern)] = True
            start = passage.find(pattern, start + 1)
        try:
            ranked = recurrent.top_units(states, mask)
            st.dataframe(pd.DataFrame([{"unit": u, "mean inside − mean outside": round(d, 3)} for u, d in ranked]),
                         hide_index=True, key="rnn_top_units")
        except recurrent.RecurrentError as error:
            st.warning(markdown_safe(error))
