"""The Boltzmann machines page's tabs, one small function each (the page itself reads as a table of contents)."""

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dlviz.data import modelio
from dlviz.figures import graph as graph_figures
from dlviz.figures import rbm as figures
from dlviz.graphs import tfgraph
from dlviz.networks import rbm, rbm_studies
from dlviz.text import markdown_safe
from dlviz.training import jobs, training
from views import _boltzmann as helpers
from views._models import keep
from views._resources import session_owner

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
    st.plotly_chart(figures.filter_grid(parameters[0], images.input_shape, order, rates), key="rbm_filters")
    shown = min(len(rates), figures.MAX_FILTERS)
    st.caption(f"{shown} of {len(rates)} hidden units shown · epoch {epoch} · hover a filter for its unit and how often it "
               f"fires; the busiest fires on {rates.max():.0%} of test images, the quietest on {rates.min():.0%}.")


def dream(machine: rbm.RBM, images: Any) -> None:
    """One picture up and down, then Gibbs chains from pictures or from noise."""
    st.markdown(helpers.DREAM)
    index = st.number_input("Test image", 0, len(images.x_test) - 1, 0, key="rbm_dream_index")
    picture = images.x_test[index]
    st.plotly_chart(figures.reconstruction_figure(picture, machine.transform(picture[None])[0],
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
    st.plotly_chart(figures.gibbs_figure(chain.visible, chain.steps, images.input_shape), key="rbm_gibbs")
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

    if st.button("Train both", key="rbm_compare_start", disabled=_running("rbm_compare_job")):
        helpers.submit_study("rbm_compare_job", compute, "RBM vs scikit-learn")
    done = helpers.job_panel("rbm_compare_job", study=True)
    if done is not None and done.evaluation is not None:
        rows = done.evaluation.rows
        number = st.column_config.NumberColumn
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="rbm_compare_table", column_config={
            "implementation": st.column_config.TextColumn("implementation", width="large"),
            "reconstruction error (held-out)": number("reconstruction error", format="%.4f"),
            "pseudo-likelihood (held-out)": number("pseudo-likelihood", format="%.2f"),
            "scikit-learn's own estimate": number("scikit-learn's estimate", format="%.2f"),
            "seconds per epoch": number("s / epoch", format="%.3f"), "first epoch (s)": number("first epoch s", format="%.2f"),
            "total (s)": number("total s", format="%.2f")})
        st.plotly_chart(figures.comparison_figure(rows), key="rbm_compare_chart")
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

    if st.button("Measure", key="rbm_features_start", disabled=_running("rbm_features_job")):
        helpers.submit_study("rbm_features_job", compute, "RBM features")
    done = helpers.job_panel("rbm_features_job", study=True)
    if done is not None and done.evaluation:
        st.dataframe(pd.DataFrame(done.evaluation), hide_index=True, key="rbm_features_table")
        st.plotly_chart(figures.features_figure(done.evaluation), key="rbm_features_chart")


def deep_belief_network(trained: dict) -> None:
    """Stack RBMs greedily, then fine-tune the stack as a Keras network against the same network from scratch."""
    images, settings = trained["images"], trained["settings"]
    st.markdown(helpers.GREEDY)
    count = st.radio("RBMs in the stack", [2, 3], horizontal=True, key="dbn_layers")
    sizes = [int(column.number_input(f"Hidden units, layer {i + 1}", 1, rbm.MAX_HIDDEN, 100, key=f"dbn_size_{i}"))
             for i, column in enumerate(st.columns(3)[:count])]

    def start_stack() -> None:
        try:
            dbn = rbm.DBN([images.x_train[0].size, *sizes], **{k: v for k, v in settings.items() if k != "n_hidden"})
            dbn.rbms[0].train_config(trained["epochs"], trained["batch_size"])  # checks the settings before queueing
        except rbm.RBMError as error:
            st.session_state.dbn_error = str(error)
            return
        st.session_state.dbn, st.session_state.dbn_error = dbn, ""
        st.session_state.dbn_job = jobs.submit(
            lambda hooks: dbn.fit(images.x_train, trained["epochs"], trained["batch_size"], x_val=images.x_test,
                                  on_epoch=hooks.on_epoch, on_batch=hooks.on_batch, stop=hooks.stop),
            epochs=count * trained["epochs"], owner=session_owner(), label="DBN")
        for key in ("dbn_fine_job", "dbn_scratch_job"):
            st.session_state.pop(key, None)

    st.button("Train the stack", key="dbn_start", on_click=start_stack, disabled=_running("dbn_job"))
    if st.session_state.get("dbn_error"):
        st.error(markdown_safe(st.session_state.dbn_error))
    stacked = helpers.job_panel("dbn_job", lambda job: figures.rbm_curves(job.run.history, job.epochs))
    if stacked is None or stacked.run.outcome != "finished":
        return
    dbn = st.session_state.dbn
    epochs = st.number_input("Fine-tuning epochs", 1, 200, 30, key="dbn_fine_epochs")
    if st.button("Fine-tune, and train the same network from scratch", key="dbn_fine_start",
                 disabled=_running("dbn_fine_job") or _running("dbn_scratch_job")):
        model = dbn.to_keras(images.num_classes, images.input_shape)
        config = training.TrainConfig(int(epochs), 32, 1e-3, "adam", 0.1, 0)
        st.session_state.dbn_fine_job = jobs.start(model, images, config, owner=session_owner(), label="DBN fine-tuning")
        st.session_state.dbn_scratch_job = jobs.start(rbm.same_network_from_scratch(model), images, config,
                                                      owner=session_owner(), label="DBN from scratch")
        st.session_state.dbn_fine_images = images
    panels = st.columns(2)
    with panels[0]:
        if "dbn_fine_job" in st.session_state:
            st.markdown("**Pretrained (the DBN's weights), fine-tuned**")
        fine = helpers.job_panel("dbn_fine_job")
    with panels[1]:
        if "dbn_scratch_job" in st.session_state:
            st.markdown("**The same network from random weights**")
        scratch = helpers.job_panel("dbn_scratch_job")
    if fine is None or scratch is None or fine.evaluation is None or scratch.evaluation is None:
        return
    if st.session_state.get("dbn_kept") is not fine:
        st.session_state.dbn_kept = fine
        data = st.session_state.dbn_fine_images
        keep("Deep belief network", modelio.CurrentModel(fine.run.model, list(data.class_names),
                                                         f"DBN fine-tuned on {data.name}", data.name, fine.run, data))
    columns = st.columns(2)
    columns[0].metric("Pretrained, fine-tuned: test accuracy", f"{fine.evaluation.accuracy:.1%}",
                      f"{(fine.evaluation.accuracy - scratch.evaluation.accuracy) * 100:+.1f} points against from scratch")
    columns[1].metric("Same network from scratch: test accuracy", f"{scratch.evaluation.accuracy:.1%}")
    st.plotly_chart(figures.fine_tune_figure({"pretrained (DBN)": fine.run.history, "from scratch": scratch.run.history}),
                    key="dbn_fine_chart")
    st.caption("The fine-tuned network is kept as “Deep belief network” for the other pages.")


def few_labels(trained: dict) -> None:
    """Accuracy with 1 to 20 labels per class, and all: raw pixels, RBM features, the DBN, the network from scratch."""
    images = trained["images"]
    st.markdown(helpers.FEW_LABELS)
    dbn, stacked = st.session_state.get("dbn"), st.session_state.get("dbn_job")
    if dbn is None or stacked is None or stacked.running or not dbn.runs:
        st.info("Train the stack on the **Deep belief network** tab first: its RBMs are the pretraining tested here.")
        return
    columns = st.columns([3, 1, 1, 1])
    counts = columns[0].multiselect("Labelled images per class", [1, 3, 5, 10, 20, "all"], [1, 3, 5, 10, 20, "all"],
                                    key="few_counts")
    draws = columns[1].number_input("Random draws", 1, 10, 3, key="few_draws")
    c = columns[2].number_input("Logistic regression C", 0.001, 10000.0, 1.0, format="%.3f", key="few_c")
    updates = columns[3].number_input("Fine-tuning updates", 10, 5000, 500, 50, key="few_updates")
    wanted = [None if count == "all" else int(count) for count in counts]
    steps = rbm_studies.few_labels_plan(wanted, int(draws))

    def compute(hooks: training.Hooks) -> rbm_studies.FewLabels:
        def step(done: int, total: int, result: rbm_studies.FewLabels) -> None:
            hooks.on_batch(training.Progress(done - 1, total, 1, 1))

        return rbm_studies.few_labels(dbn, images.x_train, images.y_train, images.x_test, images.y_test, wanted,
                                      int(draws), rbm_studies.FineTune(updates=int(updates)), float(c), on_step=step,
                                      stop=hooks.stop)

    if st.button("Run the experiment", key="few_start", disabled=not wanted or _running("few_job")):
        helpers.submit_study("few_job", compute, "Few labels", steps)
    done = helpers.job_panel("few_job", study=True)
    if done is None or done.evaluation is None or not done.evaluation.rows:
        return
    result = done.evaluation
    table = pd.DataFrame(result.rows).pivot(index="labels per class", columns="method", values="accuracy")
    table = table.reindex(columns=[m for m in rbm_studies.METHODS if m in table.columns])
    table.index = table.index.astype(str)
    st.dataframe(table.style.format("{:.1%}"), key="few_table")
    st.plotly_chart(figures.few_labels_figure(result.rows), key="few_chart")
    st.markdown(markdown_safe(rbm_studies.few_labels_verdict(result.rows), 2000))
    st.caption(f"Measured in {result.seconds:.0f} s{' (stopped early)' if result.stopped else ''}; mean of the draws, "
               "bars one standard deviation. With every label there is nothing to draw: one run.")


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
        column.plotly_chart(graph_figures.graph_figure(shown, tfgraph.layout(shown), title=title, height=560,
                                                       group_by="scope" if every_op else "kind"), key=key)
        column.caption(f"{graph.number_of_nodes()} ops after folding variable plumbing, {gradients} of them gradient ops.")


def _running(state_key: str) -> bool:
    job = st.session_state.get(state_key)
    return bool(job and job.running)
