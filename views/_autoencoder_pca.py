"""The autoencoder page's comparison with PCA: the same code size side by side, and test MSE against code size,
with the same autoencoder trained at every size through the shared training queue."""

from dataclasses import replace

import numpy as np
import streamlit as st

from dlviz import text
from dlviz.data import modelio
from dlviz.figures import autoencoder as figures
from dlviz.networks import autoencoder as ae
from dlviz.training import jobs
from views._autoencoder_views import SHOWN, Derived, comparison_sentence, pca_mse
from views._live import poll_while
from views._projector import chart
from views._resources import session_owner

PCA_TEXT = (
    "PCA is the best **linear** code: it keeps the directions along which the training images vary most, "
    "and rebuilds each image as a weighted sum of them. An autoencoder with only linear layers, trained with MSE, "
    "can at best find the same directions. Its non-linear layers earn their keep only if, with the same number "
    "of numbers, it rebuilds unseen images clearly better than PCA does."
)


def pca_tab(current: modelio.CurrentModel, found: Derived) -> None:
    st.markdown(PCA_TEXT)
    dataset, analysis = current.dataset, found.analysis
    size = ae.code_size(current.model)
    if size >= min(len(dataset.x_train), int(np.prod(dataset.input_shape))):
        st.warning("PCA cannot keep that many components for this data.")
        return
    pca_images = found.extras.get("pca_images")
    if pca_images is None:
        pca_images = found.extras["pca_images"] = ae.pca_reconstruct(dataset.x_train, dataset.x_test[:SHOWN], size)
    shown = np.arange(len(pca_images))
    chart(figures.image_rows_figure(
        [dataset.x_test[shown], analysis.reconstructions[shown], pca_images],
        ["original", f"autoencoder {analysis.mse:.4f}", f"PCA {pca_mse(current, found, size):.4f}"]), key="ae_vs_pca")
    sizes = [s for s in ae.CODE_SIZES if s < min(len(dataset.x_train), int(np.prod(dataset.input_shape)))]
    pca = {s: pca_mse(current, found, s) for s in sorted({*sizes, size})}
    points = {size: analysis.mse, **sweep_results(current)}
    chart(figures.pca_curve_figure(pca, points, size), key="ae_pca_curve")
    st.markdown(comparison_sentence(analysis.mse / pca[size]))
    sweep_controls(current, sizes)


def sweep_results(current: modelio.CurrentModel) -> dict[int, float]:
    sweep = st.session_state.get("ae_sweep")
    if not sweep or sweep["model"] is not current.model:
        return {}
    return {size: job.evaluation for size, job in sweep["jobs"].items()
            if job.status == "done" and job.evaluation is not None and job.run.outcome == "finished"}


def sweep_controls(current: modelio.CurrentModel, sizes: list[int]) -> None:
    recipe = st.session_state.get("ae_recipe")
    if recipe is None or recipe[0] is not current.model:
        st.caption("Train an autoencoder on this page to compare it with PCA at every code size.")
        return
    _, design, config, loss = recipe

    def start() -> None:
        test = current.dataset.x_test
        started = {}
        for size in sizes:
            model = ae.build_design(current.dataset.input_shape, replace(design, code_size=size), seed=config.seed)
            started[size] = jobs.submit(ae.training_work(model, current.dataset.x_train, replace(config, snapshot_limit=2), loss), epochs=config.epochs,
                                        evaluate=lambda run, model=model: float(np.mean(ae.reconstruction_error(model, test))),
                                        owner=session_owner(), label=f"Autoencoder code {size}")
        st.session_state.ae_sweep = {"model": current.model, "jobs": started}

    sweep = st.session_state.get("ae_sweep")
    running = _sweep_running()
    st.button(f"Train the same autoencoder at code sizes {', '.join(map(str, sizes))}", on_click=start,
              disabled=running, key="ae_sweep_start",
              help="Same architecture and settings, one training per code size, queued with everyone's trainings.")
    if sweep and sweep["model"] is current.model:
        poll_while("ae_sweep_polling", _sweep_running, sweep_progress, every=1.0)


def _sweep_running() -> bool:
    sweep = st.session_state.get("ae_sweep")
    return bool(sweep and any(job.running for job in sweep["jobs"].values()))


def sweep_progress() -> None:
    sweep = st.session_state.get("ae_sweep")
    states = list(sweep["jobs"].items())
    done = sum(not job.running for _, job in states)
    st.progress(float(np.mean([job.progress for _, job in states])), f"{done} of {len(states)} code sizes trained")
    if done < len(states):
        st.button("Stop the comparison", key="ae_sweep_stop", on_click=lambda: [job.request_stop() for _, job in states])
    for size, job in states:
        if job.status == "failed":
            st.error(f"Code size {size}: {text.markdown_safe(job.error)}")
