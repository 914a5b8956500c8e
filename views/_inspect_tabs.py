"""The inspector's tabs for one layer: its outputs, filters, one pixel's arithmetic, what-if, pooling, replay.

Every widget here is keyed by the model and the layer it belongs to (`LayerView.tag`), so switching either
starts from that layer's own defaults instead of a row or channel left over from another.
"""

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from dlviz.cnn import inspect
from dlviz.figures import inspect as figures
from dlviz.text import markdown_safe
from views._projector import chart


@dataclass(frozen=True)
class LayerView:
    """One layer of one model on one input, and everything its tabs need."""

    model: Any
    layer: Any
    name: str
    output: np.ndarray
    passed: inspect.ForwardPass
    image: np.ndarray
    class_names: list[str]
    best: int
    is_last: bool
    run: Any  # the TrainingRun when the model was trained here, for the replay
    tag: str  # model and layer, for widget keys

    def key(self, widget: str) -> str:
        return f"{widget}_{self.tag}"


def tab_names(view: LayerView) -> list[str]:
    """The tabs that apply to this layer, the outputs first."""
    names = ["Feature maps" if view.output.ndim == 3 else "Activations"]
    names += ["Filters"] * inspect.is_conv(view.layer)
    names += ["One pixel", "What-if"] * (type(view.layer).__name__ == "Conv2D")
    names += ["Max pooling"] * inspect.is_pool(view.layer)
    names += ["Replay training"] * bool(view.run is not None and view.run.snapshots)
    return names


def outputs_tab(view: LayerView) -> None:
    """Every map of the layer (before and after its activation for a convolution), or its vector of values."""
    output, layer = view.output, view.layer
    if output.ndim == 3:
        scale = st.radio("Colour scale", ["layer", "map", "global"], horizontal=True, key="inspect_scale",
                         format_func={"map": "per map", "layer": "per layer", "global": "global (all layers)"}.get)
        spatial = [value for value in view.passed.outputs.values() if value.ndim == 3]
        overall = (float(min(v.min() for v in spatial)), float(max(v.max() for v in spatial)))
        if inspect.is_conv(layer) and inspect.activation_name(layer) != "linear" and view.name in view.passed.conv_inputs:
            before = inspect.pre_activation(view.model, view.name, view.passed.conv_inputs[view.name])
            # Per layer, both sides share one zero-centred scale so the clipped negatives are visible.
            pair = (float(min(before.min(), output.min())), float(max(before.max(), output.max()))) if scale == "layer" else overall
            pair_scale = "map" if scale == "map" else "global"
            left, right = st.columns(2)
            with left:
                chart(figures.feature_maps_figure(before, pair_scale, pair, "before the activation", 4, diverging=True),
                      key="maps_before", export=True)
            with right:
                chart(figures.feature_maps_figure(output, pair_scale, pair, f"after {inspect.activation_name(layer)}", 4,
                                                  diverging=True), key="maps", export=True)
            st.caption(f"{(before < 0).mean():.0%} of the values before the activation are negative; "
                       f"{(output == 0).mean():.0%} of the outputs are exactly zero.")
        else:
            chart(figures.feature_maps_figure(output, scale, overall, view.name), key="maps", export=True)
    else:
        title = "class probabilities" if view.is_last else f"{view.name}: {output.size} values"
        chart(figures.vector_figure(output, title, view.class_names if view.is_last else None,
                                    view.best if view.is_last else None), key="vector", export=True)
    buffer = io.BytesIO()
    np.save(buffer, output)
    st.download_button("Download this layer's output (.npy)", buffer.getvalue(), f"{view.name}.npy", key="download_npy")


def filters_tab(view: LayerView) -> None:
    kernel = inspect.conv_filters(view.model, view.name)
    bias = inspect.conv_bias(view.model, view.name)
    chart(figures.filters_figure(kernel, f"{kernel.shape[-1]} kernels of {kernel.shape[0]}×{kernel.shape[1]}"),
          key="filters", export=True)
    if kernel.shape[2] == 3 and view.image.shape[-1] == 3:
        chart(figures.rgb_filters_figure(kernel, "the same filters as colour images"), key="rgb_filters")
    st.caption(f"Weights: min {kernel.min():.3f}, mean {kernel.mean():.3f}, max {kernel.max():.3f}, std {kernel.std():.3f}"
               + (f" · biases: {np.array2string(bias[:16], precision=3)}" if bias is not None else ""))


def pixel_tab(view: LayerView) -> None:
    """One output value rebuilt from its input window, kernel and bias, next to the model's own value."""
    out_h, out_w, filters_count = view.output.shape
    r, c, ch, ic = st.columns(4)
    row = r.number_input("Row", 0, out_h - 1, out_h // 2, key=view.key("pixel_row"))
    col = c.number_input("Column", 0, out_w - 1, out_w // 2, key=view.key("pixel_col"))
    channel = ch.number_input("Filter (output channel)", 0, filters_count - 1, 0, key=view.key("pixel_channel"))
    pixel = inspect.conv_pixel(view.model, view.image, view.name, int(row), int(col), int(channel), view.passed)
    in_channel = ic.number_input("Input channel shown", 0, pixel.kernel.shape[-1] - 1, 0, key=view.key("pixel_in"))
    chart(figures.pixel_figure(pixel, int(in_channel)), key="pixel")
    st.markdown(
        f"Sum of all {pixel.products.size} products (over {pixel.kernel.shape[-1]} input channel(s)) = "
        f"**{pixel.products.sum():.4f}**; plus bias {pixel.bias:.4f} = **{pixel.pre_activation:.4f}**; "
        f"{pixel.activation}({pixel.pre_activation:.4f}) = **{pixel.output:.4f}**. "
        f"The model's own output at row {row}, column {col}, filter {channel}: **{pixel.model_output:.4f}**."
    )


def what_if_tab(view: LayerView) -> None:
    """The same trained kernels with another stride, padding or dilation."""
    layer = view.layer
    s, p, d = st.columns(3)
    stride = s.number_input("Stride", 1, 4, int(layer.strides[0]), key=view.key("whatif_stride"))
    padding = p.selectbox("Padding", ["SAME", "VALID"], 0 if layer.padding == "same" else 1, key=view.key("whatif_padding"))
    dilation = d.number_input("Dilation", 1, 4, int(layer.dilation_rate[0]), key=view.key("whatif_dilation"))
    try:
        changed = inspect.conv_what_if(view.model, view.name, view.passed.conv_inputs[view.name], int(stride), padding, int(dilation))
    except inspect.InspectError as error:
        st.error(markdown_safe(error))
        return
    left, right = st.columns(2)
    with left:
        chart(figures.feature_maps_figure(view.output, title=f"as trained: {view.output.shape}", columns=4), key="whatif_original")
    with right:
        chart(figures.feature_maps_figure(changed, title=f"what-if: {changed.shape}", columns=4), key="whatif_changed")


def pooling_tab(view: LayerView) -> None:
    """Each window of the pooling layer's input and the value that won it."""
    pool, strides, padding = inspect.pool_settings(view.model, view.name)
    try:
        source_maps = inspect.pooling_input(view.model, view.name, view.passed)
    except inspect.InspectError as error:
        st.info(markdown_safe(error))
        return
    channel = int(st.number_input("Channel", 0, source_maps.shape[-1] - 1, 0, key=view.key("pool_channel")))
    windows = inspect.max_pool_windows(source_maps[..., channel], pool, strides)
    chart(figures.pooling_figure(source_maps[..., channel], windows, view.output[..., channel]), key="pooling", export=True)
    if padding == "same":
        st.caption("This layer pads its input ('same'); windows above are drawn without the padding.")


def replay_tab(view: LayerView) -> None:
    """The same layer and input with the weights of an earlier epoch: features forming as the model learned."""
    run = view.run
    epoch = st.select_slider("Epoch", run.snapshot_epochs, run.snapshot_epochs[-1], key=view.key("replay_epoch"))
    cache = st.session_state.setdefault("replay_models", {})
    key = (id(view.model), epoch)
    if key not in cache:
        cache.clear()  # one replayed model at a time keeps memory bounded
        cache[key] = inspect.with_weights(view.model, run.snapshots[run.snapshot_epochs.index(epoch)])
    replayed = inspect.forward(cache[key], view.image)
    then = replayed.outputs[view.name]
    title = f"{view.name} after epoch {epoch}"
    names = view.class_names
    chart(figures.feature_maps_figure(then, "layer", title=title) if then.ndim == 3 else
          figures.vector_figure(then, title, names if then.size == len(names) else None), key="replay_maps")
    if inspect.is_conv(view.layer):
        chart(figures.filters_figure(inspect.conv_filters(cache[key], view.name), f"filters after epoch {epoch}"),
              key="replay_filters")
    st.caption(f"Prediction after epoch {epoch}: {markdown_safe(names[int(np.argmax(replayed.probabilities))])} "
               f"({replayed.probabilities.max():.1%}).")


TABS = {"Feature maps": outputs_tab, "Activations": outputs_tab, "Filters": filters_tab, "One pixel": pixel_tab,
        "What-if": what_if_tab, "Max pooling": pooling_tab, "Replay training": replay_tab}
