"""Helpers of the Boltzmann machines page: its explanations, the image picker, background jobs and their panels."""

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from dlviz.data import datasets
from dlviz.networks import rbm, rbm_studies
from dlviz.text import markdown_safe
from dlviz.training import jobs, training
from views._live import job_running, poll_while
from views._projector import chart
from views._resources import session_owner, shipped_dataset
from views._uploads import uploaded_images

UPLOAD = "Your own images (zip or .npz)"

INTRO = (
    "A **restricted Boltzmann machine** (RBM) is a two-layer network that learns what pictures look like "
    "without being told what they show. Train one below with real TensorFlow, watch its filters form, let it "
    "dream, stack a few into a **deep belief network**, and test whether that helps when labels are scarce."
)
ENERGY = (
    "**Energy.** An RBM scores a picture *v* together with a pattern *h* of its hidden units: "
    "E(v, h) = −v·b − h·c − vᵀWh. Low energy means likely (probability ∝ e^−E). Adding up every hidden pattern "
    "gives each picture a **free energy** F(v); the machine likes pictures with low free energy."
)
SAMPLING = (
    "**Why sampling.** Knowing what the machine believes would mean summing over every possible picture — 2⁶⁴ "
    "of them for 8×8 black-and-white digits. But no two hidden units are wired together (that is the "
    "*restricted*), so given a picture all hidden units can be drawn at once, and given the hidden units all "
    "pixels at once. Alternating the two is **Gibbs sampling**: run long enough, it produces pictures the "
    "machine finds likely."
)
CD = (
    "**Contrastive divergence.** Learning lowers the energy of the data (the *positive phase*: ⟨v hᵀ⟩ with *v* "
    "a training picture) and raises it for what the machine dreams (the *negative phase*: ⟨v hᵀ⟩ after Gibbs "
    "sampling), ΔW = learning rate × (positive − negative). A true dream needs a very long chain; CD-k starts "
    "the chain at the training picture and stops after k steps. That is not the exact likelihood gradient, but "
    "it pulls reconstructions towards the data and works well. Persistent CD keeps one chain running between "
    "updates, so it explores the machine's own beliefs further from the data."
)
CURVES = (
    "**Reading the curves.** The reconstruction error is how far one pass up and down lands from the picture. "
    "The pseudo-likelihood asks, pixel by pixel, how well the machine predicts each one from all the others "
    "(higher is better). The free energy of training and held-out pictures should move together: when the "
    "training pictures pull ahead (lower), the machine is memorising them — overfitting."
)
FILTERS = (
    "Each hidden unit has one weight per pixel; drawn as a picture, **blue** pixels switch the unit on and "
    "**red** ones switch it off. After training they look like pen strokes and blobs: the parts the machine "
    "builds pictures from. Sorted by how often each unit fires on the test pictures."
)
DREAM = (
    "Up: which hidden units the picture switches on. Down: the picture those units stand for. A **Gibbs "
    "chain** repeats this with random samples at each step; after many steps it forgets where it started and "
    "shows what the machine believes pictures look like. Starting from noise shows the same from nothing."
)
GREEDY = (
    "**Greedy stacking.** Train one RBM on the pictures; then treat its hidden probabilities as new pictures "
    "and train a second RBM on those, and so on: each layer only has to model the one below. The stack's "
    "weights then start an ordinary feed-forward network (sigmoid layers, a softmax on top), which "
    "backpropagation **fine-tunes** on labelled pictures. The same network from random weights is the honest "
    "comparison."
)
FEW_LABELS = (
    "The RBMs learned from every training picture **without labels**; here only a few labelled pictures per "
    "class are given to the classifiers, drawn at random several times. Raw-pixel logistic regression is the "
    "baseline a practitioner would try first. At the default settings pretraining did not help at all when we "
    "measured it. When we searched for settings where it pays off "
    "(`bench/boltzmann.py`), it helped most on **black-and-white** digits with RBMs trained **longer** "
    "(30 epochs): switch on *Black and white*, set *Epochs* to 30, press **Train**, train the stack again and "
    "rerun this — then compare with grey raw pixels, which keep information black and white throws away."
)
GRAPH = (
    "Both are TensorFlow graphs traced from `tf.function`s. **Left**, one CD update: no gradient ops at all — "
    "the positive phase and the negative phase (with its random draws fed in as inputs) are matrix products, "
    "and the update adds their difference to W, b and c. **Right**, a dense layer of the same size trained "
    "by backpropagation: a gradient tape records the forward pass, TensorFlow derives the backward ops "
    "(gradient_tape/…) and Adam changes the weights. Colours are name scopes."
)


def pick_images() -> datasets.Dataset | None:
    """A shipped dataset or the user's upload (the last good one is kept when a new file is refused)."""
    name = st.selectbox("Images", [*datasets.available(), UPLOAD], key="rbm_dataset")
    if name != UPLOAD:
        return shipped_dataset(name)
    dataset = uploaded_images("rbm_user_dataset")
    if dataset is None:
        st.info("Upload a zip (one folder of images per class) or an .npz to use your own images.")
    return dataset


def prepared(dataset: datasets.Dataset, binarised: bool) -> datasets.Dataset | None:
    """The images as the RBM takes them, once per dataset and choice; a clear message when they cannot be used."""
    key = (dataset.name, id(dataset), binarised)
    cache = st.session_state.setdefault("rbm_images", {})
    if key not in cache:
        try:
            cache.clear()
            cache[key] = rbm_studies.images_for_rbm(dataset, binarised)
        except rbm.RBMError as error:
            st.error(markdown_safe(error))
            return None
    return cache[key]


def submit_study(state_key: str, compute: Callable[[training.Hooks], Any], label: str, steps: int = 1) -> None:
    """Run a long computation through the training queue (Stop, fair turns); its result becomes the job's evaluation."""
    box: dict[str, Any] = {}

    def work(hooks: training.Hooks) -> training.TrainingRun:
        run = training.TrainingRun(None, training.TrainConfig(epochs=steps))
        started = time.perf_counter()
        box["result"] = compute(hooks)
        run.seconds = time.perf_counter() - started
        run.history.append({"epoch": steps})
        if hooks.stop is not None and hooks.stop.is_set():
            run.stopped = training.STOPPED_BY_YOU
        return run

    st.session_state[state_key] = jobs.submit(work, epochs=steps, evaluate=lambda run: box.get("result"),
                                              owner=session_owner(), label=label)


def _study_summary(job: Any) -> str:
    if job.status == "waiting":
        return job.summary()
    if job.running:
        return f"Working · {job.progress:.0%} done"
    return f"Done in {job.run.seconds:.0f} s" if job.run is not None else job.summary()


def job_panel(state_key: str, figure: Callable[[Any], Any] | None = None, study: bool = False) -> Any:
    """Progress, Stop and (optionally) live curves of the job in `state_key`; reruns the page once when it ends.
    A `study` (not a training of epochs) says how far it is instead. Returns the finished job (None while it
    runs or before it starts)."""
    job = st.session_state.get(state_key)
    if job is None:
        return None

    def live() -> None:
        current = st.session_state.get(state_key)
        st.progress(current.progress, text=_study_summary(current) if study else current.summary())
        stop = st.empty()  # keeps its place when the button goes, so the chart below is replaced, not duplicated
        if current.running:
            stop.button("Stop", on_click=current.request_stop, key=f"{state_key}_stop")
        if figure is not None and current.run is not None and current.run.history:
            chart(figure(current), key=f"{state_key}_curves")

    poll_while(f"{state_key}_polling", lambda: job_running(state_key), live)
    if job.running:
        return None
    if job.status == "failed":
        st.error(markdown_safe(job.error))
        return None
    if job.run is not None and job.run.outcome == "diverged":
        st.error(f"Training was stopped: {markdown_safe(job.run.stopped)}")
        return None
    return job
