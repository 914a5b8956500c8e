"""The "Why this prediction?" sanity checks: randomise the model's weights, or train a copy on shuffled labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dlviz.cnn import attribution
from dlviz.cnn.attribution import METHODS, AttributionError
from dlviz.data import datasets
from dlviz.figures import attribution as figures
from dlviz.text import markdown_safe
from dlviz.training import jobs, training
from views._explain import Case, initial, options_key, remember, saliency_map, with_progress
from views._live import poll_while
from views._projector import chart
from views._resources import session_owner, shipped_dataset


def sanity_tab(case: Case) -> None:
    """Cascading randomisation of the model's weights, and a copy trained on shuffled labels."""
    st.markdown(
        "A map should explain **the model**. So destroy the model and look again: re-initialise the weights of the "
        "top layer, then the top two, and so on down to the first, and recompute the map each time. If the map "
        "hardly changes (a rank correlation ρ near 1 with the original), it was showing the picture's edges, "
        "not what the network learned. Computed on a copy: your model is never touched."
    )
    method = st.selectbox("Method to test", list(METHODS), format_func=METHODS.get, key="why_sanity_method")
    options = case.options.get(method, {})
    try:
        original, rows = remember(case.key("randomise", method, options_key(options)), case.model, lambda: with_progress(
            "Randomising the layers one by one…", lambda report: attribution.randomization_maps(
                case.model, case.image, case.class_index, method, on_progress=report, **options)))
    except AttributionError as error:
        st.error(markdown_safe(error, 600))
        return
    panels = [("original", original)] + [(f"… to {row.layer}: ρ {_rho(row.spearman)}", row.saliency) for row in rows]
    chart(figures.maps_row_figure(case.image, panels, columns=min(5, len(panels))), key="why_sanity_maps")
    st.dataframe(pd.DataFrame([{"randomised from the top down to": row.layer, "Spearman ρ to the original": row.spearman}
                               for row in rows]), hide_index=True, key="why_sanity_table")
    final = rows[-1].spearman if rows else float("nan")
    if np.isnan(final):
        st.info("With every layer random the map is flat: there is no ranking left to compare.")
    elif final > 0.5:
        st.warning(f"With every layer random, {METHODS[method]} still correlates {final:.2f} with the original map: "
                   "much of what it shows comes from the picture itself, not from what the model learned.")
    else:
        st.success(f"With every layer random the map correlates only {final:.2f} with the original: "
                   f"{METHODS[method]} depends on the model's weights, as an explanation should.")
    shuffled_section(case, method)


def _rho(value: float) -> str:
    return "flat" if np.isnan(value) else f"{value:.2f}"


def shuffled_section(case: Case, method: str) -> None:
    """Data randomisation: the same architecture trained on shuffled labels, in the background."""
    st.subheader("A model that learned nothing real")
    current = case.chosen.current
    dataset = current.dataset if current.dataset is not None else (
        shipped_dataset(current.dataset_name) if current.dataset_name in datasets.SHIPPED else None)
    if dataset is None or dataset.input_shape != case.image.shape:
        st.info("Training a copy on shuffled labels needs the data this model was trained on; it is at hand for the "
                "demo model and for models trained on the Build & train page.")
        return
    st.markdown(f"The same architecture trained on **{dataset.name}** with its labels shuffled can only memorise; "
                "its map should look unlike the real model's. If it looks the same, the map is reading the picture.")
    state = st.session_state.get("why_shuffled")
    epochs_column, button_column = st.columns([1, 2], vertical_alignment="bottom")
    initial("why_shuffled_epochs", 5)
    epochs = epochs_column.number_input("Epochs", 1, 50, key="why_shuffled_epochs")

    def start() -> None:
        copy = attribution.untrained_copy(current.model)
        job = jobs.start(copy, attribution.shuffled_labels(dataset), training.TrainConfig(epochs=int(epochs)),
                         owner=session_owner(), label="shuffled labels")
        st.session_state.why_shuffled = {"job": job, "model": id(current.model)}

    running = state is not None and state["job"].running
    button_column.button("Train a copy on shuffled labels", on_click=start, disabled=running, key="why_shuffled_start")
    if state is None or state["model"] != id(current.model):
        return

    def progress() -> None:
        job = st.session_state.why_shuffled["job"]
        st.progress(job.progress, text=job.summary())
        if job.running:
            st.button("Stop", on_click=job.request_stop, key="why_shuffled_stop")

    poll_while("why_shuffled_polling", lambda: st.session_state.why_shuffled["job"].running, progress)
    job = state["job"]
    if job.status == "failed":
        st.error(markdown_safe(job.error, 600))
    elif not job.running and job.run is not None and job.run.finished_epochs:
        shuffled = job.run.model
        try:
            mine = saliency_map(case, method)
            theirs = attribution.saliency(shuffled, case.image, case.class_index, method, **case.options.get(method, {}))
        except AttributionError as error:
            st.error(markdown_safe(error, 600))
            return
        rho = attribution.rank_correlation(mine, theirs)
        chart(figures.maps_row_figure(case.image, [("the real model", mine), (f"shuffled labels: ρ {_rho(rho)}", theirs)]),
                        key="why_shuffled_maps")
        accuracy = job.evaluation.accuracy if job.evaluation is not None else float("nan")
        st.caption(f"The shuffled-label copy scores {accuracy:.1%} on the test set (chance is {1 / dataset.num_classes:.0%}); "
                   f"its map's rank correlation with the real model's is {_rho(rho)}.")
