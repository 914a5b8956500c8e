"""Look inside a CNN: every layer's output for one image, filters, pooling, and one pixel's arithmetic."""

import io

import numpy as np
import streamlit as st

from dlviz import links, text
from dlviz.cnn import inspect
from dlviz.data import datasets, images
from dlviz.figures import charts
from dlviz.figures import images as image_figures
from dlviz.figures import inspect as figures
from dlviz.text import markdown_safe
from views._model_links import DEMO, layer_links
from views._models import session_models
from views._resources import demo_model, shipped_dataset
from views._share import read_link, show_link_notices, write_link
from views._tensorflow import require_tensorflow
from views._uploads import uploaded_model

st.title("Look inside a CNN")
st.markdown("Pick a model and an image; every layer's output below comes from one real forward pass.")
require_tensorflow()


link = read_link("inspect", {"class": links.Param(minimum=0, maximum=999), "index": links.Param(minimum=0, maximum=99_999),
                             "layer": links.Param(max_length=120), "model": links.Param(max_length=80)})
show_link_notices("inspect")

# -- the model ---------------------------------------------------------------------------------
models = session_models()  # the session's models by name ("CNN" is the current model); the same names in links
sources = (["Your current model"] if "current_model" in st.session_state else []) + [n for n in models if n != "CNN"]
sources += ["Demo model (digits)", "Upload a .keras model"]
LINK_NAMES = {"Your current model": "CNN", "Demo model (digits)": DEMO}
if "model" in link:
    wanted = {name: label for label, name in LINK_NAMES.items()}.get(link["model"], link["model"])
    if wanted in sources:
        st.session_state.inspect_source = wanted
    else:
        st.warning(f"The link's model '{markdown_safe(link['model'], 80)}' is not in this session; choose one below.")
source = st.radio("Model", sources, horizontal=True, key="inspect_source")
if source == "Your current model":
    current = st.session_state.current_model
elif source in models:
    current = models[source]
elif source == "Demo model (digits)":
    current = demo_model()
else:
    upload = st.file_uploader("A .keras file saved with model.save()", type=["keras", "h5"], key="inspect_model_upload")
    current = uploaded_model(upload, "inspect_upload")
    if current is None:
        st.info("Upload a Keras CNN (.keras) to look inside it, or choose the demo model.")
        st.stop()
model = current.model
try:
    inspect.check_model(model)
except inspect.InspectError as error:
    st.error(str(error))
    st.stop()
shape = inspect.image_shape(model)
st.caption(f"{model.name} · {current.source} · input {shape} · {model.count_params():,} parameters")

# -- the input image ---------------------------------------------------------------------------
try:
    images.check_input_shape(shape)  # before any picture is prepared: an 8000×8000 input would fill the memory
except images.ImageError as error:
    st.error(str(error))
    st.stop()
if current.dataset is not None:
    dataset = current.dataset
elif current.dataset_name in datasets.SHIPPED:
    dataset = shipped_dataset(current.dataset_name)
else:
    matching = [name for name in datasets.SHIPPED if shipped_dataset(name).input_shape == shape]
    dataset = shipped_dataset(matching[0]) if matching else None
recipe = images.recipe_for(current.dataset_name, shape)
image_key = f"inspect_image_{source}"
steps_key = f"{image_key}_steps"  # how the current input was made, set together with it
picker, preview = st.columns([3, 2], gap="large")
with picker:
    modes = (["Dataset sample"] if dataset is not None else []) + ["Upload an image", "Draw"]
    mode = st.radio("Input", modes, horizontal=True, key="inspect_input_mode")
    notices: list[str] = []
    if mode == "Dataset sample":
        class_column, index_column, random_column = st.columns([2, 2, 1], vertical_alignment="bottom")
        if "class" in link:
            if link["class"] < dataset.num_classes:
                st.session_state.inspect_class = link["class"]
            else:
                st.warning(f"The link's class {link['class']} does not exist here ({dataset.num_classes} classes); class 0 is shown.")
        label = class_column.selectbox("Class", range(dataset.num_classes), format_func=lambda i: dataset.class_names[i], key="inspect_class")
        candidates = np.flatnonzero(dataset.y_test == label)
        if "index" in link:
            if link["index"] < len(candidates):
                st.session_state.inspect_index = link["index"]
            else:
                st.warning(f"The link's test image {link['index']} does not exist for this class; image 0 is shown.")
        if random_column.button("Random", key="inspect_random"):
            st.session_state.inspect_index = int(np.random.default_rng().integers(len(candidates)))
        index = index_column.number_input("Test image", 0, len(candidates) - 1, 0, key="inspect_index")
        st.session_state[image_key], st.session_state[steps_key] = dataset.x_test[candidates[index]], []
    elif mode == "Upload an image":
        picture = st.file_uploader("Any common image format", type=[suffix[1:] for suffix in images.SUFFIXES], key="inspect_picture")
        if picture is not None:
            try:
                prepared = images.prepare_steps(picture.getvalue(), shape, recipe=recipe)
                st.session_state[image_key], st.session_state[steps_key], notices = prepared.array, prepared.steps, prepared.notices
            except images.ImageError as error:
                st.error(f"**{text.markdown_safe(picture.name)}**: {text.markdown_safe(error)}")
    else:
        try:
            from streamlit_drawable_canvas import st_canvas

            drawing = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=224, width=224,
                                drawing_mode="freedraw", key="inspect_canvas", return_image_data=True)
            if drawing is not None and drawing.image_data is not None and drawing.image_data[..., :3].max() > 0:
                prepared = images.drawing_steps(drawing.image_data, shape, recipe=recipe)
                st.session_state[image_key], st.session_state[steps_key], notices = prepared.array, prepared.steps, prepared.notices
            else:
                st.caption("Draw a digit or a shape in white on the black square.")
        except images.ImageError as error:
            st.error(str(error))
        except Exception as error:  # the canvas is a third-party component; the page must survive without it
            st.warning(f"The drawing canvas is not available here ({type(error).__name__}); upload an image instead.")
    for notice in notices:
        st.caption(text.markdown_safe(notice))
image = st.session_state.get(image_key)
if image is None or image.shape != shape:
    st.info("Choose an input image above.")
    st.stop()

passed = inspect.forward(model, image)  # one forward pass: every layer's output
best = int(np.argmax(passed.probabilities))
names = current.class_names if len(current.class_names) == len(passed.probabilities) else [str(i) for i in range(len(passed.probabilities))]
with preview:
    st.caption(f"What the model sees: {shape[0]}×{shape[1]}, {'grayscale' if shape[-1] == 1 else 'RGB'}, values 0–1")
    st.plotly_chart(charts.image_figure(image, height=240), key="input_view")
    st.metric("Prediction", names[best], f"{passed.probabilities[best]:.1%} probability", delta_color="off")
if st.session_state.get(steps_key):
    st.caption("How your picture became that input, step by step"
               + (" (as the training digits were made: the model only knows digits drawn this way)." if recipe.digits else "."))
    st.plotly_chart(image_figures.steps_figure(st.session_state[steps_key]), key="input_steps", config=figures.EXPORT)

# -- overview ------------------------------------------------------------------------------------
layers = inspect.inspectable_layers(model)
if "layer" in link:
    if link["layer"] in [layer.name for layer in layers]:
        st.session_state.inspect_layer = link["layer"]
    else:
        st.warning(f"The link's layer '{markdown_safe(link['layer'], 120)}' is not in this model; the first layer is shown.")
st.subheader("Overview: every layer, left to right")
st.plotly_chart(figures.overview_figure([(layer.name, passed.outputs[layer.name]) for layer in layers], passed.probabilities, names),
                key="overview", config=figures.EXPORT)

# -- one layer -----------------------------------------------------------------------------------
layer_name = st.selectbox("Open a layer", [layer.name for layer in layers], key="inspect_layer",
                          format_func=lambda n: f"{n} ({type(model.get_layer(n)).__name__}, output {passed.outputs[n].shape})")
layer = model.get_layer(layer_name)
output = passed.outputs[layer_name]
sample = mode == "Dataset sample"
model_name = LINK_NAMES.get(source, source if source in models else None)
write_link({"model": model_name, "class": st.session_state.get("inspect_class") if sample else None,
            "index": st.session_state.get("inspect_index") if sample else None, "layer": layer_name})
layer_links(model_name, layer_name, inspector=False, extra={"class": st.session_state.get("inspect_class") if sample else None,
                                                            "index": st.session_state.get("inspect_index") if sample else None})
st.markdown(inspect.explain_layer(layer))
is_conv, is_plain_conv = inspect.is_conv(layer), type(layer).__name__ == "Conv2D"
tab_names = ["Feature maps" if output.ndim == 3 else "Activations"]
tab_names += ["Filters"] * is_conv + ["One pixel", "What-if"] * is_plain_conv
tab_names += ["Max pooling"] * inspect.is_pool(layer)
tab_names += ["Replay training"] * bool(current.run is not None and current.run.snapshots)
tabs = dict(zip(tab_names, st.tabs(tab_names)))

with tabs[tab_names[0]]:
    if output.ndim == 3:
        scale = st.radio("Colour scale", ["layer", "map", "global"], horizontal=True, key="inspect_scale",
                         format_func={"map": "per map", "layer": "per layer", "global": "global (all layers)"}.get)
        spatial = [value for value in passed.outputs.values() if value.ndim == 3]
        overall = (float(min(v.min() for v in spatial)), float(max(v.max() for v in spatial)))
        if is_conv and inspect.activation_name(layer) != "linear" and layer_name in passed.conv_inputs:
            before = inspect.pre_activation(model, layer_name, passed.conv_inputs[layer_name])
            # Per layer, both sides share one zero-centred scale so the clipped negatives are visible.
            pair = (float(min(before.min(), output.min())), float(max(before.max(), output.max()))) if scale == "layer" else overall
            pair_scale = "map" if scale == "map" else "global"
            left, right = st.columns(2)
            left.plotly_chart(figures.feature_maps_figure(before, pair_scale, pair, "before the activation", 4, diverging=True), key="maps_before", config=figures.EXPORT)
            right.plotly_chart(figures.feature_maps_figure(output, pair_scale, pair, f"after {inspect.activation_name(layer)}", 4, diverging=True), key="maps", config=figures.EXPORT)
            st.caption(f"{(before < 0).mean():.0%} of the values before the activation are negative; "
                       f"{(output == 0).mean():.0%} of the outputs are exactly zero.")
        else:
            st.plotly_chart(figures.feature_maps_figure(output, scale, overall, layer_name), key="maps", config=figures.EXPORT)
    else:
        is_last = layer is layers[-1]
        st.plotly_chart(figures.vector_figure(output, "class probabilities" if is_last else f"{layer_name}: {output.size} values",
                                              names if is_last else None, best if is_last else None), key="vector", config=figures.EXPORT)
    buffer = io.BytesIO()
    np.save(buffer, output)
    st.download_button("Download this layer's output (.npy)", buffer.getvalue(), f"{layer_name}.npy", key="download_npy")

if "Filters" in tabs:
    with tabs["Filters"]:
        kernel = inspect.conv_filters(model, layer_name)
        bias = inspect.conv_bias(model, layer_name)
        st.plotly_chart(figures.filters_figure(kernel, f"{kernel.shape[-1]} kernels of {kernel.shape[0]}×{kernel.shape[1]}"),
                        key="filters", config=figures.EXPORT)
        if kernel.shape[2] == 3 and shape[-1] == 3:
            st.plotly_chart(figures.rgb_filters_figure(kernel, "the same filters as colour images"), key="rgb_filters")
        st.caption(f"Weights: min {kernel.min():.3f}, mean {kernel.mean():.3f}, max {kernel.max():.3f}, std {kernel.std():.3f}"
                   + (f" · biases: {np.array2string(bias[:16], precision=3)}" if bias is not None else ""))

if "One pixel" in tabs:
    with tabs["One pixel"]:
        out_h, out_w, filters_count = output.shape
        r, c, ch, ic = st.columns(4)
        row = r.number_input("Row", 0, out_h - 1, out_h // 2, key="pixel_row")
        col = c.number_input("Column", 0, out_w - 1, out_w // 2, key="pixel_col")
        channel = ch.number_input("Filter (output channel)", 0, filters_count - 1, 0, key="pixel_channel")
        pixel = inspect.conv_pixel(model, image, layer_name, int(row), int(col), int(channel), passed)
        in_channel = ic.number_input("Input channel shown", 0, pixel.kernel.shape[-1] - 1, 0, key="pixel_in")
        st.plotly_chart(figures.pixel_figure(pixel, int(in_channel)), key="pixel")
        st.markdown(
            f"Sum of all {pixel.products.size} products (over {pixel.kernel.shape[-1]} input channel(s)) = "
            f"**{pixel.products.sum():.4f}**; plus bias {pixel.bias:.4f} = **{pixel.pre_activation:.4f}**; "
            f"{pixel.activation}({pixel.pre_activation:.4f}) = **{pixel.output:.4f}**. "
            f"The model's own output at row {row}, column {col}, filter {channel}: **{pixel.model_output:.4f}**."
        )

if "What-if" in tabs:
    with tabs["What-if"]:
        s, p, d = st.columns(3)
        stride = s.number_input("Stride", 1, 4, int(layer.strides[0]), key="whatif_stride")
        padding = p.selectbox("Padding", ["SAME", "VALID"], 0 if layer.padding == "same" else 1, key="whatif_padding")
        dilation = d.number_input("Dilation", 1, 4, int(layer.dilation_rate[0]), key="whatif_dilation")
        try:
            changed = inspect.conv_what_if(model, layer_name, passed.conv_inputs[layer_name], int(stride), padding, int(dilation))
            left, right = st.columns(2)
            left.plotly_chart(figures.feature_maps_figure(output, title=f"as trained: {output.shape}", columns=4), key="whatif_original")
            right.plotly_chart(figures.feature_maps_figure(changed, title=f"what-if: {changed.shape}", columns=4), key="whatif_changed")
        except inspect.InspectError as error:
            st.error(str(error))

if "Max pooling" in tabs:
    with tabs["Max pooling"]:
        pool, strides, padding = inspect.pool_settings(model, layer_name)
        try:
            source_maps = inspect.pooling_input(model, layer_name, passed)
            channel = st.number_input("Channel", 0, source_maps.shape[-1] - 1, 0, key="pool_channel")
            windows = inspect.max_pool_windows(source_maps[..., int(channel)], pool, strides)
            st.plotly_chart(figures.pooling_figure(source_maps[..., int(channel)], windows, output[..., int(channel)]), key="pooling", config=figures.EXPORT)
            if padding == "same":
                st.caption("This layer pads its input ('same'); windows above are drawn without the padding.")
        except inspect.InspectError as error:
            st.info(str(error))

if "Replay training" in tabs:
    with tabs["Replay training"]:
        run = current.run
        epoch = st.select_slider("Epoch", run.snapshot_epochs, run.snapshot_epochs[-1], key="replay_epoch")
        cache = st.session_state.setdefault("replay_models", {})
        key = (id(model), epoch)
        if key not in cache:
            cache.clear()  # one replayed model at a time keeps memory bounded
            cache[key] = inspect.with_weights(model, run.snapshots[run.snapshot_epochs.index(epoch)])
        replayed = inspect.forward(cache[key], image)
        then = replayed.outputs[layer_name]
        title = f"{layer_name} after epoch {epoch}"
        st.plotly_chart(figures.feature_maps_figure(then, "layer", title=title) if then.ndim == 3 else
                        figures.vector_figure(then, title, names if then.size == len(names) else None), key="replay_maps")
        if is_conv:
            st.plotly_chart(figures.filters_figure(inspect.conv_filters(cache[key], layer_name), f"filters after epoch {epoch}"), key="replay_filters")
        st.caption(f"Prediction after epoch {epoch}: {names[int(np.argmax(replayed.probabilities))]} "
                   f"({replayed.probabilities.max():.1%}).")
