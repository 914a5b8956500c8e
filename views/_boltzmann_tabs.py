"""The Boltzmann machines page's tabs about one RBM, one small function each (the page reads as a table of contents)."""

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dlviz.figures import graph as graph_figures
from dlviz.figures import rbm as figures
from dlviz.graphs import tfgraph
from dlviz.networks import rbm, rbm_studies
from dlviz.training import training
from views import _boltzmann as helpers
from views._live import job_running
from views._projector import chart

GIBBS_FRAMES = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def _rows(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1)


def _cached(name: str, key: tuple, build) -> Any:
    """One derived thing per (what it came from): rebuilt when the model, input or setting changes."""
    cache = st.session_state.setdefault(f"rbm_cache_{name}", {})
    if key not in cache:
        cache.clear()
        cache[key] = build()
    return cache[key]


def learned(machine: rbm.RBM, run: training.TrainingRun, images: Any) -> None:
    """The filter grid, epoch by epoch from the snapshots, sorted by how often each unit fires."""
    st.markdown(helpers.FILTERS)
    epochs = run.snapshot_epochs
    left, right = st.columns([3, 2])
    epoch = left.select_slider("After epoch", epochs, epochs[-1], key="rbm_snapshot") if len(epochs) > 1 else epochs[0]
    order_by = right.radio("Order", ["most often firing first", "unit number"], horizontal=True, key="rbm_filter_order")
    parameters = run.snapshots[epochs.index(epoch)]
    rates = _cached("rates", (id(run), epoch), lambda: rbm.firing_rates(parameters, _rows(images.x_test)))
    order = np.argsort(-rates, kind="stable") if order_by.startswith("most") else np.arange(len(rates))
    chart(figures.filter_grid(parameters[0], images.input_shape, order, rates), key="rbm_filters")
    shown = min(len(rates), figures.MAX_FILTERS)
    st.caption(f"{shown} of {len(rates)} hidden units shown · epoch {epoch} · hover a filter for its unit and how often it "
               f"fires; the busiest fires on {rates.max():.0%} of test images, the quietest on {rates.min():.0%}.")


def dream(machine: rbm.RBM, images: Any) -> None:
    """One picture up and down, then Gibbs chains from pictures or from noise."""
    st.markdown(helpers.DREAM)
    index = st.number_input("Test image", 0, len(images.x_test) - 1, 0, key="rbm_dream_index")
    picture = images.x_test[index]
    chart(figures.reconstruction_figure(picture, machine.transform(picture[None])[0],
                                                  machine.reconstruct(picture[None])[0], images.input_shape),
                    key="rbm_reconstruction")
    start_column, steps_column, seed_column = st.columns([2, 3, 1], vertical_alignment="bottom")
    start = start_column.radio("Start from", ["this image and the next three", "random noise"], key="rbm_gibbs_start")
    steps = steps_column.select_slider("Gibbs steps", [frame for frame in GIBBS_FRAMES if frame], 1000, key="rbm_gibbs_steps")
    if seed_column.button("New draws", key="rbm_gibbs_again"):
        st.session_state.rbm_gibbs_seed = st.session_state.get("rbm_gibbs_seed", 0) + 1
    seed = st.session_state.get("rbm_gibbs_seed", 0)
    if start.startswith("this"):
        starts = images.x_test[[(index + offset) % len(images.x_test) for offset in range(4)]]
    else:
        starts = np.random.default_rng(seed).random((4, *images.input_shape), dtype=np.float32)
    record = [frame for frame in GIBBS_FRAMES if frame <= steps]
    chain = _cached("gibbs", (id(machine), start, index, steps, seed),
                    lambda: machine.gibbs_chain(_rows(starts), record, seed))
    chart(figures.gibbs_figure(chain.visible, chain.steps, images.input_shape), key="rbm_gibbs")
    st.caption("Each row is one chain; each column the visible probabilities after that many steps of "
               "sampling hidden units from pixels and pixels from hidden units.")


def against_sklearn(trained: dict) -> None:
    """The same settings with scikit-learn's BernoulliRBM, measured with the same functions."""
    images, settings = trained["images"], trained["settings"]
    st.markdown("The same images, hidden units, learning rate, batch size and epochs, trained with scikit-learn's "
                "`BernoulliRBM` (persistent CD-1 in NumPy) and with dlviz's TensorFlow RBM (persistent CD-1, the same "
                f"algorithm, and CD-{settings['k']}). All three are measured by the same functions on the held-out images.")

    def compute(hooks: training.Hooks) -> rbm_studies.Comparison:
        return rbm_studies.compare_with_sklearn(_rows(images.x_train), _rows(images.x_test), settings["n_hidden"],
                                                settings["learning_rate"], trained["batch_size"], trained["epochs"],
                                                k=settings["k"], stop=hooks.stop)

    if st.button("Train both", key="rbm_compare_start", disabled=job_running("rbm_compare_job")):
        helpers.submit_study("rbm_compare_job", compute, "RBM vs scikit-learn")
    done = helpers.job_panel("rbm_compare_job", study=True)
    if done is not None and done.evaluation is not None:
        rows = done.evaluation.rows
        number = st.column_config.NumberColumn
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="rbm_compare_table", column_config={
            "implementation": st.column_config.TextColumn("implementation", width="medium"),
            "reconstruction error (held-out)": number("reconstruction error", format="%.4f"),
            "pseudo-likelihood (held-out)": number("pseudo-likelihood", format="%.2f"),
            "scikit-learn's own estimate": number("scikit-learn's estimate", format="%.2f"),
            "seconds per epoch": number("s / epoch", format="%.3f"), "first epoch (s)": number("first epoch s", format="%.2f"),
            "total (s)": number("total s", format="%.2f")})
        chart(figures.comparison_figure(rows), key="rbm_compare_chart")
        st.caption("Seconds per epoch are training alone. dlviz's first epoch also compiles its update loop with XLA "
                   "(once per size on this server), so it is shown apart; scikit-learn's figure is its total ÷ epochs. "
                   "scikit-learn's own pseudo-likelihood flips one random pixel per image; ours sums over pixels.")


def features(machine: rbm.RBM, trained: dict) -> None:
    """Logistic regression on raw pixels against on the RBM's hidden probabilities, plain and shifted."""
    images = trained["images"]
    st.markdown("Logistic regression on the raw pixels, and on the RBM's hidden probabilities instead. Then the same "
                "on the images shifted by one pixel each way (five times the data: scikit-learn's RBM example), with a "
                "new RBM of the same settings trained on the shifted training images. Test images are shifted apart "
                f"from training ones. C = {rbm_studies.RAW_C:g} on pixels and {rbm_studies.RBM_C:g} on features, the "
                "values scikit-learn's example found by grid search.")

    def compute(hooks: training.Hooks) -> list[dict]:
        return rbm_studies.features_for_classifier(images.x_train, images.y_train, images.x_test, images.y_test, machine,
                                                   trained["settings"], trained["epochs"], trained["batch_size"], hooks)

    if st.button("Measure", key="rbm_features_start", disabled=job_running("rbm_features_job")):
        helpers.submit_study("rbm_features_job", compute, "RBM features")
    done = helpers.job_panel("rbm_features_job", study=True)
    if done is not None and done.evaluation:
        st.dataframe(pd.DataFrame(done.evaluation), hide_index=True, key="rbm_features_table")
        chart(figures.features_figure(done.evaluation), key="rbm_features_chart")


def update_graph(machine: rbm.RBM, batch_size: int) -> None:
    """One CD update's op graph beside one backprop step of a dense layer of the same size."""
    st.markdown(helpers.GRAPH)
    update, backprop = _cached("graphs", (machine.n_visible, machine.n_hidden, machine.k, machine.persistent, batch_size),
                               lambda: rbm_studies.update_graphs(machine, batch_size))
    every_op = st.toggle("Open every scope (all ops)", key="rbm_graph_open")
    left, right = st.columns(2, gap="medium")
    for column, graph, title, key in ((left, update, f"CD-{machine.k} update (no gradients)", "rbm_graph_cd"),
                                      (right, backprop, "Backprop step of a dense layer", "rbm_graph_backprop")):
        shown = graph if every_op else tfgraph.collapse(graph, min_groups=1)
        gradients = sum(1 for _, data in graph.nodes(data=True) if data.get("kind") == "gradient")
        chart(graph_figures.graph_figure(shown, tfgraph.layout(shown), title=title, height=560,
                                                       group_by="scope" if every_op else "kind"), key=key, where=column)
        column.caption(f"{graph.number_of_nodes()} ops after folding variable plumbing, {gradients} of them gradient ops.")
