"""Look inside a CNN: every layer's output for one image, filters, pooling, and one pixel's arithmetic."""

import numpy as np
import streamlit as st

from dlviz import links
from dlviz.cnn import inspect
from dlviz.data import images
from dlviz.figures import charts
from dlviz.figures import images as image_figures
from dlviz.figures import inspect as figures
from dlviz.text import markdown_safe
from views._inputs import DEMO, UPLOAD, Picked, input_picker, model_picker
from views._inspect_tabs import TABS, LayerView, tab_names
from views._model_links import DEMO as DEMO_LINK
from views._model_links import layer_links
from views._projector import chart, explain
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow


def preview(picked: Picked, passed: inspect.ForwardPass, names: list[str], link_name: str | None, classifier: bool) -> None:
    """What the model sees, its answer, and (for an upload or a drawing) how the picture became that input."""
    best = int(np.argmax(passed.probabilities))
    shape = picked.image.shape
    st.caption(f"What the model sees: {shape[0]}×{shape[1]}, {'grayscale' if shape[-1] == 1 else 'RGB'}, values 0–1")
    chart(charts.image_figure(picked.image, height=240), key="input_view")
    if not classifier:
        st.metric("Output", f"{passed.probabilities.size} values", "not class probabilities: this model is not a classifier",
                  delta_color="off", delta_arrow="off")
        return
    st.metric("Prediction", markdown_safe(names[best]), f"{passed.probabilities[best]:.1%} probability", delta_color="off",
              delta_arrow="off")
    if link_name is not None:
        sample = {"class": picked.class_choice, "index": picked.index_choice} if picked.mode == "sample" else {}
        st.page_link("views/attribution.py", label="Why this prediction?", icon=":material/lightbulb:",
                     query_params={"model": link_name, **{k: str(v) for k, v in sample.items() if v is not None}})


def steps_strip(picked: Picked) -> None:
    if picked.steps:
        st.caption("How your picture became that input, step by step"
                   + (" (as the training digits were made: the model only knows digits drawn this way)."
                      if picked.recipe is not None and picked.recipe.digits else "."))
        chart(image_figures.steps_figure(list(picked.steps)), key="input_steps", export=True)


def layer_picker(model, passed: inspect.ForwardPass, link: dict, tag: str) -> str:
    """'Open a layer', keyed by the model so another model's layer is never shown under this one's name."""
    layers = inspect.inspectable_layers(model)
    key = f"inspect_layer_{tag}"
    if "layer" in link:
        if link["layer"] in [layer.name for layer in layers]:
            st.session_state[key] = link["layer"]
        else:
            st.warning(f"The link's layer '{markdown_safe(link['layer'], 120)}' is not in this model; the first layer is shown.")
    return st.selectbox("Open a layer", [layer.name for layer in layers], key=key,
                        format_func=lambda n: f"{n} ({type(model.get_layer(n)).__name__}, output {passed.outputs[n].shape})")


st.title("Look inside a CNN")
explain("Pick a model and an image; every layer's output below comes from one real forward pass.")
require_tensorflow()
link = read_link("inspect", {"class": links.Param(minimum=0, maximum=999), "index": links.Param(minimum=0, maximum=99_999),
                             "layer": links.Param(max_length=120), "model": links.Param(max_length=80)})
show_link_notices("inspect")

chosen = model_picker("inspect", link, inspect.check_model, inspect.InspectError)
if chosen is None:
    st.info("Upload a Keras CNN (.keras) to look inside it, or choose the demo model.")
    st.stop()
model, current = chosen.current.model, chosen.current
try:
    inspect.check_model(model)
    shape = images.check_input_shape(inspect.image_shape(model))  # before any picture: an 8000×8000 input would fill memory
except (inspect.InspectError, images.ImageError) as error:
    st.error(markdown_safe(error))
    st.stop()
st.caption(f"{markdown_safe(model.name)} · {markdown_safe(current.source)} · input {shape} · {model.count_params():,} parameters")
tag = f"{chosen.key}_{id(model)}"  # this very model: a retrained "CNN" is another model
link_name = {DEMO: DEMO_LINK, UPLOAD: None}.get(chosen.key, chosen.key)  # how other pages name it (an upload stays here)

picker, preview_column = st.columns([3, 2], gap="large")
with picker:
    picked = input_picker(chosen, shape, "inspect", link)
if picked is None:
    st.info("Choose an input image above: a test image, an upload, or a drawing.")
    st.stop()
st.session_state.inspect_picked = picked  # what is shown, for links and tests
passed = inspect.forward(model, picked.image)  # one forward pass: every layer's output
count = len(passed.probabilities)
names = current.class_names if len(current.class_names) == count else [str(i) for i in range(count)]
classifier = inspect.is_classifier(model)  # an autoencoder's encoder ends in its code, not in probabilities
with preview_column:
    preview(picked, passed, names, link_name, classifier)
steps_strip(picked)

layers = inspect.inspectable_layers(model)
st.subheader("Overview: every layer, left to right")
chart(figures.overview_figure([(layer.name, passed.outputs[layer.name]) for layer in layers], passed.probabilities, names,
                              classifier=classifier), key="overview", export=True)
layer_name = layer_picker(model, passed, link, tag)
sample = picked.mode == "sample"
write_link({"model": link_name, "class": picked.class_choice if sample else None,
            "index": picked.index_choice if sample else None, "layer": layer_name})
layer_links(link_name, layer_name, inspector=False,
            extra={"class": picked.class_choice, "index": picked.index_choice} if sample else None)
layer = model.get_layer(layer_name)
view = LayerView(model, layer, layer_name, passed.outputs[layer_name], passed, picked.image, names,
                 int(np.argmax(passed.probabilities)), classifier and layer is layers[-1], current.run, f"{tag}_{layer_name}")
explain(inspect.explain_layer(layer), "What does this layer do?")
names_of_tabs = tab_names(view)
for tab, name in zip(st.tabs(names_of_tabs), names_of_tabs):
    with tab:
        TABS[name](view)
