"""The "What filters want to see" tab: activation maximisation of one unit, and grids computed in the background."""

from __future__ import annotations

import streamlit as st

from dlviz.cnn import attribution, maximisation
from dlviz.cnn.attribution import AttributionError
from dlviz.cnn.maximisation import Ascent
from dlviz.figures import attribution as figures
from dlviz.text import markdown_safe
from dlviz.training import jobs
from views._explain import Case, initial, remember, with_progress
from views._live import poll_while
from views._projector import chart
from views._resources import session_owner

CLASSES = "(output classes)"
ROW_FILTERS = 8  # filters per layer in the one-row-per-layer view
MAX_FILTERS = 64


def filters_tab(case: Case) -> None:
    """Pictures that switch one filter (or class) on as much as possible, then grids of them."""
    model = case.model
    st.markdown(
        "Start from a grey picture and change its pixels, step by step, in the direction that makes one filter fire "
        "harder (gradient ascent on the input, the weights held fixed). Left alone this produces high-frequency noise, "
        "so each step the picture is shifted a pixel at random (jitter), blurred now and then, and faded towards "
        "black (L2): what survives is a pattern the filter really responds to."
    )
    convs = attribution.conv_layers(model)
    targets = [*convs, CLASSES]
    target_column, unit_column = st.columns(2)
    if st.session_state.get("why_filter_layer") not in targets:
        st.session_state.why_filter_layer = convs[-1] if convs else CLASSES
    target = target_column.selectbox("Layer", targets, key="why_filter_layer")
    layer = None if target == CLASSES else target
    count = attribution.num_classes(model) if layer is None else int(model.get_layer(layer).output.shape[-1])
    if st.session_state.get("why_filter_unit", 0) >= count:
        st.session_state.why_filter_unit = 0
    initial("why_filter_unit", 0)
    unit = int(unit_column.number_input("Class" if layer is None else "Filter", 0, count - 1, key="why_filter_unit"))
    ascent = ascent_settings()
    try:
        ascent.check()
        pictures = remember((id(model), "maximise", target, unit, ascent), model, lambda: with_progress(
            "Climbing the gradient…", lambda report: maximisation.maximise(model, layer, [unit], ascent, on_progress=report)))
    except AttributionError as error:
        st.error(markdown_safe(error, 600))
        return
    picture_column, text_column = st.columns([1, 2])
    label = case.names[unit] if layer is None else f"{target} #{unit}"
    chart(figures.pictures_figure([("", pictures.images, [label])], row_height=260), key="why_filter_picture", where=picture_column)
    text_column.markdown(
        f"**{markdown_safe(label)}**: {'class score' if layer is None else 'activation'} "
        f"{pictures.start_activations[0]:.3f} on the grey start, **{pictures.activations[0]:.3f}** after {ascent.steps} steps."
    )
    if pictures.activations[0] <= pictures.start_activations[0] + 1e-6:
        text_column.caption("It did not rise: even the picture that pushes its response up hardest leaves it below zero, "
                            "so ReLU keeps it at 0 (a 'dead' unit for pictures like these).")
    if layer is not None:
        size = maximisation.receptive_field(model, layer)
        text_column.caption(f"One unit of {target} sees a {size}×{size} square of the input; the pattern can only be that big.")
    grids_section(case, convs, layer, count, ascent)


def ascent_settings() -> Ascent:
    defaults = Ascent()
    with st.expander("Ascent settings"):
        columns = st.columns(6)
        for name, value in (("steps", defaults.steps), ("rate", defaults.learning_rate), ("jitter", defaults.jitter),
                            ("blur", defaults.blur_every), ("l2", defaults.l2)):
            initial(f"why_ascent_{name}", value)
        steps = columns[0].number_input("Steps", 0, 5000, key="why_ascent_steps")
        rate = columns[1].number_input("Step size", 0.0, 10.0, step=0.005, format="%.3f", key="why_ascent_rate")
        jitter = columns[2].number_input("Jitter (pixels)", 0, 20, key="why_ascent_jitter")
        blur = columns[3].number_input("Blur every (steps)", 0, 1000, key="why_ascent_blur")
        l2 = columns[4].number_input("L2 fade", 0.0, 1.0, step=0.005, format="%.3f", key="why_ascent_l2")
        centre = columns[5].radio("Objective", ["centre unit", "whole map"], key="why_ascent_objective",
                                  help="The filter's unit at the centre of its map, or the mean over the map (a texture).")
    return Ascent(int(steps), float(rate), int(jitter), int(blur), defaults.blur_sigma, float(l2), centre == "centre unit")


def grids_section(case: Case, convs: list[str], layer: str | None, count: int, ascent: Ascent) -> None:
    """Background grids: every filter of one layer, or the first filters of every layer from first to last."""
    model = case.model
    st.subheader("Grids, computed in the background")
    if convs:
        st.caption(maximisation.hierarchy_note(model))
    every = [(layer, list(range(min(count, MAX_FILTERS))))]
    ladder = [(name, list(range(min(ROW_FILTERS, int(model.get_layer(name).output.shape[-1]))))) for name in convs]
    ladder.append((None, list(range(min(attribution.num_classes(model), 10)))))
    what = CLASSES if layer is None else layer
    left, right = st.columns(2)
    left.button(f"Every {'class' if layer is None else 'filter'} of {what} ({min(count, MAX_FILTERS)})", on_click=start,
                args=(case, every, ascent), key="why_grid_layer", disabled=_running())
    right.button(f"One row per convolution layer ({len(convs)} + classes)", on_click=start, args=(case, ladder, ascent),
                 key="why_grid_ladder", disabled=_running())
    state = st.session_state.get("why_grid")
    if state is None or state["model"] != id(model):
        return

    def progress() -> None:
        grid = st.session_state.why_grid
        job = grid["job"]
        done = len(grid["results"])
        text = job.summary() if job.status == "waiting" else (
            f"Row {min(done + 1, len(grid['rows']))} of {len(grid['rows'])}" if job.running else f"{done} of {len(grid['rows'])} rows")
        st.progress(job.progress, text=text)
        if job.running:
            st.button("Stop", on_click=job.request_stop, key="why_grid_stop")
        if job.status == "failed":
            st.error(markdown_safe(job.error, 600))
        if grid["results"]:
            rows = [(_row_label(case, pictures), pictures.images, _unit_labels(case, pictures)) for pictures in grid["results"]]
            chart(figures.pictures_figure(rows, columns=min(16, max(len(p.units) for p in grid["results"]))),
                            key="why_grid_figure")

    poll_while("why_grid_polling", _running, progress)


def _row_label(case: Case, pictures: maximisation.Pictures) -> str:
    return pictures.layer or "classes"


def _unit_labels(case: Case, pictures: maximisation.Pictures) -> list[str]:
    return [case.names[unit] for unit in pictures.units] if not pictures.layer else [f"#{unit}" for unit in pictures.units]


def _running() -> bool:
    grid = st.session_state.get("why_grid")
    return grid is not None and grid["job"].running


def start(case: Case, rows: list, ascent: Ascent) -> None:
    results: list = []
    model = case.model
    job = jobs.submit(lambda hooks: maximisation.maximise_rows(model, rows, ascent, into=results, hooks=hooks),
                      epochs=len(rows), owner=session_owner(), label="filter pictures")
    st.session_state.why_grid = {"job": job, "results": results, "rows": rows, "model": id(model)}
