"""The "Why this prediction?" faithfulness tabs: deletion and insertion curves, and localisation on the shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dlviz.cnn import attribution
from dlviz.cnn.attribution import METHODS, AttributionError
from dlviz.data import datasets
from dlviz.figures import attribution as figures
from dlviz.text import markdown_safe
from views._explain import Case, initial, options_key, remember, saliency_map, with_progress
from views._projector import chart
from views._resources import shipped_dataset, shipped_shape_masks

NAMES = {**METHODS, "random": "Random ranking"}


def deletion_tab(case: Case) -> None:
    """Deletion and insertion curves for every method and a random ranking, for this image and on average."""
    st.markdown(
        "If a map is faithful, removing the pixels it ranks highest should make the class probability collapse "
        "quickly (**deletion**: a small area under the curve is good), and revealing them first on a black canvas "
        "should bring the class back quickly (**insertion**: a large area is good). A random ranking is the baseline "
        "every method has to beat."
    )
    maps, skipped = _all_maps(case)
    key = case.key("curves", tuple((method, options_key(case.options.get(method, {}))) for method in maps))

    def compute() -> dict[str, dict[str, np.ndarray]]:
        return {kind: {method: curve(case.model, case.image, case.class_index, shown) for method, shown in maps.items()}
                for kind, curve in (("deletion", attribution.deletion_curve), ("insertion", attribution.insertion_curve))}

    curves = remember(key, case.model, compute)
    areas = {kind: {method: attribution.area_under(values) for method, values in curves[kind].items()} for kind in curves}
    left, right = st.columns(2)
    chart(figures.curves_figure(curves["deletion"], NAMES, "Deletion: pixels removed", areas["deletion"]), key="why_deletion", where=left)
    chart(figures.curves_figure(curves["insertion"], NAMES, "Insertion: pixels revealed", areas["insertion"]), key="why_insertion", where=right)
    st.dataframe(pd.DataFrame([{"method": NAMES[method], "deletion AUC (lower is better)": areas["deletion"][method],
                                "insertion AUC (higher is better)": areas["insertion"][method]} for method in maps]),
                 hide_index=True, key="why_deletion_table")
    for note in skipped:
        st.caption(note)
    average_section(case, list(maps)[:-1], masks=None)


def _all_maps(case: Case) -> tuple[dict[str, np.ndarray], list[str]]:
    maps, skipped = {}, []
    for method in METHODS:
        try:
            maps[method] = saliency_map(case, method)
        except AttributionError as error:
            skipped.append(f"{METHODS[method]} is left out: {markdown_safe(error, 400)}")
    maps["random"] = attribution.random_map(case.image.shape[:2])
    return maps, skipped


def average_section(case: Case, methods: list[str], masks: np.ndarray | None) -> None:
    """The same measures averaged over the first N test images, each explained for the class the model predicts."""
    dataset = case.picked.dataset
    if dataset is None:
        st.caption("Averages over test images need a dataset of this model's picture size.")
        return
    what = "pointing" if masks is not None else "faithfulness"
    count_column, button_column = st.columns([1, 2], vertical_alignment="bottom")
    initial(f"why_{what}_count", min(20, len(dataset.x_test)))
    if st.session_state[f"why_{what}_count"] > min(200, len(dataset.x_test)):
        st.session_state[f"why_{what}_count"] = min(20, len(dataset.x_test))
    count = int(count_column.number_input("Test images", 1, min(200, len(dataset.x_test)), key=f"why_{what}_count"))
    options = {method: dict(case.options.get(method, {})) for method in methods}
    if "integrated_gradients" in options and options["integrated_gradients"].get("baseline") == "mean":
        options["integrated_gradients"]["mean_image"] = dataset.x_train.mean(axis=0)
    key = (id(case.model), what, dataset.name, count, tuple((m, options_key(case.options.get(m, {}))) for m in methods))
    results = st.session_state.setdefault("why_averages", {})
    if button_column.button(f"Average over {count} test images", key=f"why_{what}_run"):
        images = dataset.x_test[:count]
        classes = np.argmax(attribution.probabilities(case.model, images), axis=1)
        try:
            results[key] = with_progress(f"Scoring every method on {count} test images…", lambda report: attribution.compare_methods(
                case.model, images, classes, methods, options, masks=None if masks is None else masks[:count], on_progress=report))
        except AttributionError as error:
            st.error(markdown_safe(error, 600))
    if key in results:
        rows = []
        for score in results[key]:
            row = {"method": NAMES[score.method]}
            if masks is not None:
                row["pointing game (hits)"] = f"{score.pointing:.0%}"
            row.update({"deletion AUC ↓": score.deletion_auc, "insertion AUC ↑": score.insertion_auc,
                        "ms per map": round(score.seconds * 1000, 1)})
            rows.append(row)
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"why_{what}_table")


def localisation_tab(case: Case) -> None:
    """On the generated shapes the true outline is known: does each map's peak land on the shape?"""
    dataset = case.picked.dataset
    name = dataset.name if dataset is not None else ""
    if name not in ("shapes", "shapes_rgb") or case.picked.mode != "sample" or not _shipped(dataset):
        st.info("Localisation needs a model trained on the shipped **shapes** (or shapes_rgb) and a test image from them: "
                "the shapes are drawn by dlviz, so where each shape lies is known exactly. Train one on the Build & train "
                "page (choose the shapes dataset), then pick it here.")
        return
    st.markdown(
        "The shapes are generated, so their true outline (green) is known. The **pointing game** asks a simple question "
        "of every map: does its highest point fall on the shape (within one pixel)? A map that points at the background "
        "is not showing what the model looked at, or the model looked at the wrong thing."
    )
    masks = shipped_shape_masks(name)[1]
    mask = masks[case.picked.test_index]
    maps, skipped = _all_maps(case)
    maxima = {method: tuple(int(v) for v in np.unravel_index(int(np.argmax(shown)), shown.shape)) for method, shown in maps.items()}
    left, right = st.columns([1, 1])
    chart(figures.pointing_figure(case.image, mask, maxima, NAMES), key="why_pointing", where=left)
    right.dataframe(pd.DataFrame([{"method": NAMES[method], "peak (row, column)": str(maxima[method]),
                                   "on the shape": "yes" if attribution.pointing_hit(shown, mask) else "no"}
                                  for method, shown in maps.items()]), hide_index=True, key="why_pointing_table")
    for note in skipped:
        right.caption(note)
    average_section(case, list(maps)[:-1], masks=masks)


def _shipped(dataset: datasets.Dataset) -> bool:
    shipped = shipped_dataset(dataset.name)
    return dataset is shipped or (dataset.x_test.shape == shipped.x_test.shape and np.array_equal(dataset.x_test, shipped.x_test))

