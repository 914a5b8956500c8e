"""What a filter wants to see: pictures that switch one unit on as hard as possible (activation maximisation).

Gradient ascent on the input, the weights fixed, regularised (jitter, blur, a fade towards black) so the
picture stays readable; every unit climbs at once in one batch. A grid of rows (a layer's filters, the
classes) reports like a training, so `jobs.submit` runs it in the background with progress and Stop.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dlviz.cnn import attribution
from dlviz.cnn.attribution import AttributionError, Progress, blur, number_in, whole_number
from dlviz.runtime import keras, tf
from dlviz.training import training


@dataclass(frozen=True)
class Ascent:
    """Gradient ascent on the input, regularised so the picture stays readable."""

    steps: int = 128
    learning_rate: float = 0.02  # pixel change per step, along the normalised gradient
    jitter: int = 1  # random shift in pixels before each step (patterns must survive being moved)
    blur_every: int = 4  # blur the picture every few steps (removes pixel-level noise); 0: never
    blur_sigma: float = 0.5
    l2: float = 0.01  # fade the picture towards black a little each step (keeps only what matters)
    centre: bool = True  # a filter's unit at the centre of its map (else the map's mean, a texture)

    def check(self) -> None:
        whole_number(self.steps, 1, 1000, "The number of ascent steps")
        number_in(self.learning_rate, 1e-5, 1.0, "The ascent step size")
        whole_number(self.jitter, 0, 8, "The jitter")
        whole_number(self.blur_every, 0, 1000, "How often to blur")
        number_in(self.blur_sigma, 0.1, 5.0, "The blur width")
        number_in(self.l2, 0.0, 0.5, "The L2 decay")


def _ascent_step(responses: Callable) -> Callable:
    """One step's objective and gradient: climb `responses(batch)[0]`, report the layer's output `[1]`."""
    def pick(values, units, centre):
        if len(values.shape) == 4:
            height, width = values.shape[1] // 2, values.shape[2] // 2
            values = values[:, height, width, :] if centre else tf.reduce_mean(values, axis=(1, 2))
        return tf.gather(values, units, axis=1, batch_dims=1)

    def step(batch, units, centre):
        with tf.GradientTape() as tape:
            tape.watch(batch)
            climbed, output = responses(batch)
            total = tf.reduce_sum(pick(climbed, units, centre))
        return pick(output, units, centre), tape.gradient(total, batch)

    return step


def _responses(model: Any, layer: Any) -> Callable:
    """batch -> (what the ascent climbs, the layer's output). For a Conv2D that is its response before the
    activation: a ReLU unit that starts switched off has no gradient, but its response before ReLU does."""
    bottom = keras.Model(model.inputs[0], layer.output)
    plain = isinstance(layer, keras.layers.Conv2D) and not isinstance(layer, keras.layers.Conv2DTranspose)
    if not plain or layer.data_format != "channels_last" or isinstance(layer.input, list | tuple):
        return lambda batch: (bottom(batch, training=False),) * 2
    below = None if layer.input is model.inputs[0] else keras.Model(model.inputs[0], layer.input)

    def responses(batch):
        before = layer.convolution_op(batch if below is None else below(batch, training=False), layer.kernel)
        if layer.use_bias:
            before = before + layer.bias
        return before, (layer.activation(before) if layer.activation is not None else before)

    return responses


_steps: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_steps_lock = threading.Lock()


def _step(model: Any, layer: str | None) -> Callable:
    """The compiled ascent step for a layer's units (or the classes when layer is None); built once per model."""
    with _steps_lock:
        steps = _steps.setdefault(model, {})
        if layer not in steps:
            if layer is None:
                logits = attribution.logits_function(model)
                step = _ascent_step(lambda batch: (logits(batch),) * 2)
            else:
                step = _ascent_step(_responses(model, model.get_layer(layer)))
            steps[layer] = tf.function(step, reduce_retracing=True)
        return steps[layer]


@dataclass
class Pictures:
    """What some units want to see: one picture per unit, and the activation each picture reaches."""

    layer: str  # a layer name, or "" for the output classes
    units: list[int]
    images: np.ndarray  # (N, H, W, C) in [0, 1]
    activations: np.ndarray  # (N,) the unit's mean activation (or class score) on its picture
    start_activations: np.ndarray  # (N,) the same on the starting grey noise


def maximise(model: Any, layer: str | None, units: Sequence[int], ascent: Ascent = Ascent(), seed: int = 0,
             on_progress: Progress = None, stop: threading.Event | None = None) -> Pictures:
    """Pictures that make each unit (a filter of `layer`, or a class when layer is None) as active as possible.

    All units climb at once, one picture each, in one batch: the activations of different pictures never mix."""
    ascent.check()
    attribution.check_model(model)
    shape = attribution.image_shape(model)
    if layer is None:
        limit, name, step = attribution.num_classes(model), "", _step(model, None)
    else:
        try:
            chosen = model.get_layer(str(layer))
        except ValueError:
            raise AttributionError(f"There is no layer {str(layer)[:80]!r} in this model.") from None
        limit, name = int(chosen.output.shape[-1]), chosen.name
        step = _step(model, name)
    units = [int(unit) for unit in units]
    if not units or any(not 0 <= unit < limit for unit in units):
        raise AttributionError(f"Choose units from 0 to {limit - 1}.")
    rng = np.random.default_rng(seed)
    pictures = (0.45 + 0.1 * rng.random((len(units), *shape))).astype(np.float32)
    chosen_units, centre = tf.constant(units, dtype=tf.int32), bool(ascent.centre)
    start = np.asarray(step(tf.constant(pictures), chosen_units, centre)[0])
    for number in range(ascent.steps):
        if stop is not None and stop.is_set():
            break
        dy, dx = (int(v) for v in rng.integers(-ascent.jitter, ascent.jitter + 1, size=2))
        shifted = np.roll(pictures, (dy, dx), axis=(1, 2))
        _, gradient = step(tf.constant(shifted), chosen_units, centre)
        gradient = np.roll(np.asarray(gradient), (-dy, -dx), axis=(1, 2))
        scale = gradient.reshape(len(units), -1).std(axis=1)[:, None, None, None] + 1e-8
        pictures = pictures + ascent.learning_rate * gradient / scale
        pictures *= 1.0 - ascent.l2
        if ascent.blur_every and (number + 1) % ascent.blur_every == 0:
            pictures = blur(pictures, ascent.blur_sigma)
        pictures = np.clip(pictures, 0.0, 1.0).astype(np.float32)
        if on_progress is not None:
            on_progress((number + 1) / ascent.steps)
    final = np.asarray(step(tf.constant(pictures), chosen_units, centre)[0])
    return Pictures(name, units, pictures, final, start)


def maximise_rows(model: Any, rows: Sequence[tuple[str | None, Sequence[int]]], ascent: Ascent = Ascent(), *,
                  into: list[Pictures], hooks: training.Hooks | None = None, seed: int = 0) -> training.TrainingRun:
    """Activation maximisation for several rows (a layer's filters, or classes when the layer is None), one row
    after another, appended to `into` as each finishes. It reports like a training (a row is an epoch, an ascent
    step a batch), so `jobs.submit` can run it in the background with progress and Stop."""
    ascent.check()
    hooks = hooks or training.Hooks()
    run = training.TrainingRun(model, training.TrainConfig(epochs=max(1, len(rows))))
    started = time.perf_counter()
    for index, (layer, units) in enumerate(rows):
        def report(fraction: float, index: int = index) -> None:
            if hooks.on_batch is not None:
                hooks.on_batch(training.Progress(index, len(rows), round(fraction * ascent.steps), ascent.steps))

        pictures = maximise(model, layer, units, ascent, seed, on_progress=report, stop=hooks.stop)
        if hooks.stop is not None and hooks.stop.is_set():
            run.stopped = training.STOPPED_BY_YOU
            break
        into.append(pictures)
        run.history.append({"epoch": index + 1, "activation": float(pictures.activations.mean())})
        if hooks.on_epoch is not None:
            hooks.on_epoch(run)
    run.seconds = time.perf_counter() - started
    return run


def receptive_field(model: Any, layer: str) -> int:
    """How many input pixels across one unit of `layer` can see, following the layers in order up to it."""
    size, jump = 1, 1
    for current in model.layers:
        kernel = getattr(current, "kernel_size", None) or getattr(current, "pool_size", None)
        if kernel is not None:
            dilation = (getattr(current, "dilation_rate", None) or (1,))[0]
            size += (dilation * (int(kernel[0]) - 1)) * jump
            jump *= int((getattr(current, "strides", None) or kernel)[0])
        if current.name == layer:
            return size
    raise AttributionError(f"There is no layer {str(layer)[:80]!r} in this model.")


def hierarchy_note(model: Any) -> str:
    """What the row-per-layer pictures can show for this model, from its convolutions' receptive fields."""
    convs = attribution.conv_layers(model)
    if not convs:
        return "This model has no convolution layers, so there is no hierarchy of filters to look at."
    side = attribution.image_shape(model)[0]
    fields = [receptive_field(model, name) for name in convs]
    steps = ", ".join(f"{name} sees {size}×{size}" for name, size in zip(convs, fields))
    text = f"Each unit sees a square of the {side}×{side} input that grows layer by layer: {steps} pixels. "
    if len(convs) < 4 or fields[-1] < side / 2:
        return text + (
            f"With {len(convs)} convolution layer{'s' * (len(convs) != 1)} and a last view of {fields[-1]}×{fields[-1]} "
            "pixels, this small model can only show the first rungs of the ladder: edges and blobs, then strokes "
            "and corners. The parts-then-objects levels need deeper networks seeing most of the picture."
        )
    return text + "The last layers see most of the picture, so whole parts or objects can appear in their rows."
