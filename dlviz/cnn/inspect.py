"""Looking inside a Keras CNN: every layer's output in one pass, filters, pooling, one pixel's sums.

Works for any Keras model with a single image input (Sequential or functional, with branches),
not only the ones dlviz builds. Every number here comes from the model's own weights and a real
forward pass; tests compare them with direct Keras calls and NumPy.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlviz.runtime import keras, tf


def is_conv(layer: Any) -> bool:
    """A convolution with filters to show: Conv2D, DepthwiseConv2D or SeparableConv2D."""
    return isinstance(layer, keras.layers.Conv2D | keras.layers.DepthwiseConv2D | keras.layers.SeparableConv2D)


def is_pool(layer: Any) -> bool:
    """A max or average pooling layer."""
    return isinstance(layer, keras.layers.MaxPooling2D | keras.layers.AveragePooling2D)


class InspectError(ValueError):
    """A model or layer the inspector cannot show, with what it supports instead."""


# -- which models ---------------------------------------------------------------------------
def check_model(model: Any) -> None:
    """Refuse, with a clear sentence, models the inspector cannot look inside."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1:
        raise InspectError(
            f"This model has {len(inputs)} inputs; the inspector shows models with one image input "
            "(height × width × channels)."
        )
    shape = tuple(inputs[0].shape)
    if len(shape) != 4 or shape[-1] not in (1, 3) or None in shape[1:]:
        raise InspectError(
            f"This model's input has shape {shape}; the inspector needs an image input of a fixed size, "
            "(batch, height, width, 1 or 3 channels)."
        )
    if not any(is_conv(layer) for layer in model.layers):
        raise InspectError(
            "This model has no convolution layer (Conv2D, DepthwiseConv2D or SeparableConv2D), so there are no "
            "filters or feature maps to show. Train a CNN on the Build & train page or upload one."
        )


def is_classifier(model: Any) -> bool:
    """Whether the model ends in class probabilities (a softmax), rather than, say, an encoder's code."""
    last = model.layers[-1] if model.layers else None
    return last is not None and (activation_name(last) == "softmax" or type(last).__name__ == "Softmax")


def image_shape(model: Any) -> tuple[int, int, int]:
    """(height, width, channels) the model expects."""
    return tuple(int(size) for size in model.inputs[0].shape[1:])


def inspectable_layers(model: Any) -> list[Any]:
    """The layers that have one output the inspector can show (the input layer excluded)."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer) and _single_output(layer)]


def _single_output(layer: Any) -> bool:
    try:
        return not isinstance(layer.output, list | tuple)
    except (AttributeError, ValueError):
        return False


# -- one forward pass -----------------------------------------------------------------------
_extractors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _extractor(model: Any) -> tuple[Any, list[str], list[str]]:
    """A model that returns every layer's output (and every conv layer's input) at once; cached."""
    if model not in _extractors:
        layers = inspectable_layers(model)
        convs = [layer for layer in layers if is_conv(layer) and _single_input(layer)]
        outputs = [layer.output for layer in layers] + [layer.input for layer in convs]
        extractor = keras.Model(model.inputs[0], outputs)
        # Compiled once: an eager call of a many-output model costs several times the graph call.
        compiled = tf.function(lambda batch: extractor(batch, training=False), reduce_retracing=True)
        _extractors[model] = (compiled, [layer.name for layer in layers], [layer.name for layer in convs])
    return _extractors[model]


def _single_input(layer: Any) -> bool:
    try:
        return not isinstance(layer.input, list | tuple)
    except (AttributeError, ValueError):
        return False


@dataclass
class ForwardPass:
    """Every layer's output for one image (batch axis removed), and the inputs of conv layers."""

    outputs: dict[str, np.ndarray]
    conv_inputs: dict[str, np.ndarray]
    probabilities: np.ndarray


def forward(model: Any, image: np.ndarray) -> ForwardPass:
    """Run the model once on `image` (H, W, C) and keep what every layer produced."""
    batch = _as_batch(model, image)
    extractor, names, conv_names = _extractor(model)
    values = extractor(tf.constant(batch))
    values = [np.asarray(value)[0] for value in (values if isinstance(values, list) else [values])]
    outputs = dict(zip(names, values[: len(names)]))
    conv_inputs = dict(zip(conv_names, values[len(names) :]))
    final = np.asarray(outputs[names[-1]]).ravel()
    return ForwardPass(outputs, conv_inputs, final)


def layer_outputs(model: Any, image: np.ndarray) -> dict[str, np.ndarray]:
    """Each layer's output for the single image, batch axis removed, in layer order, one forward pass."""
    return forward(model, image).outputs


def _as_batch(model: Any, image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    expected = image_shape(model)
    if image.shape == expected:
        return image[None]
    if image.shape == (1, *expected):
        return image
    raise InspectError(f"The image has shape {image.shape} but the model expects {expected}.")


# -- filters and pre-activation --------------------------------------------------------------
def conv_layer(model: Any, layer_name: str) -> Any:
    layer = model.get_layer(layer_name)
    if not is_conv(layer):
        raise InspectError(f"Layer '{layer_name}' is a {type(layer).__name__}, not a convolution.")
    return layer


def conv_filters(model: Any, layer_name: str) -> np.ndarray:
    """The kernels of a conv layer shaped (kh, kw, in, out); for depthwise ones (kh, kw, in, multiplier)."""
    layer = conv_layer(model, layer_name)
    kernel = layer.depthwise_kernel if hasattr(layer, "depthwise_kernel") else layer.kernel
    return np.asarray(kernel)


def conv_bias(model: Any, layer_name: str) -> np.ndarray | None:
    layer = conv_layer(model, layer_name)
    return None if not layer.use_bias else np.asarray(layer.bias)


def activation_name(layer: Any) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "linear") if activation is not None else "linear"


_linear_twins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def pre_activation(model: Any, layer_name: str, layer_input: np.ndarray) -> np.ndarray:
    """A conv layer's output before its fused activation (what ReLU then clips)."""
    layer = conv_layer(model, layer_name)
    if layer not in _linear_twins:
        twin = type(layer).from_config({**layer.get_config(), "activation": "linear", "name": layer.name + "_linear"})
        twin.build(layer.input.shape)
        _linear_twins[layer] = twin
    twin = _linear_twins[layer]
    twin.set_weights(layer.get_weights())  # weights may have changed since (training, replay)
    return np.asarray(twin(layer_input[None], training=False))[0]


# -- one pixel's arithmetic ------------------------------------------------------------------
@dataclass(frozen=True)
class PixelArithmetic:
    """Everything that made one output value of a Conv2D layer."""

    row: int
    col: int
    channel: int
    patch: np.ndarray  # (kh, kw, in): the input values under the kernel (zeros where padded)
    kernel: np.ndarray  # (kh, kw, in)
    products: np.ndarray  # patch * kernel
    bias: float
    pre_activation: float  # products.sum() + bias
    activation: str
    output: float  # activation(pre_activation), computed here
    model_output: float  # the same value from the model's own forward pass
    top_left: tuple[int, int]  # where the window starts in the (unpadded) input; may be negative when padded


def conv_pixel(model: Any, image: np.ndarray, layer_name: str, row: int, col: int, channel: int,
               passed: ForwardPass | None = None) -> PixelArithmetic:
    """The input patch, kernel, products, sum, bias and activation behind one Conv2D output value.

    Pass the image's `ForwardPass` when there is one, to reuse it instead of running the model again."""
    layer = conv_layer(model, layer_name)
    if type(layer) is not keras.layers.Conv2D or getattr(layer, "groups", 1) != 1:
        raise InspectError("One pixel's arithmetic is shown for plain Conv2D layers (not depthwise, separable or grouped).")
    passed = passed or forward(model, image)
    layer_input = passed.conv_inputs[layer_name]
    output = passed.outputs[layer_name]
    out_h, out_w, filters = output.shape
    if not (0 <= row < out_h and 0 <= col < out_w and 0 <= channel < filters):
        raise InspectError(f"Pick a row below {out_h}, a column below {out_w} and a channel below {filters}.")
    kernel = conv_filters(model, layer_name)[..., channel]
    (stride_h, stride_w), (dilation_h, dilation_w) = layer.strides, layer.dilation_rate
    kh, kw = kernel.shape[:2]
    in_h, in_w, _ = layer_input.shape
    pad_top = _pad_before(in_h, out_h, kh, stride_h, dilation_h) if layer.padding == "same" else 0
    pad_left = _pad_before(in_w, out_w, kw, stride_w, dilation_w) if layer.padding == "same" else 0
    top, left = row * stride_h - pad_top, col * stride_w - pad_left
    patch = np.zeros_like(kernel)
    for i in range(kh):
        for j in range(kw):
            y, x = top + i * dilation_h, left + j * dilation_w
            if 0 <= y < in_h and 0 <= x < in_w:
                patch[i, j] = layer_input[y, x]
    products = patch * kernel
    bias = float(conv_bias(model, layer_name)[channel]) if layer.use_bias else 0.0
    summed = float(products.sum(dtype=np.float64)) + bias
    activated = float(np.asarray(layer.activation(tf.constant([summed], dtype=tf.float32)))[0])
    return PixelArithmetic(row, col, channel, patch, kernel, products, bias, summed, activation_name(layer),
                           activated, float(output[row, col, channel]), (top, left))


def _pad_before(size: int, out: int, kernel: int, stride: int, dilation: int) -> int:
    effective = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2  # TensorFlow puts the smaller half of 'same' padding first


# -- pooling --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PoolWindows:
    """Per output cell of a max-pool: the winning value and where in the input it came from."""

    values: np.ndarray  # (out_h, out_w)
    winners: np.ndarray  # (out_h, out_w, 2): (row, col) of the max in the input
    pool_size: tuple[int, int]
    strides: tuple[int, int]


def max_pool_windows(feature_map: np.ndarray, pool_size: int | tuple[int, int], strides: int | tuple[int, int] | None = None) -> PoolWindows:
    """Where each max-pooling output came from ('valid' windows), so a page can draw the winners."""
    pool = _pair(pool_size)
    stride = _pair(strides if strides is not None else pool_size)
    height, width = feature_map.shape
    out_h, out_w = (height - pool[0]) // stride[0] + 1, (width - pool[1]) // stride[1] + 1
    if out_h < 1 or out_w < 1:
        raise InspectError(f"A {pool[0]}×{pool[1]} window does not fit in a {height}×{width} map.")
    values = np.empty((out_h, out_w), dtype=feature_map.dtype)
    winners = np.empty((out_h, out_w, 2), dtype=np.int64)
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride[0], j * stride[1]
            window = feature_map[top : top + pool[0], left : left + pool[1]]
            r, c = np.unravel_index(int(np.argmax(window)), window.shape)
            values[i, j] = window[r, c]
            winners[i, j] = (top + r, left + c)
    return PoolWindows(values, winners, pool, stride)


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def pool_settings(model: Any, layer_name: str) -> tuple[tuple[int, int], tuple[int, int], str]:
    layer = model.get_layer(layer_name)
    if not is_pool(layer):
        raise InspectError(f"Layer '{layer_name}' is not a pooling layer.")
    return tuple(layer.pool_size), tuple(layer.strides), layer.padding


def pooling_input(model: Any, layer_name: str, passed: ForwardPass) -> np.ndarray:
    """The feature maps that went into a pooling layer (the output of the layer feeding it)."""
    layer = model.get_layer(layer_name)
    source = layer.input._keras_history.operation  # the layer that produced this input
    if isinstance(source, keras.layers.InputLayer) or source.name not in passed.outputs:
        raise InspectError("This pooling layer reads the model's input image directly.")
    return passed.outputs[source.name]


# -- what-if and replay ----------------------------------------------------------------------
def conv_what_if(model: Any, layer_name: str, layer_input: np.ndarray, strides: int, padding: str, dilation: int) -> np.ndarray:
    """The conv layer's trained kernels applied with other stride, padding or dilation."""
    layer = conv_layer(model, layer_name)
    if type(layer) is not keras.layers.Conv2D or getattr(layer, "groups", 1) != 1:
        raise InspectError("What-if is available for plain Conv2D layers.")
    if strides > 1 and dilation > 1:
        raise InspectError("TensorFlow cannot combine a stride above 1 with a dilation above 1; set one of them to 1.")
    kernel = conv_filters(model, layer_name)
    effective = (kernel.shape[0] - 1) * dilation + 1
    if padding == "VALID" and effective > min(layer_input.shape[:2]):
        raise InspectError(f"With dilation {dilation} the kernel spans {effective} pixels, more than the {layer_input.shape[0]}-pixel input; use SAME padding or less dilation.")
    result = tf.nn.conv2d(layer_input[None], kernel, strides=strides, padding=padding, dilations=dilation)
    if layer.use_bias:
        result = result + np.asarray(layer.bias)
    return np.asarray(layer.activation(result))[0]


def with_weights(model: Any, weights: list[np.ndarray]) -> Any:
    """A copy of `model` holding other weights (e.g. an epoch's snapshot); the original is untouched."""
    twin = keras.models.clone_model(model)
    twin.set_weights(weights)
    return twin


def explain_layer(layer: Any) -> str:
    """A few plain sentences on what a layer does, for beside its view."""
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return ("A **depthwise convolution** slides one small kernel over each input channel separately, so each "
                "channel is filtered on its own; a pointwise (1×1) convolution usually mixes them afterwards.")
    if isinstance(layer, keras.layers.SeparableConv2D):
        return ("A **separable convolution** filters each channel on its own, then mixes channels with 1×1 kernels: "
                "much the same result as a full convolution with far fewer weights.")
    if isinstance(layer, keras.layers.Conv2D):
        return ("A **convolution** slides each small kernel over the image. At every position it multiplies the "
                "kernel with the patch under it, adds the products and a bias, and writes one number into a "
                "**feature map**. Each filter learns to respond to one pattern — an edge, a corner, a stroke — "
                f"so {layer.filters} filters give {layer.filters} feature maps. The activation "
                f"(**{activation_name(layer)}**) is applied after the sum"
                + ("; ReLU keeps positive responses and sets negative ones to zero." if activation_name(layer) == "relu" else "."))
    if isinstance(layer, keras.layers.MaxPooling2D):
        return ("**Max pooling** keeps only the largest value in each small window, shrinking every map while "
                "keeping its strongest responses. Fewer numbers to process, and a small shift of the input "
                "barely changes the result.")
    if isinstance(layer, keras.layers.AveragePooling2D):
        return "**Average pooling** replaces each window by its mean, shrinking the maps smoothly."
    if isinstance(layer, keras.layers.BatchNormalization):
        return ("**Batch normalisation** rescales each channel with statistics learned during training, keeping "
                "values in a range where learning is fast and stable.")
    if isinstance(layer, keras.layers.Dropout):
        return ("**Dropout** silences a random share of values while training, so the network cannot lean on "
                "any single unit; at inference, as here, it passes everything through unchanged.")
    if isinstance(layer, keras.layers.Flatten | keras.layers.GlobalAveragePooling2D):
        return ("This layer turns the stack of feature maps into one long **vector**, so fully connected layers "
                "can weigh every feature together.")
    if isinstance(layer, keras.layers.Dense):
        if activation_name(layer) == "softmax":
            return ("The output layer is **fully connected**: each class gets a weighted sum of every feature. "
                    "**Softmax** turns those scores into probabilities that add up to 1.")
        return ("A **fully connected** (dense) layer: every unit computes a weighted sum of all its inputs plus "
                f"a bias, then applies {activation_name(layer)}.")
    if isinstance(layer, keras.layers.Add | keras.layers.Concatenate):
        return "This layer **merges branches**: it adds (or stacks) the feature maps that reach it."
    return f"A {type(layer).__name__} layer."
