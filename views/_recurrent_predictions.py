"""The recurrent page's "Predictions" tab: what the trained network says, beside the baselines a practitioner would try."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from dlviz.data import sequences
from dlviz.figures import charts
from dlviz.figures import recurrent as figures
from dlviz.networks import recurrent
from dlviz.training import training
from views._projector import chart
from views._recurrent_tabs import Sample


def predictions_tab(model, data: sequences.SequenceDataset, sample: Sample, evaluation) -> None:
    """What the trained network predicts, against the baselines a practitioner would try first."""
    if data.task == "forecast":
        _forecasts(model, data, evaluation)
    elif data.task == "classify":
        _classification(model, data, sample, evaluation)
    else:
        _text_predictions(model, data, sample, evaluation)
    gradients = recurrent.input_gradients(model, sample.sequence, sample.target)
    cell = recurrent.cell_of(recurrent.recurrent_layers(model)[0])
    chart(figures.gradient_norms({cell: gradients}, f"‖∂loss/∂x_t‖ for {sample.title}"), key="rnn_own_gradients")
    st.caption("How much the loss on the last answer depends on each input step: steps whose gradient is tiny "
               "can hardly change what the network says, nor what it learns from them.")


def _forecasts(model, data: sequences.SequenceDataset, comparison: recurrent.ForecastComparison) -> None:
    key = ("rnn_multi", id(model))
    if st.session_state.get("rnn_multi_key") != key:
        st.session_state.rnn_multi = data.unscale(recurrent.forecast(model, data.x_test[0], len(data.x_test)))
        st.session_state.rnn_multi_key = key
    test_times = data.times[data.boundaries[1]:][: len(comparison.truth)]
    chart(figures.forecast_figure(data.times, data.series, test_times, comparison, st.session_state.rnn_multi,
                                            data.unit, data.boundaries), key="rnn_forecast")
    naive = comparison.errors["naive"]["MAE"]
    rows = [{"forecast": name, "MAE": round(errors["MAE"], 3), "RMSE": round(errors["RMSE"], 3),
             "MAE ÷ naive": round(errors["MAE"] / naive, 3) if naive else None} for name, errors in comparison.errors.items()]
    rows.append({"forecast": "network, feeding its own predictions back",
                 "MAE": round(float(np.mean(np.abs(st.session_state.rnn_multi - comparison.truth))), 3)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="rnn_errors")
    st.caption("One step ahead, each forecast sees the true past window. The **naive** forecast says next = last; the "
               "**linear autoregression** is the best straight-line mix of the same window (least squares on the "
               "training part). Feeding its own predictions back, the network's errors pile up step after step.")


def _classification(model, data: sequences.SequenceDataset, sample: Sample, evaluation: training.Evaluation) -> None:
    columns = st.columns(2)
    columns[0].metric("Test accuracy", f"{evaluation.accuracy:.1%}")
    columns[1].metric("Guessing the commonest class", f"{np.mean(data.y_test == np.bincount(data.y_train).argmax()):.1%}")
    left, right = st.columns(2)
    chart(charts.confusion_figure(evaluation.confusion, data.class_names), key="rnn_confusion", where=left)
    chart(figures.step_probabilities(recurrent.forward_steps(model, sample.sequence), data.class_names,
                                                  int(sample.target)), key="rnn_step_probabilities", where=right)
    right.caption("What the network would answer if the image ended after each row: it makes up its mind as it reads.")


def _text_predictions(model, data: sequences.SequenceDataset, sample: Sample, evaluation: recurrent.TextEvaluation) -> None:
    columns = st.columns(3)
    columns[0].metric("Bits per character (test)", f"{evaluation.bits_per_character:.2f}")
    columns[1].metric("Knowing only letter frequencies", f"{evaluation.unigram_bits:.2f}")
    columns[2].metric("Next character right", f"{evaluation.accuracy:.1%}")
    shown = sample.sequence[:40]
    chart(figures.next_character_figure(data.decode(shown), recurrent.forward_steps(model, shown), data.class_names),
                    key="rnn_next_characters")
    prompt_column, temperature_column, length_column = st.columns([3, 2, 1])
    prompt = prompt_column.text_input("Start the text with", "The ", key="rnn_prompt", max_chars=200)
    temperature = temperature_column.slider("Temperature (low: safe, high: adventurous)", 0.1, 2.0, 0.7, 0.1,
                                            key="rnn_temperature")
    length = int(length_column.number_input("Characters", 10, 1000, 300, key="rnn_generate_length"))
    if st.button("Write", key="rnn_write") and prompt:
        ids = recurrent.generate(model, data.encode(prompt), length, temperature, seed=int(time.time()))
        st.session_state.rnn_written = prompt + data.decode(ids)
    if st.session_state.get("rnn_written"):
        st.code(st.session_state.rnn_written, language=None, wrap_lines=True)
