"""Recurrent networks: sequences in, the hidden state over time made visible, and why LSTMs exist."""

import streamlit as st

from dlviz import links
from dlviz.data import modelio, sequences
from dlviz.figures import charts
from dlviz.networks import recurrent
from dlviz.training import jobs, training
from views import _recurrent as build_parts
from views import _recurrent_memory as memory
from views import _recurrent_tabs as tabs
from views._live import live_training, train_button
from views._models import keep
from views._projector import explain
from views._recurrent_predictions import predictions_tab
from views._resources import session_owner
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow

st.title("Recurrent networks")
explain(
    "A recurrent network reads a sequence one step at a time and carries a **hidden state** from each step to the "
    "next: its memory of what it has read so far. Here you train one on a real series, on digits read row by row, "
    "or on text, and then watch that state change step by step."
)
require_tensorflow()

link = read_link("recurrent", {
    "task": links.Param(list(sequences.TASKS)), "data": links.Param(max_length=40),
    "cell": links.Param(list(recurrent.CELLS)), "units": links.Param(minimum=1, maximum=recurrent.MAX_UNITS),
    "layers": links.Param(minimum=1, maximum=recurrent.MAX_LAYERS),
    "window": links.Param(minimum=1, maximum=sequences.MAX_WINDOW)})
build_parts.apply_link(link)
build_parts.restore_settings()
show_link_notices("recurrent")

# -- 1. Data and model -------------------------------------------------------------------------------
st.header("1 · Data and model")
data = build_parts.data_picker()
if data is not None:
    build_parts.describe(data)
choices = build_parts.model_settings()
settings = build_parts.settings_for(data, choices) if data is not None else None
rows = build_parts.shape_table(settings) if settings is not None else None
task = st.session_state.rnn_task
write_link({"task": task, "data": st.session_state.get(f"rnn_data_{task}")
            if st.session_state.get(f"rnn_data_{task}") in sequences.available()[task] else None,
            **{name: choices[name] for name in ("cell", "units", "layers")},
            "window": st.session_state.get("rnn_window") if task != "classify" else None})

# -- 2. Train ---------------------------------------------------------------------------------------
st.header("2 · Train")
columns = st.columns(5)
optimizer = columns[0].selectbox("Optimizer", list(training.OPTIMIZERS), format_func=training.OPTIMIZERS.get, key="rnn_optimizer")
learning_rate = columns[1].number_input("Learning rate", 1e-5, 100.0, format="%.4f", key="rnn_lr")
batch_size = columns[2].select_slider("Batch size", [8, 16, 32, 64, 128, 256], key="rnn_batch")
epochs = columns[3].number_input("Epochs", 1, training.MAX_EPOCHS, key="rnn_epochs")
seed = columns[4].number_input("Seed", 0, 2**31 - 1, 0, key="rnn_seed")
config = training.TrainConfig(int(epochs), int(batch_size), float(learning_rate), optimizer, seed=int(seed))
build_parts.remember_settings()


def start_training() -> None:
    model = recurrent.build(**settings, seed=config.seed)
    st.session_state.rnn_job = jobs.start(model, data, config, recurrent.task_for(data), owner=session_owner(),
                                          label="Recurrent network", evaluate=lambda run: recurrent.evaluate(model, data))
    st.session_state.rnn_job_data, st.session_state.rnn_job_settings = data, dict(settings)


train_button("rnn_train", "rnn_job", start_training, (recurrent.RecurrentError, training.TrainingError), rows is not None)
job = st.session_state.get("rnn_job")


metric = "mae" if job is not None and st.session_state.rnn_job_data.task == "forecast" else "accuracy"
live_training("rnn_job", curves=lambda history, epochs: charts.training_curves(history, epochs, metric),
              waiting="Press **Train**; the curves move as the network learns. Training runs in the background, "
                      "one at a time per server, so you may wait in a queue.")

# -- 3. Look inside -----------------------------------------------------------------------------------
if job is not None and job.status == "done" and job.evaluation is not None:
    trained, model = st.session_state.rnn_job_data, job.run.model
    if st.session_state.get("rnn_kept_job") is not job:
        st.session_state.rnn_kept_job = job
        cell = recurrent.CELLS[st.session_state.rnn_job_settings["cell"]]
        keep("Recurrent network", modelio.CurrentModel(model, list(trained.class_names), f"{cell} trained on {trained.name}",
                                                       trained.name, job.run, trained))
    st.header("3 · Look inside")
    sequence = tabs.sample_picker(trained)
    views = {"Unrolled": tabs.unrolled_tab, "Hidden state over time": tabs.hidden_state_tab,
             "Predictions": predictions_tab}
    for tab, show in zip(st.tabs(list(views)), views.values()):
        with tab:
            show(model, trained, sequence, job.evaluation)

st.header("Why LSTMs exist")
memory.why_lstms()
