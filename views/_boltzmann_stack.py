"""The Boltzmann machines page's tabs about stacks: a deep belief network, and the few-labels experiment."""

import pandas as pd
import streamlit as st

from dlviz.data import modelio
from dlviz.figures import rbm as figures
from dlviz.networks import rbm, rbm_studies
from dlviz.text import markdown_safe
from dlviz.training import jobs, training
from views import _boltzmann as helpers
from views._live import job_running
from views._models import keep
from views._projector import chart
from views._resources import session_owner


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

    st.button("Train the stack", key="dbn_start", on_click=start_stack, disabled=job_running("dbn_job"))
    if st.session_state.get("dbn_error"):
        st.error(markdown_safe(st.session_state.dbn_error))
    stacked = helpers.job_panel("dbn_job", lambda job: figures.rbm_curves(job.run.history, job.epochs))
    if stacked is None or stacked.run.outcome != "finished":
        return
    dbn = st.session_state.dbn
    epochs = st.number_input("Fine-tuning epochs", 1, 200, 30, key="dbn_fine_epochs")
    if st.button("Fine-tune, and train the same network from scratch", key="dbn_fine_start",
                 disabled=job_running("dbn_fine_job") or job_running("dbn_scratch_job")):
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
    chart(figures.fine_tune_figure({"pretrained (DBN)": fine.run.history, "from scratch": scratch.run.history}),
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

    if st.button("Run the experiment", key="few_start", disabled=not wanted or job_running("few_job")):
        helpers.submit_study("few_job", compute, "Few labels", steps)
    done = helpers.job_panel("few_job", study=True)
    if done is None or done.evaluation is None or not done.evaluation.rows:
        return
    result = done.evaluation
    table = pd.DataFrame(result.rows).pivot(index="labels per class", columns="method", values="accuracy")
    table = table.reindex(columns=[m for m in rbm_studies.METHODS if m in table.columns])
    table.index = table.index.astype(str)
    st.dataframe(table.style.format("{:.1%}"), key="few_table")
    chart(figures.few_labels_figure(result.rows), key="few_chart")
    st.markdown(markdown_safe(rbm_studies.few_labels_verdict(result.rows), 2000))
    st.caption(f"Measured in {result.seconds:.0f} s{' (stopped early)' if result.stopped else ''}; mean of the draws, "
               "bars one standard deviation. With every label there is nothing to draw: one run.")
