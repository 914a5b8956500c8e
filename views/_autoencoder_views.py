"""The autoencoder page's second half: one small function per tab, each reading the trained model's analysis."""

from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from dlviz import text
from dlviz.data import modelio
from dlviz.figures import autoencoder as figures
from dlviz.networks import autoencoder as ae
from views._projector import chart

SHOWN = 12  # test images in the reconstruction rows
MAX_PLANE_POINTS = 1000

RECONSTRUCTION_TEXT = (
    "Each test image went in, was squeezed into its code, and came back out. The network never saw these "
    "images while training, so how close they come back tells how well the code captures digits (or shapes) "
    "in general, not just the ones it practised on. The number under each is its mean squared error."
)
CODE_TEXT = (
    "The **code** is all the decoder gets: a few numbers per image. Because the code is so short, the network "
    "cannot pass pixels through; it has to find the few directions along which images really differ (which "
    "digit, how slanted, how thick) and keep only those. Images the network finds alike land close together, "
    "even though it was never told their labels."
)
PLANE_TEXT = ("Click anywhere in the plane, not only on a dot: the decoder turns that place into an image. Places "
              "between the clusters show what the network imagines halfway between two kinds of image.")
INTERPOLATION_TEXT = (
    "Walking in a straight line from one image's code to another's and decoding each step gives images that "
    "stay digit-like as they morph; blending the pixels directly only fades one picture into the other."
)
DENOISING_TEXT = (
    "A **denoising** autoencoder is shown noisy inputs while training but scored against the clean images. "
    "It cannot just copy its input, so it learns what clean images look like and pulls a noisy one back "
    "towards them. Move the noise to see how much it can undo."
)


@dataclass
class Derived:
    """What the page computed from one model on its test set, kept until the model changes."""

    model: object
    analysis: ae.Analysis
    token: str
    pca: dict[int, float] = field(default_factory=dict)
    extras: dict = field(default_factory=dict)


def derived(current: modelio.CurrentModel) -> Derived:
    """The analysis of the session's autoencoder, computed once per model (never from another model's state)."""
    kept = st.session_state.get("ae_derived")
    if kept is None or kept.model is not current.model:
        with st.spinner("Encoding and decoding the test images…"):
            analysis = ae.analyse(current.model, current.dataset.x_test)
        token = f"{id(current.model):x}"
        kept = st.session_state.ae_derived = Derived(current.model, analysis, token)
    return kept


def pca_mse(current: modelio.CurrentModel, found: Derived, size: int) -> float:
    if size not in found.pca:
        found.pca[size] = ae.pca_baseline(current.dataset.x_train, current.dataset.x_test, size)
    return found.pca[size]


def comparison_sentence(ratio: float) -> str:
    if ratio <= 0.8:
        return (f"On unseen images the autoencoder's error is **{ratio:.2f}×** PCA's at the same code size: its "
                "non-linear code keeps clearly more of each image in the same few numbers.")
    if ratio < 1:
        return (f"The autoencoder's test error is **{ratio:.2f}×** PCA's: only a little better than the best linear code. "
                "Train longer, add a little noise, or widen it to see whether it pulls away.")
    return (f"**PCA wins here** (the autoencoder's test error is {ratio:.2f}× PCA's). With this code size, data and "
            "training, the non-linear layers have not paid off: the network may have memorised its training images "
            "(noise helps), need more epochs, or the code may be large enough that a linear one already suffices.")


def reconstructions_tab(current: modelio.CurrentModel, found: Derived) -> None:
    st.markdown(RECONSTRUCTION_TEXT)
    analysis, x = found.analysis, current.dataset.x_test
    size = ae.code_size(current.model)
    pca = pca_mse(current, found, size)
    columns = st.columns(3)
    columns[0].metric("Test MSE, autoencoder", f"{analysis.mse:.4f}")
    columns[1].metric(f"Test MSE, PCA with {size} components", f"{pca:.4f}")
    columns[2].metric("Ratio (lower is better)", f"{analysis.mse / pca:.2f}×")
    st.markdown(comparison_sentence(analysis.mse / pca))
    shown = np.arange(min(SHOWN, len(x)))
    chart(figures.image_rows_figure([x[shown], analysis.reconstructions[shown]], ["input", "reconstruction"],
                                              [f"{e:.4f}" for e in analysis.errors[shown]]), key="ae_reconstructions")
    ranked = analysis.ranked()
    best, worst = st.columns(2)
    for column, picked, title in ((best, ranked[:6], "Best reconstructed"), (worst, ranked[::-1][:6], "Worst reconstructed")):
        chart(figures.image_rows_figure([x[picked], analysis.reconstructions[picked]], ["input", "output"],
                                        [f"{analysis.errors[i]:.4f}" for i in picked], title, 440),
              key=f"ae_{title.split()[0].lower()}", where=column)
    by_class = ae.errors_by_class(analysis.errors, current.dataset.y_test, current.dataset.num_classes)
    chart(figures.errors_by_class_figure(by_class, current.dataset.class_names, analysis.mse, pca), key="ae_by_class")
    run = current.run
    if run is not None and len(run.snapshots) > 1:
        epoch = st.select_slider("Reconstructions after epoch", run.snapshot_epochs, run.snapshot_epochs[-1],
                                 key=f"ae_epoch_{found.token}")
        replays = found.extras.setdefault("replays", {})
        if epoch not in replays:
            replays.clear()  # one replayed model at a time keeps memory bounded
            replays[epoch] = ae.at_epoch(current.model, run.snapshots[run.snapshot_epochs.index(epoch)])
        then = ae.reconstruct(replays[epoch], x[shown])
        chart(figures.image_rows_figure([x[shown], then], ["input", f"epoch {epoch}"],
                                                  [f"{e:.4f}" for e in ae.per_image_mse(x[shown], then)]), key="ae_replay")


def plane_axes(plane: ae.Plane) -> tuple[str, str]:
    if plane.projected:
        return ("first principal direction of the codes", "second principal direction")
    return ("code number 1", "code number 2")


@st.fragment
def code_space_tab(current: modelio.CurrentModel, found: Derived) -> None:
    st.markdown(CODE_TEXT)
    plane, dataset, token = found.analysis.plane, current.dataset, found.token
    if plane.projected:
        st.info(f"The code has {plane.mean.size} numbers, so this is a flat slice through it: the plane of the codes' two "
                f"main directions (PCA of the codes), which shows {plane.explained:.0%} of their spread. A click decodes "
                "the point of that plane, the codes' average plus the two directions.")
    (u_low, u_high), (v_low, v_high) = plane.extent()
    u_key, v_key, index_key = f"ae_u_{token}", f"ae_v_{token}", f"ae_picked_{token}"
    st.session_state.setdefault(u_key, round((u_low + u_high) / 2, 3))
    st.session_state.setdefault(v_key, round((v_low + v_high) / 2, 3))

    def pick() -> None:
        points = st.session_state[f"ae_plane_{token}"].selection.points
        if points:
            st.session_state[u_key], st.session_state[v_key] = round(float(points[0]["x"]), 3), round(float(points[0]["y"]), 3)
            data = points[0].get("customdata")
            st.session_state[index_key] = int(data[0]) if data else None

    count = min(len(plane.points), MAX_PLANE_POINTS)
    art = found.extras.get("art") or found.extras.setdefault("art", [figures.image_art(image) for image in dataset.x_test[:count]])
    plane_area, side = st.columns([3, 2], gap="medium")
    with side:
        st.markdown(PLANE_TEXT)
        left, right = st.columns(2)
        u = left.number_input("u (across)", -1e4, 1e4, step=0.1, format="%.3f", key=u_key)
        v = right.number_input("v (up)", -1e4, 1e4, step=0.1, format="%.3f", key=v_key)
        code = plane.to_code([u, v])
        chart(figures.image_figure(ae.decode(current.model, code)[0], f"decoded at ({u:.2f}, {v:.2f})", 240),
                        key="ae_decoded")
        st.caption("Code: " + ", ".join(f"{value:.2f}" for value in code[:16]) + (" …" if code.size > 16 else ""))
        picked = st.session_state.get(index_key)
        if picked is not None and picked < len(dataset.x_test):
            st.caption(f"You clicked test image {picked}, a {text.markdown_safe(dataset.class_names[dataset.y_test[picked]])}; "
                       f"its own reconstruction error is {found.analysis.errors[picked]:.4f}.")
    if "plane" not in found.extras:  # built once per model; a click only moves its marker
        found.extras["plane"] = figures.code_plane_figure(plane.points[:count], dataset.y_test[:count],
                                                          dataset.class_names, art, plane.extent(), plane_axes(plane))
    with plane_area:
        chart(figures.move_marker(found.extras["plane"], (u, v)), key=f"ae_plane_{token}", export=True, on_select=pick,
              selection_mode="points")


def manifold_and_interpolation(current: modelio.CurrentModel, found: Derived) -> None:
    st.subheader("The whole plane, decoded")
    st.caption("The decoder's image at each place of a regular grid over the area of the plane above where the "
               "test images' codes lie (the axes are the plane's).")
    plane = found.analysis.plane
    if "manifold" not in found.extras:
        found.extras["manifold"] = ae.manifold(current.model, plane, 12)
    grid = found.extras["manifold"]
    chart(figures.manifold_figure(grid.images, grid.u, grid.v, plane_axes(plane)), key="ae_manifold")
    st.subheader("Interpolate between two test images")
    st.markdown(INTERPOLATION_TEXT)
    x, labels = current.dataset.x_test, current.dataset.y_test
    columns = st.columns(3)
    first = columns[0].number_input("From test image", 0, len(x) - 1, 0, key="ae_from")
    other = int(np.flatnonzero(labels != labels[0])[0]) if np.any(labels != labels[0]) else min(1, len(x) - 1)
    second = columns[1].number_input("To test image", 0, len(x) - 1, other, key="ae_to")
    steps = columns[2].slider("Steps", 3, 16, 8, key="ae_steps")
    walk = ae.interpolate(current.model, x[int(first)], x[int(second)], int(steps))
    chart(figures.image_rows_figure([walk.through_code, walk.cross_fade], ["through the code", "pixel cross-fade"],
                                              [f"{w:.2f}" for w in walk.weights]), key="ae_interpolation")


def denoising_tab(current: modelio.CurrentModel, found: Derived) -> None:
    st.markdown(DENOISING_TEXT)
    trained_with = ae.noise_level(current.model)
    if trained_with:
        st.caption(f"This model was trained with noise of σ = {trained_with:g} on its inputs.")
    else:
        st.info("This model was trained without noise, so it has never had to clean anything; train one with "
                "some denoising noise to compare.")
    strength = st.slider("Noise added now (σ)", 0.0, ae.MAX_NOISE, float(trained_with or 0.3), 0.05, key="ae_inspect_noise")
    clean = current.dataset.x_test[:8]
    noisy = ae.add_noise(clean, strength, seed=1)
    cleaned = ae.reconstruct(current.model, noisy)
    columns = st.columns(3)
    columns[0].metric("Noisy input vs. clean (MSE)", f"{np.mean(ae.per_image_mse(noisy, clean)):.4f}")
    columns[1].metric("Autoencoder output vs. clean (MSE)", f"{np.mean(ae.per_image_mse(cleaned, clean)):.4f}")
    columns[2].metric("Its error on clean inputs (MSE)", f"{np.mean(found.analysis.errors[:len(clean)]):.4f}")
    st.caption("The output can never be sharper than what the code keeps of a clean image (the third number): "
               "with a short code, what it removes shows best at stronger noise.")
    chart(figures.image_rows_figure([noisy, cleaned, clean], ["noisy input", "output", "clean original"]),
                    key="ae_denoising")


def elsewhere_tab(current: modelio.CurrentModel, found: Derived) -> None:
    st.markdown("The autoencoder is an ordinary Keras model made of two parts, `encoder` and `decoder`. Download it "
                "(it loads back here, in Keras safe mode), or open it on the other pages.")
    if "bytes" not in found.extras:
        found.extras["bytes"] = modelio.save_model(current.model, include_optimizer=False)
    data = found.extras["bytes"]
    st.download_button("Download the autoencoder (.keras)", data, "dlviz_autoencoder.keras", key="ae_download")
    st.page_link("views/graphs.py", label="Its layer and op graphs in TensorFlow graphs", icon=":material/account_tree:",
                 query_params={"model": "Autoencoder"})
    if any(type(layer).__name__ == "Conv2D" for layer in ae.parts(current.model)[0].layers):
        st.page_link("views/inspect.py", label="Its encoder's convolutions in Look inside a CNN",
                     icon=":material/visibility:", query_params={"model": "Autoencoder encoder"})
