"""Why this prediction?: saliency maps, Grad-CAM, occlusion, their sanity checks, and what filters want to see."""

import numpy as np
import streamlit as st

from dlviz import links
from dlviz.cnn import attribution
from dlviz.cnn.attribution import BASELINES, METHODS, AttributionError
from dlviz.figures import attribution as figures
from dlviz.figures import charts
from dlviz.text import markdown_safe
from views._explain import EXPLANATIONS, Case, class_label, initial, integrated_gradients_check, saliency_map
from views._faithfulness import deletion_tab, localisation_tab
from views._filters import filters_tab
from views._inputs import input_picker, model_picker
from views._projector import chart, explain
from views._sanity import sanity_tab
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow

TAB_WIDGETS = ("why_method", "why_opacity", "why_all", "why_sanity_method", "why_shuffled_epochs", "why_faithfulness_count",
               "why_pointing_count", "why_filter_layer", "why_filter_unit", "why_ascent_steps", "why_ascent_rate",
               "why_ascent_jitter", "why_ascent_blur", "why_ascent_l2", "why_ascent_objective")

st.title("Why this prediction?")
explain(
    "A network's answer is a long chain of multiplications; an **attribution map** traces it back to the pixels. "
    "Six ways of doing that are below, each explaining the class's score (the value before softmax), together with "
    "the tests that tell a map that explains the model from one that merely redraws the picture."
)
require_tensorflow()

link = read_link("why", {"model": links.Param(max_length=80), "class": links.Param(minimum=0, maximum=999),
                         "index": links.Param(minimum=0, maximum=99_999), "layer": links.Param(max_length=120),
                         "method": links.Param(list(METHODS))})
show_link_notices("why")
for kept in TAB_WIDGETS:  # widgets inside a tab that is closed are not drawn; keep their values for when it opens
    if kept in st.session_state:
        st.session_state[kept] = st.session_state[kept]
if "method" in link:
    st.session_state.why_method = link["method"]

chosen = model_picker("why", link, attribution.check_model, AttributionError)
if chosen is None:
    st.info("Upload a Keras image classifier (.keras) to explain it, or choose another model.")
    st.stop()
model = chosen.current.model
try:
    attribution.check_model(model)
except AttributionError as error:
    st.error(markdown_safe(error, 600))
    st.stop()
shape = attribution.image_shape(model)
st.caption(f"{markdown_safe(model.name, 80)} · {markdown_safe(chosen.current.source, 120)} · input {shape} · "
           f"{model.count_params():,} parameters")

picker, preview = st.columns([3, 2], gap="large")
with picker:
    picked = input_picker(chosen, shape, "why", link)
if picked is None:
    st.info("Choose an input picture above.")
    st.stop()
probabilities = attribution.probabilities(model, picked.image[None])[0]
if not np.isfinite(probabilities).all():
    st.error("This model's output for this picture is not a number (NaN or infinite): its weights are broken, "
             "so there is nothing to explain. Choose another model.")
    st.stop()
count = len(probabilities)
names = chosen.current.class_names if len(chosen.current.class_names) == count else [str(i) for i in range(count)]
predicted = int(np.argmax(probabilities))
with preview:
    image_column, metric_column = st.columns([3, 2], vertical_alignment="center")
    chart(charts.image_figure(picked.image, height=200), key="why_input", where=image_column)
    metric_column.metric("Prediction", names[predicted], f"{probabilities[predicted]:.1%}", delta_color="off", delta_arrow="off")
with picker:
    explain_column, contrast_column = st.columns(2)
    explained = explain_column.selectbox("Explain the class", range(count), index=predicted, key=f"why_class_{picked.digest}",
                                         format_func=lambda i: f"{names[i]} ({probabilities[i]:.1%})")
    others = [None, *[i for i in range(count) if i != explained]]
    contrast = contrast_column.selectbox("…rather than (optional)", others, key=f"why_contrast_{picked.digest}_{explained}",
                                         format_func=lambda i: "no second class" if i is None else f"{names[i]} ({probabilities[i]:.1%})")
case = Case(chosen, picked, int(explained), contrast, names, probabilities)


def method_options(case: Case) -> None:
    """Every method's options (kept per method, so switching back finds them as they were)."""
    side = min(shape[:2])
    with st.expander("Options of the methods"):
        noise_column, samples_column, baseline_column, steps_column = st.columns(4)
        case.options["smoothgrad"] = {
            "noise": noise_column.slider("SmoothGrad noise", 0.0, 1.0, 0.15, 0.05, key="why_smooth_noise"),
            "samples": int(samples_column.number_input("SmoothGrad samples", 0, 10_000, 50, key="why_smooth_samples")),
        }
        case.options["integrated_gradients"] = {
            "baseline": baseline_column.radio("IG baseline", BASELINES, horizontal=True, key="why_ig_baseline"),
            "steps": int(steps_column.number_input("IG steps", 0, 10_000, 64, key="why_ig_steps")),
        }
        layer_column, patch_column, stride_column, fill_column = st.columns(4)
        convs = attribution.conv_layers(model)
        if "layer" in link and link["layer"] not in convs:
            st.warning(f"The link's layer '{markdown_safe(link['layer'], 60)}' is not a convolution of this model; "
                       "Grad-CAM reads the last one.")
        elif "layer" in link:
            st.session_state.why_gradcam_layer = link["layer"]
        if st.session_state.get("why_gradcam_layer") not in convs:
            st.session_state.pop("why_gradcam_layer", None)
        if convs:
            layer = layer_column.selectbox("Grad-CAM layer", convs, index=len(convs) - 1, key="why_gradcam_layer")
            case.options["gradcam"] = {"layer": layer}
        default_patch = max(2, side // 7)
        case.options["occlusion"] = {
            "patch": int(patch_column.number_input("Occlusion patch", 0, 1000, default_patch, key=f"why_patch_{side}")),
            "stride": int(stride_column.number_input("Occlusion stride", 0, 1000, max(1, default_patch // 2), key=f"why_stride_{side}")),
            "fill": float(fill_column.number_input("Occlusion fill", -1000.0, 1000.0, 0.0, 0.1, key="why_fill")),
        }


def maps_tab(case: Case) -> None:
    """One method's map over the picture; with a second class, why one and not the other."""
    method_column, figure_column = st.columns([1, 2], gap="large")
    method = method_column.radio("Method", list(METHODS), format_func=METHODS.get, key="why_method")
    method_column.caption(EXPLANATIONS[method])
    initial("why_opacity", 0.7)
    opacity = method_column.slider("Map opacity", 0.0, 1.0, step=0.05, key="why_opacity")
    show_all = method_column.toggle("All six methods side by side", key="why_all")
    with figure_column:
        try:
            shown = saliency_map(case, method)
            if case.contrast is None:
                title = f"{METHODS[method]}: why {class_label(case, case.class_index)}"
                chart(figures.overlay_figure(case.image, shown, title, opacity, height=420), key="why_map")
                if method == "integrated_gradients":
                    total, difference = integrated_gradients_check(case)
                    gap = abs(total - difference) / max(abs(difference), 1e-12)
                    st.caption(f"Completeness: the attributions add up to {total:.4g}, and score(input) − score(baseline) "
                               f"is {difference:.4g}, {gap:.2%} apart (the sum of {case.options['integrated_gradients']['steps']} "
                               "steps only approximates the path integral).")
            else:
                panels = [(f"why {case.names[case.class_index]}", saliency_map(case, method)),
                          (f"why {case.names[case.contrast]}", saliency_map(case, method, class_index=case.contrast)),
                          (f"{case.names[case.class_index]} rather than {case.names[case.contrast]}",
                           saliency_map(case, method, contrast=case.contrast))]
                chart(figures.maps_row_figure(case.image, panels, opacity), key="why_map")
                st.caption("The third map explains the difference of the two scores: the pixels that make it more one "
                           "than the other.")
        except AttributionError as error:
            st.error(markdown_safe(error, 600))
    if show_all:
        panels, notes = [], []
        for other in METHODS:
            try:
                panels.append((METHODS[other], saliency_map(case, other)))
            except AttributionError as error:
                notes.append(f"{METHODS[other]}: {markdown_safe(error, 400)}")
        chart(figures.maps_row_figure(case.image, panels, opacity, columns=len(panels)), key="why_all_maps")
        for note in notes:
            st.caption(note)


method_options(case)
tabs = {"Maps": maps_tab, "Sanity check": sanity_tab, "Deletion & insertion": deletion_tab,
        "Localisation": localisation_tab, "What filters want to see": filters_tab}
for tab, show in zip(st.tabs(list(tabs), key="why_tab", on_change="rerun"), tabs.values()):
    with tab:
        if tab.open:
            show(case)

sample = picked.mode == "sample"
where = {"class": picked.class_choice, "index": picked.index_choice} if sample else {}
layer = case.options.get("gradcam", {}).get("layer")
write_link({"model": chosen.key if chosen.key != "upload" else None, **where, "layer": layer,
            "method": st.session_state.get("why_method")})
st.page_link("views/inspect.py", label="Look inside this model, layer by layer, with the same input" if sample else
             "Look inside this model, layer by layer", icon=":material/visibility:",
             query_params={key: str(value) for key, value in {**where, "layer": layer}.items() if value is not None})
