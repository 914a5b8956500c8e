"""Boltzmann machines: train an RBM by contrastive divergence, see its filters and dreams, compare it with
scikit-learn, stack RBMs into a deep belief network, and test the few-labels claim."""

import streamlit as st

from dlviz import links
from dlviz.data import datasets
from dlviz.figures import rbm as figures
from dlviz.networks import rbm
from dlviz.text import markdown_safe
from dlviz.training import jobs, training
from views import _boltzmann as helpers
from views import _boltzmann_stack as stack
from views import _boltzmann_tabs as tabs
from views._live import train_button
from views._projector import explain
from views._resources import session_owner
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow

st.title("Boltzmann machines")
explain(helpers.INTRO)
require_tensorflow()

link = read_link("boltzmann", {"dataset": links.Param(list(datasets.SHIPPED)),
                               "hidden": links.Param(minimum=1, maximum=rbm.MAX_HIDDEN),
                               "k": links.Param(minimum=1, maximum=rbm.MAX_K), "method": links.Param(["cd", "pcd"])})
for key, state in (("dataset", "rbm_dataset"), ("hidden", "rbm_hidden"), ("k", "rbm_k")):
    if key in link:
        st.session_state[state] = link[key]
if "method" in link:
    st.session_state.rbm_persistent = link["method"] == "pcd"
show_link_notices("boltzmann")

# -- 1. Data and settings ---------------------------------------------------------------------------
st.header("1 · Train an RBM")
data_column, about_column = st.columns([2, 3], gap="large")
with data_column:
    dataset = helpers.pick_images()
if dataset is None:
    st.stop()
with about_column:
    binarised = st.toggle("Black and white (each pixel 0 or 1)", key="rbm_binarise",
                          help="An RBM's visible units are on/off; grey values are read as probabilities of 'on'.")
images = helpers.prepared(dataset, binarised)
if images is None:
    st.stop()
with about_column:
    shape = " × ".join(map(str, images.input_shape))
    st.caption(f"{len(images.x_train):,} training and {len(images.x_test):,} held-out images of {shape}: "
               f"one visible unit per value, {images.x_train[0].size:,} in all.")
first, second = st.columns(4, vertical_alignment="bottom"), st.columns(4)
hidden = first[0].number_input("Hidden units", 1, rbm.MAX_HIDDEN, 100, key="rbm_hidden")
k = first[1].number_input("Gibbs steps k (CD-k)", 1, rbm.MAX_K, 1, key="rbm_k")
learning_rate = first[2].number_input("Learning rate", 0.0001, 10.0, 0.06, format="%.4f", key="rbm_lr")
with first[3]:
    persistent = st.toggle("Persistent CD", key="rbm_persistent",
                           help="Keep one Gibbs chain running between updates instead of starting at the data.")
momentum = second[0].number_input("Momentum", 0.0, 0.99, 0.0, 0.1, key="rbm_momentum")
decay = second[1].number_input("Weight decay", 0.0, 0.5, 0.0, 0.0001, format="%.4f", key="rbm_decay")
batch_size = second[2].select_slider("Batch size", [1, 5, 10, 20, 50, 100, 200], 10, key="rbm_batch")
epochs = second[3].number_input("Epochs", 1, 200, 10, key="rbm_epochs")
settings = {"n_hidden": int(hidden), "k": int(k), "learning_rate": float(learning_rate), "persistent": bool(persistent),
            "momentum": float(momentum), "weight_decay": float(decay)}
write_link({"dataset": st.session_state.rbm_dataset if st.session_state.rbm_dataset in datasets.SHIPPED else None,
            "hidden": int(hidden), "k": int(k), "method": "pcd" if persistent else "cd"})
with st.expander("Energy, sampling and contrastive divergence, in plain words"):
    st.markdown(helpers.ENERGY)
    st.markdown(helpers.SAMPLING)
    st.markdown(helpers.CD)


def start_training() -> None:
    machine = rbm.RBM(images.x_train[0].size, **settings)
    config = machine.train_config(int(epochs), int(batch_size))
    rows = images.x_train.reshape(len(images.x_train), -1), images.x_test.reshape(len(images.x_test), -1)
    st.session_state.rbm_job = jobs.start_learner(machine, rows[0], config, x_val=rows[1], owner=session_owner(),
                                                  label="RBM")
    st.session_state.rbm_trained = {"images": images, "settings": dict(settings), "epochs": int(epochs),
                                    "batch_size": int(batch_size)}


job = st.session_state.get("rbm_job")
train_button("rbm_train", "rbm_job", start_training, (rbm.RBMError, training.TrainingError))
finished = helpers.job_panel("rbm_job", lambda job: figures.rbm_curves(job.run.history, job.epochs))
st.caption(helpers.CURVES)
if finished is None or not finished.run.history:
    if job is None:
        st.info("Press **Train** to train an RBM on these images; its curves, filters and dreams appear below.")
    st.stop()

# -- 2. Everything the trained machine shows ------------------------------------------------------------
trained = st.session_state.rbm_trained
machine, run = finished.run.model, finished.run
if trained["images"] is not images:
    st.info("The views below show the RBM trained on the images chosen before; press **Train** to use these.")
st.caption(f"Trained: {machine.describe()} · {run.summary()} in {run.seconds:.1f} s on "
           f"{markdown_safe(trained['images'].name, 60)}.")
views = {
    "What it learned": lambda: tabs.learned(machine, run, trained["images"]),
    "Reconstruct and dream": lambda: tabs.dream(machine, trained["images"]),
    "Against scikit-learn": lambda: tabs.against_sklearn(trained),
    "Features for a classifier": lambda: tabs.features(machine, trained),
    "Deep belief network": lambda: stack.deep_belief_network(trained),
    "The few-labels experiment": lambda: stack.few_labels(trained),
    "The update as a graph": lambda: tabs.update_graph(machine, trained["batch_size"]),
}
for tab, show in zip(st.tabs(list(views)), views.values()):
    with tab:
        show()
