"""Why did the network say that? Attribution maps, how faithful they are, and what a filter wants to see.

What a filter wants to see (activation maximisation) is in `dlviz.cnn.maximisation`.

Every method explains one number, the class score: the logit before softmax when the last layer applies
softmax, else the model's output (`class_score`). A map is a non-negative (H, W) array over the input's
pixels; `deletion_curve`, `insertion_curve` and `pointing_hit` measure whether it is faithful, and
`randomization_test` whether it depends on the model at all (Adebayo et al., 2018).

All methods are written here on `tf.GradientTape`. tf-keras-vis 0.8.7 was tried with TensorFlow 2.21 and
Keras 3: its plain saliency agrees with a direct tape to the last bit, but its `ReplaceToLinear` (needed to
explain the logit) fails on every Sequential model (Keras 3's Sequential has no `output_names`) and its
Grad-CAM returns no gradient for them, and Sequential is what the app builds. Each method is a few lines of
tape, batched so that SmoothGrad, Integrated Gradients and occlusion are one or a few model calls.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlviz import runtime
from dlviz.data import datasets
from dlviz.runtime import keras, tf

METHODS = {
    "gradient": "Gradient",
    "gradient_x_input": "Gradient × input",
    "smoothgrad": "SmoothGrad",
    "integrated_gradients": "Integrated Gradients",
    "gradcam": "Grad-CAM",
    "occlusion": "Occlusion",
}
OPTIONS = {  # every option each method accepts (besides `contrast` and `on_progress`)
    "gradient": (),
    "gradient_x_input": (),
    "smoothgrad": ("samples", "noise", "seed"),
    "integrated_gradients": ("baseline", "steps", "mean_image"),
    "gradcam": ("layer",),
    "occlusion": ("patch", "stride", "fill"),
}
BASELINES = ("black", "blurred", "mean")
MAX_STEPS = 512
MAX_SAMPLES = 256
MAX_PIXELS = 512 * 512  # explanations of bigger pictures would take minutes and gigabytes
MAX_PATCHES = 20_000
CHUNK = 64  # images per model call in the batched methods

Progress = Callable[[float], None] | None


class AttributionError(ValueError):
    """A model, input or option the explanations cannot use, with a sentence saying why."""


# -- which models, which inputs -----------------------------------------------------------------
def check_model(model: Any) -> None:
    """Refuse, with a clear sentence, a model that is not an image classifier with one fixed-size input."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1:
        raise AttributionError(f"This model has {len(inputs)} inputs; explanations need one image input.")
    shape = tuple(inputs[0].shape)
    if len(shape) != 4 or shape[-1] not in (1, 3) or None in shape[1:]:
        raise AttributionError(
            f"This model's input has shape {shape}; explanations need an image of a fixed size "
            "(batch, height, width, 1 or 3 channels)."
        )
    if shape[1] * shape[2] > MAX_PIXELS:
        raise AttributionError(f"This model's input is {shape[1]}×{shape[2]} pixels; explanations here work on pictures "
                               f"of up to {MAX_PIXELS:,} pixels (512×512).")
    outputs = getattr(model, "outputs", None) or []
    if len(outputs) != 1 or len(outputs[0].shape) != 2:
        shown = tuple(outputs[0].shape) if len(outputs) == 1 else f"{len(outputs)} outputs"
        raise AttributionError(
            f"This model produces {shown}, not one score per class, so it is not an image classifier "
            "(an autoencoder or a segmentation model, say); explanations need a classifier."
        )


def image_shape(model: Any) -> tuple[int, int, int]:
    """(height, width, channels) the model expects."""
    return tuple(int(size) for size in model.inputs[0].shape[1:])


def num_classes(model: Any) -> int:
    return int(model.outputs[0].shape[-1])


def conv_layers(model: Any) -> list[str]:
    """Names of the convolution layers, first to last (Grad-CAM and the filter pictures use these)."""
    kinds = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)
    return [layer.name for layer in model.layers if isinstance(layer, kinds) and _spatial_output(layer)]


def _spatial_output(layer: Any) -> bool:
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return False
    return not isinstance(output, list | tuple) and len(output.shape) == 4


def _image(model: Any, image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    expected = image_shape(model)
    if image.shape == (1, *expected):
        image = image[0]
    if image.shape != expected:
        raise AttributionError(f"The image has shape {image.shape} but the model expects {expected}.")
    if not np.isfinite(image).all():
        raise AttributionError("The image contains NaN or infinite values; explanations need real pixel values.")
    return image


def _class(model: Any, class_index: Any, what: str = "class") -> int:
    classes = num_classes(model)
    if isinstance(class_index, bool) or not isinstance(class_index, int | np.integer) or not 0 <= class_index < classes:
        raise AttributionError(f"The {what} must be a whole number from 0 to {classes - 1}; got {class_index!r}.")
    return int(class_index)


def _weights(model: Any, class_index: int, contrast: int | None) -> np.ndarray:
    """Which combination of logits is explained: one class, or one class minus another ("a 3 and not an 8")."""
    weights = np.zeros(num_classes(model), dtype=np.float32)
    weights[_class(model, class_index)] = 1.0
    if contrast is not None:
        other = _class(model, contrast, "class to compare with")
        if other == class_index:
            raise AttributionError("Compare the class with a different class (both are the same).")
        weights[other] = -1.0
    return weights


# -- the score every method explains -----------------------------------------------------------------
class _Explainer:
    """Compiled tape computations for one model: logits, input gradients, Grad-CAM, activation ascent."""

    def __init__(self, model: Any) -> None:
        check_model(model)
        self._model = weakref.ref(model)  # the cache is keyed weakly by the model: a strong reference here would keep
        # every randomised copy alive for good
        self.head = model.outputs[0]._keras_history.operation
        activation = getattr(getattr(self.head, "activation", None), "__name__", "")
        kind = type(self.head).__name__
        if kind == "Softmax" or (kind == "Activation" and activation == "softmax"):
            self.mode = "softmax layer"  # the logits are the softmax layer's input
        elif activation == "softmax" and kind == "Dense":
            self.mode = "dense softmax"  # the logits are the dense layer's matmul plus bias
        else:
            self.mode = "output"  # the output itself is the score
        self.applies_softmax = self.mode != "output"
        self.probability_kind = "softmax" if self.mode == "output" and activation != "sigmoid" else "output"
        features = self.head.input if self.applies_softmax else model.outputs[0]
        self.features = keras.Model(model.inputs[0], features)
        self.gradient = tf.function(self._gradient, reduce_retracing=True)
        self.logits = tf.function(self._logits, reduce_retracing=True)
        self.probabilities = tf.function(self._probabilities, reduce_retracing=True)
        self._gradcams: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        return self._model()

    def _head(self, features):
        if self.mode == "dense softmax":
            logits = tf.matmul(features, self.head.kernel)
            return logits + self.head.bias if self.head.use_bias else logits
        return features

    def _logits(self, batch):
        return self._head(self.features(batch, training=False))

    def _probabilities(self, batch):
        if self.probability_kind == "softmax":
            return tf.nn.softmax(self._logits(batch), axis=-1)
        return self.model(batch, training=False)

    def _gradient(self, batch, weights):
        with tf.GradientTape() as tape:
            tape.watch(batch)
            scores = tf.reduce_sum(self._logits(batch) * weights, axis=-1)
        return scores, tape.gradient(scores, batch)

    def gradcam_function(self, layer_name: str) -> Any:
        """batch, weights -> (the layer's activations, the score's gradient with respect to them); built once."""
        with self._lock:
            if layer_name not in self._gradcams:
                layer = self.model.get_layer(layer_name)
                split = self._split(layer, keras.Model(self.model.inputs[0], layer.output))

                def gradcam(batch, weights):
                    with tf.GradientTape() as tape:
                        tape.watch(batch)
                        activations, features = split(batch, tape)
                        scores = tf.reduce_sum(self._head(features) * weights, axis=-1)
                    return activations, tape.gradient(scores, activations)

                self._gradcams[layer_name] = tf.function(gradcam, reduce_retracing=True)
            return self._gradcams[layer_name]

    def _split(self, layer: Any, bottom: Any) -> Callable:
        """batch -> (the layer's output, the features the head reads), both on the tape.

        For a Sequential model a two-output Keras model gives no gradient between its outputs in Keras 3,
        so the layers after the chosen one are applied by hand; for a functional model the two-output
        model works (tests check both against a layer-by-layer computation)."""
        if isinstance(self.model, keras.Sequential):
            rest = self.model.layers[self.model.layers.index(layer) + 1:]
            if self.applies_softmax:
                rest = rest[:-1]

            def sequential(batch, tape):
                activations = bottom(batch, training=False)
                tape.watch(activations)
                features = activations
                for later in rest:
                    features = later(features, training=False)
                return activations, features

            return sequential
        both = keras.Model(self.model.inputs[0], [layer.output, self.features.output])
        return lambda batch, tape: both(batch, training=False)


_explainers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_explainers_lock = threading.Lock()


def _explainer(model: Any) -> _Explainer:
    with _explainers_lock:
        if model not in _explainers:
            _explainers[model] = _Explainer(model)
        return _explainers[model]


def explains_logit(model: Any) -> bool:
    """Whether the explained score is a logit (the last layer applies softmax) rather than the output itself."""
    return _explainer(model).applies_softmax


def class_score(model: Any, image: np.ndarray, class_index: int) -> float:
    """The score every method explains: the pre-softmax logit when the last layer applies softmax, else the output."""
    image = _image(model, image)
    return float(np.asarray(_explainer(model).logits(tf.constant(image[None])))[0, _class(model, class_index)])


def logits_function(model: Any) -> Callable:
    """batch -> every class's score, as TensorFlow ops a tape can differentiate (for gradient ascent on a class)."""
    return _explainer(model)._logits


def class_scores(model: Any, images: np.ndarray) -> np.ndarray:
    """Every class's score (N, classes) for a batch of images."""
    return np.asarray(_explainer(model).logits(tf.constant(np.asarray(images, dtype=np.float32))))


def probabilities(model: Any, images: np.ndarray) -> np.ndarray:
    """Class probabilities (N, classes): the model's softmax (or its sigmoid output, or a softmax of its scores)."""
    return _batched(lambda chunk: np.asarray(_explainer(model).probabilities(tf.constant(chunk))),
                    np.asarray(images, dtype=np.float32))


def input_gradients(model: Any, images: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores (N,) and their gradients with respect to the pixels (N, H, W, C) for a batch of images."""
    scores, gradients = _explainer(model).gradient(tf.constant(np.asarray(images, dtype=np.float32)),
                                                   tf.constant(weights, dtype=tf.float32))
    return np.asarray(scores), np.asarray(gradients)


def _batched(function: Callable[[np.ndarray], np.ndarray], images: np.ndarray | Callable[[int, int], np.ndarray],
             on_progress: Progress = None, chunk: int = CHUNK, count: int | None = None) -> np.ndarray:
    """`function` over a batch in chunks; `images` is an array, or `make(start, stop)` building each chunk on demand
    (with `count`), so a thousand noisy or occluded copies of a big picture never sit in memory at once."""
    total = len(images) if count is None else count
    parts = []
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        parts.append(function(images(start, stop) if callable(images) else images[start:stop]))
        if on_progress is not None:
            on_progress(stop / total)
    return np.concatenate(parts)


# -- the methods ------------------------------------------------------------------------------------
def saliency(model: Any, image: np.ndarray, class_index: int, method: str, *, contrast: int | None = None,
             on_progress: Progress = None, **options: Any) -> np.ndarray:
    """A non-negative (H, W) map of how much each pixel drove the class score, by one of METHODS.

    `contrast`, a second class, explains score(class) − score(contrast) instead: why this and not that."""
    if method not in METHODS:
        raise AttributionError(f"There is no method {method!r}; choose one of: {', '.join(METHODS)}.")
    unknown = set(options) - set(OPTIONS[method])
    if unknown:
        allowed = ", ".join(OPTIONS[method]) or "none"
        raise AttributionError(f"{METHODS[method]} has no option {', '.join(sorted(unknown))} (its options: {allowed}).")
    image = _image(model, image)
    weights = _weights(model, class_index, contrast)
    if method == "gradient":
        return np.abs(input_gradients(model, image[None], weights)[1][0]).max(axis=-1)
    if method == "gradient_x_input":
        return np.abs((input_gradients(model, image[None], weights)[1][0] * image).sum(axis=-1))
    if method == "smoothgrad":
        return smoothgrad(model, image, class_index, contrast=contrast, on_progress=on_progress, **options)
    if method == "integrated_gradients":
        chosen = baseline_image(image, options.pop("baseline", "black"), options.pop("mean_image", None))
        attributions = integrated_gradients(model, image, class_index, chosen, contrast=contrast,
                                            on_progress=on_progress, **options)
        return np.abs(attributions.sum(axis=-1))
    if method == "gradcam":
        return gradcam(model, image, class_index, contrast=contrast, **options)
    return occlusion(model, image, class_index, contrast=contrast, on_progress=on_progress, **options)


def smoothgrad(model: Any, image: np.ndarray, class_index: int, samples: int = 50, noise: float = 0.15, seed: int = 0,
               *, contrast: int | None = None, on_progress: Progress = None) -> np.ndarray:
    """The gradient map averaged over noisy copies of the image (noise: a fraction of the pixel range)."""
    samples = whole_number(samples, 1, MAX_SAMPLES, "SmoothGrad's number of samples")
    noise = number_in(noise, 0.0, 1.0, "SmoothGrad's noise level")
    image = _image(model, image)
    weights = _weights(model, class_index, contrast)
    spread = noise * float(image.max() - image.min() or 1.0)
    rng = np.random.default_rng(seed)

    def noisy(start: int, stop: int) -> np.ndarray:
        return image[None] + rng.normal(0.0, spread, (stop - start, *image.shape)).astype(np.float32)

    gradients = _batched(lambda chunk: np.abs(input_gradients(model, chunk, weights)[1]).max(axis=-1), noisy, on_progress,
                         count=samples)
    return gradients.mean(axis=0)


def baseline_image(image: np.ndarray, kind: str | np.ndarray = "black", mean_image: np.ndarray | None = None) -> np.ndarray:
    """The "absence of signal" Integrated Gradients starts from: black, the image blurred, or a mean image.

    "mean" is `mean_image` (say, the training images' mean) when given, else the image's own mean colour."""
    image = np.asarray(image, dtype=np.float32)
    if isinstance(kind, np.ndarray):
        if kind.shape != image.shape:
            raise AttributionError(f"The baseline has shape {kind.shape} but the image has {image.shape}.")
        return kind.astype(np.float32)
    if kind == "black":
        return np.zeros_like(image)
    if kind == "blurred":
        return blur(image, sigma=max(1.0, image.shape[0] / 8))
    if kind == "mean":
        if mean_image is not None:
            return baseline_image(image, np.asarray(mean_image, dtype=np.float32))
        return np.broadcast_to(image.mean(axis=(0, 1), keepdims=True), image.shape).astype(np.float32)
    raise AttributionError(f"There is no baseline {kind!r}; choose one of: {', '.join(BASELINES)}.")


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of (…, H, W, C) pictures, edges reflected."""
    radius = max(1, int(math.ceil(2.5 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    height, width = images.shape[-3:-1]
    pad = [(0, 0)] * (images.ndim - 3) + [(radius, radius), (radius, radius), (0, 0)]
    padded = np.pad(images, pad, mode="reflect")
    rows = sum(taps[i] * padded[..., i:i + height, :, :] for i in range(len(taps)))
    return sum(taps[i] * rows[..., :, i:i + width, :] for i in range(len(taps))).astype(np.float32)


def integrated_gradients(model: Any, image: np.ndarray, class_index: int, baseline: np.ndarray | None = None,
                         steps: int = 64, *, contrast: int | None = None, on_progress: Progress = None) -> np.ndarray:
    """Signed attributions (H, W, C): (image − baseline) times the gradient averaged along the straight path.

    The path integral is the trapezoid rule over `steps` intervals, so the attributions add up to
    score(image) − score(baseline) up to the rule's error (completeness)."""
    steps = whole_number(steps, 2, MAX_STEPS, "The number of Integrated Gradients steps")
    image = _image(model, image)
    start = np.zeros_like(image) if baseline is None else baseline_image(image, np.asarray(baseline, dtype=np.float32))
    if not np.isfinite(start).all():
        raise AttributionError("The baseline contains NaN or infinite values.")
    weights = _weights(model, class_index, contrast)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    rule = np.full(steps + 1, 1.0 / steps, dtype=np.float32)  # the trapezoid rule's weights: half at both ends
    rule[[0, -1]] /= 2

    average = np.zeros_like(image)
    for first in range(0, steps + 1, CHUNK):  # a chunk of the path at a time: big pictures stay within memory
        last = min(steps + 1, first + CHUNK)
        path = start[None] + alphas[first:last, None, None, None] * (image - start)[None]
        average += np.tensordot(rule[first:last], input_gradients(model, path, weights)[1], axes=1)
        if on_progress is not None:
            on_progress(last / (steps + 1))
    return ((image - start) * average).astype(np.float32)


def completeness(model: Any, image: np.ndarray, class_index: int, baseline: np.ndarray | None = None, steps: int = 64, *,
                 contrast: int | None = None) -> tuple[float, float]:
    """(sum of the Integrated Gradients attributions, score(image) − score(baseline)): equal up to the rule's error."""
    image = _image(model, image)
    start = np.zeros_like(image) if baseline is None else baseline_image(image, np.asarray(baseline, dtype=np.float32))
    total = float(integrated_gradients(model, image, class_index, start, steps, contrast=contrast).sum())
    weights = _weights(model, class_index, contrast)
    scores = class_scores(model, np.stack([image, start])) @ weights
    return total, float(scores[0] - scores[1])


def gradcam(model: Any, image: np.ndarray, class_index: int, layer: str | None = None, *,
            contrast: int | None = None, upsample: bool = True) -> np.ndarray:
    """Grad-CAM: the layer's feature maps weighted by their average gradient, summed, ReLU; resized to the input.

    The default layer is the last convolution; any layer with spatial output works."""
    image = _image(model, image)
    name = gradcam_layer(model, layer)
    function = _explainer(model).gradcam_function(name)
    activations, gradients = function(tf.constant(image[None]), tf.constant(_weights(model, class_index, contrast)))
    activations, gradients = np.asarray(activations)[0], np.asarray(gradients)[0]
    cam = np.maximum((activations * gradients.mean(axis=(0, 1))).sum(axis=-1), 0.0)
    if not upsample or cam.shape == image.shape[:2]:
        return cam.astype(np.float32)
    return np.asarray(tf.image.resize(cam[..., None], image.shape[:2], method="bilinear"))[..., 0].astype(np.float32)


def gradcam_layer(model: Any, layer: str | None = None) -> str:
    """The layer Grad-CAM reads: the named one (it must have feature maps) or the last convolution."""
    if layer is None:
        convs = conv_layers(model)
        if not convs:
            raise AttributionError("Grad-CAM needs a convolution layer, and this model has none; "
                                   "use a gradient method or occlusion instead.")
        return convs[-1]
    try:
        chosen = model.get_layer(str(layer))
    except ValueError:
        raise AttributionError(f"There is no layer {str(layer)[:80]!r} in this model.") from None
    if not _spatial_output(chosen):
        raise AttributionError(f"Layer {chosen.name!r} has no feature maps (height × width × channels); "
                               "Grad-CAM needs a convolution or pooling layer.")
    return chosen.name


def occlusion_positions(side: int, patch: int, stride: int) -> list[int]:
    """Where patches start along one side: every `stride` pixels, plus one flush with the far edge."""
    positions = list(range(0, side - patch + 1, stride))
    if positions[-1] != side - patch:
        positions.append(side - patch)
    return positions


def occlusion(model: Any, image: np.ndarray, class_index: int, patch: int | None = None, stride: int | None = None,
              fill: float = 0.0, *, contrast: int | None = None, on_progress: Progress = None) -> np.ndarray:
    """How much the score drops when a patch×patch square is painted `fill`, averaged over the patches
    covering each pixel; rises are clipped to 0 (they are evidence against the class)."""
    image = _image(model, image)
    height, width = image.shape[:2]
    patch = max(2, min(height, width) // 7) if patch is None else whole_number(patch, 1, min(height, width), "The patch size")
    stride = max(1, patch // 2) if stride is None else whole_number(stride, 1, min(height, width), "The stride")
    fill = number_in(fill, -1e6, 1e6, "The fill value")
    weights = _weights(model, class_index, contrast)
    corners = [(r, c) for r in occlusion_positions(height, patch, stride) for c in occlusion_positions(width, patch, stride)]
    if len(corners) > MAX_PATCHES:
        raise AttributionError(f"A {patch}×{patch} patch every {stride} pixels makes {len(corners):,} positions; the limit is "
                               f"{MAX_PATCHES:,}. Use a larger patch or stride.")

    def occluded(start: int, stop: int) -> np.ndarray:
        chunk = np.repeat(image[None], stop - start, axis=0)
        for index, (r, c) in enumerate(corners[start:stop]):
            chunk[index, r:r + patch, c:c + patch] = fill
        return chunk

    original = float(class_scores(model, image[None])[0] @ weights)
    scores = _batched(lambda chunk: class_scores(model, chunk) @ weights, occluded, on_progress, chunk=256, count=len(corners))
    drops, counts = np.zeros((height, width)), np.zeros((height, width))
    for (r, c), score in zip(corners, scores):
        drops[r:r + patch, c:c + patch] += original - score
        counts[r:r + patch, c:c + patch] += 1
    return np.maximum(drops / np.maximum(counts, 1), 0.0).astype(np.float32)


def whole_number(value: Any, low: int, high: int, what: str) -> int:
    """`value` as an int in [low, high], or an AttributionError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float) or not float(value).is_integer():
        raise AttributionError(f"{what} must be a whole number from {low} to {high}; got {value!r}.")
    if not low <= int(value) <= high:
        raise AttributionError(f"{what} must be from {low} to {high}; got {int(value)}.")
    return int(value)


def number_in(value: Any, low: float, high: float, what: str) -> float:
    """`value` as a finite float in [low, high], or an AttributionError naming `what`."""
    """`value` as a finite float in [low, high], or an AttributionError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) or not math.isfinite(float(value)):
        raise AttributionError(f"{what} must be a number from {low:g} to {high:g}; got {value!r}.")
    if not low <= float(value) <= high:
        raise AttributionError(f"{what} must be from {low:g} to {high:g}; got {float(value):g}.")
    return float(value)


# -- sanity: does the map depend on the model? -------------------------------------------------------
@dataclass(frozen=True)
class RandomisedMap:
    """The map after re-initialising every layer from the top down to `layer`, and its rank correlation."""

    layer: str
    saliency: np.ndarray
    spearman: float  # NaN when either map is flat (no ranking to compare)


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two maps (ties share their average rank); NaN if either is flat."""
    a, b = np.ravel(first), np.ravel(second)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    rank = runtime.imported("scipy.stats").rankdata
    return float(np.corrcoef(rank(a), rank(b))[0, 1])


def weighted_layers(model: Any) -> list[str]:
    """Layers with trainable weights, from the output down to the input (the order they are randomised in)."""
    return [layer.name for layer in reversed(model.layers) if layer.weights]


def randomised_copy(model: Any) -> Any:
    """A copy of the model with the same weights; randomising it never touches the original (which may be shared)."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def reinitialise(layer: Any, seed: int) -> None:
    """Give every weight of `layer` fresh values from its own initializer (Glorot for kernels, zeros for biases…)."""
    for offset, variable in enumerate(layer.weights):
        name = variable.name.split("/")[-1].split(":")[0]
        attribute = {"depthwise_kernel": "depthwise_initializer", "pointwise_kernel": "pointwise_initializer"}.get(
            name, f"{name}_initializer")
        initializer = getattr(layer, attribute, None) or ("glorot_uniform" if len(variable.shape) > 1 else "zeros")
        initializer = keras.initializers.get(initializer)
        config = initializer.get_config()
        if "seed" in config:
            initializer = type(initializer).from_config({**config, "seed": seed * 1000 + offset})
        variable.assign(initializer(tuple(variable.shape), dtype=variable.dtype))


def randomization_maps(model: Any, image: np.ndarray, class_index: int, method: str, *, seed: int = 0,
                       on_progress: Progress = None, **options: Any) -> tuple[np.ndarray, list[RandomisedMap]]:
    """The original map, then the map after randomising the top layer, the top two, … down to the first.

    Works on a copy: the user's model (and the shared demo model) is never altered."""
    original = saliency(model, image, class_index, method, **options)
    copy = randomised_copy(model)
    names = weighted_layers(copy)
    maps = []
    for index, name in enumerate(names):
        reinitialise(copy.get_layer(name), seed + index)
        changed = saliency(copy, image, class_index, method, **options)
        maps.append(RandomisedMap(name, changed, rank_correlation(original, changed)))
        if on_progress is not None:
            on_progress((index + 1) / len(names))
    return original, maps


def randomization_test(model: Any, image: np.ndarray, class_index: int, method: str, **options: Any) -> list[tuple[str, float]]:
    """(layer randomised down to, Spearman ρ to the original map), top layer first."""
    return [(item.layer, item.spearman) for item in randomization_maps(model, image, class_index, method, **options)[1]]


# -- faithfulness: deleting what the map ranks first should hurt most --------------------------------
def pixel_order(saliency_map: np.ndarray, seed: int = 0) -> np.ndarray:
    """Pixel indices (row-major) from the map's highest value to its lowest; ties in a fixed random order."""
    values = np.ravel(saliency_map)
    tie_breaker = np.random.default_rng(seed).permutation(values.size)
    return np.lexsort((tie_breaker, -values))


def _curve(model: Any, image: np.ndarray, class_index: int, saliency_map: np.ndarray, steps: int, fill: float,
           insert: bool) -> np.ndarray:
    image = _image(model, image)
    class_index = _class(model, class_index)
    steps = whole_number(steps, 1, MAX_STEPS, "The number of curve steps")
    fill = number_in(fill, -1e6, 1e6, "The fill value")
    saliency_map = np.asarray(saliency_map, dtype=np.float64)
    if saliency_map.shape != image.shape[:2]:
        raise AttributionError(f"The map has shape {saliency_map.shape} but the image is {image.shape[:2]}.")
    if not np.isfinite(saliency_map).all():
        raise AttributionError("The map contains NaN or infinite values.")
    order = pixel_order(saliency_map)
    pixels = image.shape[0] * image.shape[1]
    flat = image.reshape(pixels, -1)

    def frames(start: int, stop: int) -> np.ndarray:
        chunk = np.empty((stop - start, pixels, flat.shape[1]), dtype=np.float32)
        for index, step in enumerate(range(start, stop)):
            chosen = order[: int(round(step / steps * pixels))]
            chunk[index] = fill if insert else flat
            chunk[index, chosen] = flat[chosen] if insert else fill
        return chunk.reshape(stop - start, *image.shape)

    return _batched(lambda chunk: probabilities(model, chunk)[:, class_index], frames, count=steps + 1)


def deletion_curve(model: Any, image: np.ndarray, class_index: int, saliency_map: np.ndarray, steps: int = 20,
                   fill: float = 0.0) -> np.ndarray:
    """The class probability (steps + 1 values) as the map's top 0, 1/steps, …, all pixels are painted `fill`."""
    return _curve(model, image, class_index, saliency_map, steps, fill, insert=False)


def insertion_curve(model: Any, image: np.ndarray, class_index: int, saliency_map: np.ndarray, steps: int = 20,
                    fill: float = 0.0) -> np.ndarray:
    """The class probability as the map's top pixels are revealed on a `fill` canvas, most important first."""
    return _curve(model, image, class_index, saliency_map, steps, fill, insert=True)


def area_under(curve: np.ndarray) -> float:
    """Area under a curve sampled evenly over the fraction of pixels 0…1 (trapezoid rule)."""
    curve = np.asarray(curve, dtype=np.float64)
    return float(((curve[:-1] + curve[1:]) / 2).mean())


def random_map(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A map that ranks pixels at random: the baseline every method must beat."""
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def pointing_hit(saliency_map: np.ndarray, mask: np.ndarray, tolerance: int = 1) -> bool:
    """The pointing game: does the map's maximum fall on the object (within `tolerance` pixels of its mask)?"""
    mask = np.asarray(mask, dtype=bool)
    row, col = np.unravel_index(int(np.argmax(saliency_map)), np.shape(saliency_map))
    return bool(mask[max(0, row - tolerance):row + tolerance + 1, max(0, col - tolerance):col + tolerance + 1].any())


@dataclass(frozen=True)
class MethodScore:
    """How one method did over a set of images: mean deletion and insertion AUCs, pointing-game hit rate."""

    method: str
    deletion_auc: float  # lower is better
    insertion_auc: float  # higher is better
    pointing: float | None  # fraction of hits, when masks were given
    seconds: float  # mean time for one map


def compare_methods(model: Any, images: np.ndarray, classes: Sequence[int], methods: Sequence[str] = tuple(METHODS),
                    options: dict[str, dict] | None = None, masks: np.ndarray | None = None, steps: int = 20,
                    fill: float = 0.0, seed: int = 0, on_progress: Progress = None) -> list[MethodScore]:
    """Every method (and a random ranking, "random") scored on the same images and classes."""
    options = options or {}
    names = [*methods, "random"]
    if len(images) == 0 or len(images) != len(classes):
        raise AttributionError("Give at least one image and one class per image.")
    totals = {name: {"deletion": [], "insertion": [], "hits": [], "seconds": []} for name in names}
    for index, (image, label) in enumerate(zip(images, classes)):
        for position, name in enumerate(names):
            started = time.perf_counter()
            if name == "random":
                chosen = random_map(image.shape[:2], seed + index)
            else:
                chosen = saliency(model, image, int(label), name, **options.get(name, {}))
            totals[name]["seconds"].append(time.perf_counter() - started)
            totals[name]["deletion"].append(area_under(deletion_curve(model, image, int(label), chosen, steps, fill)))
            totals[name]["insertion"].append(area_under(insertion_curve(model, image, int(label), chosen, steps, fill)))
            if masks is not None:
                totals[name]["hits"].append(pointing_hit(chosen, masks[index]))
            if on_progress is not None:
                on_progress((index * len(names) + position + 1) / (len(images) * len(names)))
    return [MethodScore(name, float(np.mean(t["deletion"])), float(np.mean(t["insertion"])),
                        float(np.mean(t["hits"])) if masks is not None else None, float(np.mean(t["seconds"])))
            for name, t in totals.items()]


def shuffled_labels(dataset: datasets.Dataset, seed: int = 0) -> datasets.Dataset:
    """The same training images with their labels shuffled (test set untouched): a model trained on it can only
    memorise, so a map that looks the same for it explains the picture, not what was learned."""
    order = np.random.default_rng(seed).permutation(len(dataset.y_train))
    return datasets.Dataset(f"{dataset.name} with shuffled labels", dataset.x_train, dataset.y_train[order], dataset.x_test,
                            dataset.y_test, list(dataset.class_names), "Training labels shuffled at random.")


def untrained_copy(model: Any) -> Any:
    """The same architecture with fresh weights from its initializers (to be trained on shuffled labels)."""
    return keras.models.clone_model(model)
