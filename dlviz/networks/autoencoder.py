"""Autoencoders: an encoder squeezes an image into a short code, a decoder rebuilds the image from that code.

`plan` writes out every layer with its output shape, parameter count and arithmetic, and refuses a
configuration that cannot work with a sentence a student understands; `build` turns the same plan into
a real Keras model whose parts `encoder` and `decoder` can be called alone. The rest reads a trained
model: codes, reconstructions, per-image errors, the code plane and what a point in it decodes to,
interpolations, and the honest baseline — PCA with the same number of numbers in its code.
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dlviz import runtime
from dlviz.runtime import keras, tf
from dlviz.training import training

KINDS = {"conv": "Convolutional", "dense": "Dense (fully connected)"}
ACTIVATIONS = ("relu", "elu", "tanh", "sigmoid")
DOWNSAMPLING = {"stride": "stride-2 convolutions", "pool": "max pooling"}
UPSAMPLING = {"transpose": "transposed convolutions", "upsample": "upsampling + convolution"}
MIN_CODE, MAX_CODE = 2, 64
MAX_HIDDEN_LAYERS = 5
MAX_UNITS, MAX_FILTERS = 1024, 256
MAX_NOISE, MAX_SPARSE = 1.0, 1.0
MAX_PARAMETERS = 3_000_000
CODE_SIZES = (2, 4, 8, 16, 32)  # the sweep the PCA comparison draws
BATCH = 512


class AutoencoderError(ValueError):
    """A configuration, model or input that cannot work as an autoencoder, explained in a sentence."""


@dataclass(frozen=True)
class Design:
    """Everything that decides an autoencoder's architecture (the page's widgets gather these)."""

    kind: str = "conv"
    code_size: int = 2
    hidden: tuple[int, ...] | None = None  # units per dense layer, or filters per convolution; None: the default
    activation: str = "relu"
    denoising: float = 0.0  # standard deviation of the Gaussian noise added to inputs while training
    sparse: float = 0.0  # weight of the L1 penalty on the code's activity
    dense_units: int | None = None  # conv only: the dense layer between the feature maps and the code (0: none)
    downsampling: str = "stride"
    upsampling: str = "transpose"

    def resolved(self, input_shape: tuple[int, ...]) -> Design:
        """The design with the defaults for this image size filled in."""
        hidden = default_hidden(self.kind, input_shape) if self.hidden is None else tuple(self.hidden)
        units = self.dense_units
        if units is None:
            units = _default_dense_units(input_shape, hidden, self.downsampling) if self.kind == "conv" else 0
        return replace(self, hidden=hidden, dense_units=units)


DEFAULT_NOISE = 0.2
DEFAULT_LOSS = "mse"
DENSE_WEIGHTS_BUDGET = 1_200_000  # the largest default weight matrix next to the pixels or the feature maps


def default_hidden(kind: str, input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The default layers for an image size. Convolutional: 16 filters at full size, then 32 per halving, halving
    while the size stays even and at least 4 (8×8: 16, 32; 28×28: 16, 32, 32). Dense: 256 and 128 units, fewer for
    big images, so the first weight matrix stays small."""
    if kind == "conv":
        height, width, halvings = int(input_shape[0]), int(input_shape[1]), 0
        while height % 2 == 0 and width % 2 == 0 and min(height, width) // 2 >= 4 and halvings < 4:
            height, width, halvings = height // 2, width // 2, halvings + 1
        return (16,) + (32,) * halvings
    units = 256
    while units > 16 and math.prod(input_shape) * units > DENSE_WEIGHTS_BUDGET:
        units //= 2
    return (units, units // 2)


def _default_dense_units(input_shape: tuple[int, ...], filters: tuple[int, ...], downsampling: str) -> int:
    height, width = int(input_shape[0]), int(input_shape[1])
    for _ in filters[1:]:
        height, width = (math.ceil(height / 2), math.ceil(width / 2)) if downsampling == "stride" else (height // 2, width // 2)
    maps = max(1, height * width * (filters[-1] if filters else 1))
    units = 128
    while units > 16 and maps * units > DENSE_WEIGHTS_BUDGET:
        units //= 2
    return units


def default_design(input_shape: tuple[int, ...], code_size: int = 2, kind: str = "conv") -> Design:
    """The page's default for images of this shape: a small convolutional autoencoder trained with a little input
    noise. On the 8×8 digits: 16 filters at 8×8, 32 at 4×4, a dense layer of 128, the code, and back.

    The convolutions share their weights across the image, so the network needs fewer weights to describe strokes;
    the noise (σ = 0.2, active only while training) keeps it from memorising its 1,294 training digits. A plain
    dense autoencoder without them, trained for the same time, is about as good as PCA on unseen digits."""
    return Design(kind=kind, code_size=code_size, denoising=DEFAULT_NOISE).resolved(input_shape)


def default_config(input_shape: tuple[int, ...], seed: int = 0) -> training.TrainConfig:
    """The page's default training settings for images of this shape: small images get more epochs."""
    pixels = math.prod(input_shape[:2])
    epochs = 120 if pixels <= 64 else 25 if pixels <= 32 * 32 else 10
    return training.TrainConfig(epochs=epochs, batch_size=64, learning_rate=2e-3, optimizer="adam",
                                validation_split=0.1, seed=seed)


# -- the plan: every layer, its shape and its cost, before anything is built ---------------------
@dataclass(frozen=True)
class LayerRow:
    """One layer of the plan, as the shape table shows it."""

    part: str  # "input", "encoder" or "decoder"
    name: str
    label: str
    output_shape: tuple[int, ...]
    parameters: int
    formula: str
    layer: str = ""  # the Keras class
    options: dict[str, Any] = field(default_factory=dict)


def parse_sizes(text: str) -> tuple[int, ...]:
    """'256, 128' → (256, 128): the hidden sizes as typed on the page; anything else is explained."""
    text = str(text).strip()
    if not text:
        return ()
    if len(text) > 100:
        raise AutoencoderError("Type the hidden sizes as a short list of whole numbers, e.g. 256, 128.")
    parts = [part for part in re.split(r"[,\s;]+", text) if part]
    if not all(part.isdigit() for part in parts):
        raise AutoencoderError(f"'{text}' is not a list of whole numbers; type the hidden sizes like 256, 128.")
    return tuple(int(part) for part in parts)


def plan(input_shape: tuple[int, ...], design: Design) -> list[LayerRow]:
    """Every layer of the autoencoder with its output shape and parameters; raises AutoencoderError."""
    shape = _check_input(input_shape)
    if design.kind in KINDS:
        design = design.resolved(shape)
    _check_design(design, shape)
    rows = [LayerRow("input", "image", "Input image", shape, 0, f"{_dims(shape)} = {math.prod(shape):,} numbers")]
    if design.denoising > 0:
        rows.append(LayerRow("input", "noise", f"GaussianNoise σ={design.denoising:g}", shape, 0,
                             "adds random noise while training only; the target stays the clean image",
                             "GaussianNoise", {"stddev": float(design.denoising)}))
    encoder = _conv_encoder(shape, design) if design.kind == "conv" else _dense_encoder(shape, design)
    decoder = _conv_decoder(shape, design, encoder) if design.kind == "conv" else _dense_decoder(shape, design)
    rows += encoder + decoder
    total = sum(row.parameters for row in rows)
    if total > MAX_PARAMETERS:
        raise AutoencoderError(
            f"This autoencoder has {total:,} parameters; the limit on this server is {MAX_PARAMETERS:,}. "
            "Use fewer units or filters, or (convolutional) one more down-sampling step before the dense layer."
        )
    return rows


def _check_input(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    shape = tuple(int(size) for size in input_shape)
    if len(shape) != 3 or shape[-1] not in (1, 3) or min(shape[:2]) < 2:
        raise AutoencoderError(f"An autoencoder here takes images (height, width, 1 or 3 channels); got {shape}.")
    return shape  # type: ignore[return-value]


def _check_design(design: Design, shape: tuple[int, int, int]) -> None:
    if design.kind not in KINDS:
        raise AutoencoderError(f"Choose an architecture from: {', '.join(KINDS)} (got {design.kind!r}).")
    code, size = design.code_size, math.prod(shape)
    if not isinstance(code, int) or isinstance(code, bool) or not MIN_CODE <= code <= MAX_CODE:
        raise AutoencoderError(f"The code size must be a whole number from {MIN_CODE} to {MAX_CODE} (got {code!r}).")
    if code >= size:
        raise AutoencoderError(
            f"A code of {code} numbers is no bottleneck for an image of {size} numbers ({_dims(shape)}): the network "
            f"could simply copy the pixels. Choose a code smaller than {size}."
        )
    if design.activation not in ACTIVATIONS:
        raise AutoencoderError(f"Choose an activation from: {', '.join(ACTIVATIONS)} (got {design.activation!r}).")
    for value, name, top in ((design.denoising, "noise strength", MAX_NOISE), (design.sparse, "sparsity weight", MAX_SPARSE)):
        if not isinstance(value, int | float) or not math.isfinite(value) or not 0 <= value <= top:
            raise AutoencoderError(f"The {name} must be a number from 0 to {top:g} (got {value!r}).")
    hidden = design.hidden
    noun, top = ("filters", MAX_FILTERS) if design.kind == "conv" else ("units", MAX_UNITS)
    if design.kind == "conv" and not hidden:
        raise AutoencoderError("A convolutional autoencoder needs at least one convolution: give its filters, e.g. 32, 64.")
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise AutoencoderError(f"{len(hidden)} hidden layers is more than this page builds ({MAX_HIDDEN_LAYERS}).")
    for index, value in enumerate(hidden, start=1):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise AutoencoderError(f"Hidden layer {index}: the number of {noun} must be from 1 to {top} (got {value!r}).")
    if design.kind == "dense":
        narrow = [value for value in hidden if value < code]
        if narrow:
            raise AutoencoderError(
                f"A hidden layer of {narrow[0]} units is narrower than the code ({code}): the real bottleneck would "
                "be that layer, not the code. Make every hidden layer at least as wide as the code."
            )
    else:
        units = design.dense_units
        if not isinstance(units, int) or isinstance(units, bool) or not 0 <= units <= MAX_UNITS:
            raise AutoencoderError(f"The dense layer before the code must have 0 to {MAX_UNITS} units (got {units!r}).")
        if 0 < units < code:
            raise AutoencoderError(f"The dense layer ({units} units) is narrower than the code ({code}); widen it or set it to 0.")
        if design.downsampling not in DOWNSAMPLING or design.upsampling not in UPSAMPLING:
            raise AutoencoderError("Down-sampling is 'stride' or 'pool'; up-sampling is 'transpose' or 'upsample'.")


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _dense_row(part: str, name: str, inputs: int, units: int, activation: str, **options) -> LayerRow:
    parameters = inputs * units + units
    label = f"Dense {units} {activation}" + (" (the code)" if name == "code" else "")
    return LayerRow(part, name, label, (units,), parameters,
                    f"{inputs:,} inputs × {units} units + {units} biases = {parameters:,}", "Dense",
                    {"units": units, "activation": activation, **options})


def _code_row(inputs: int, design: Design) -> LayerRow:
    options = {"activity_l1": float(design.sparse)} if design.sparse > 0 else {}
    row = _dense_row("encoder", "code", inputs, design.code_size, "linear", **options)
    if design.sparse > 0:
        row = LayerRow(row.part, row.name, row.label + f", L1 {design.sparse:g}", row.output_shape, row.parameters,
                       row.formula + f"; the loss adds {design.sparse:g} × the sum of |code|", row.layer, row.options)
    return row


def _dense_encoder(shape: tuple[int, int, int], design: Design) -> list[LayerRow]:
    size = math.prod(shape)
    rows = [LayerRow("encoder", "flatten", "Flatten", (size,), 0, f"{_dims(shape)} = {size:,}", "Flatten")]
    width = size
    for index, units in enumerate(design.hidden, start=1):
        rows.append(_dense_row("encoder", f"encoder_dense_{index}", width, units, design.activation))
        width = units
    return rows + [_code_row(width, design)]


def _dense_decoder(shape: tuple[int, int, int], design: Design) -> list[LayerRow]:
    rows, width = [], design.code_size
    for index, units in enumerate(reversed(design.hidden), start=1):
        rows.append(_dense_row("decoder", f"decoder_dense_{index}", width, units, design.activation))
        width = units
    size = math.prod(shape)
    rows.append(_dense_row("decoder", "decoder_pixels", width, size, "sigmoid"))
    rows.append(LayerRow("decoder", "reconstruction", f"Reshape to {_dims(shape)}", shape, 0,
                         f"{size:,} = {_dims(shape)}", "Reshape", {"target_shape": shape}))
    return rows


def _conv_row(part: str, name: str, shape: tuple[int, int, int], filters: int, stride: int, activation: str,
              transpose: bool = False) -> LayerRow:
    height, width, channels = shape
    parameters = 9 * channels * filters + filters
    if transpose:
        out = (height * 2, width * 2, filters)
        where = f"out = {height} × 2 = {height * 2}"
        label = f"Conv2DTranspose {filters}×3×3 /2 {activation}"
    else:
        out = (math.ceil(height / stride), math.ceil(width / stride), filters)
        where = f"same padding: out = ceil({height} / {stride}) = {out[0]}"
        label = f"Conv {filters}×3×3{' /2' if stride == 2 else ''} {activation}"
    return LayerRow(part, name, label, out, parameters,
                    f"{where}; params 3·3·{channels}·{filters} + {filters} = {parameters:,}",
                    "Conv2DTranspose" if transpose else "Conv2D",
                    {"filters": filters, "strides": 2 if transpose else stride, "activation": activation})


def _conv_encoder(shape: tuple[int, int, int], design: Design) -> list[LayerRow]:
    """The first convolution keeps the full resolution; every later one halves it (stride 2, or then a max pool)."""
    rows, current = [], shape
    for index, filters in enumerate(design.hidden, start=1):
        stride = 2 if index > 1 and design.downsampling == "stride" else 1
        row = _conv_row("encoder", f"encoder_conv_{index}", current, filters, stride, design.activation)
        rows.append(row)
        current = row.output_shape
        if index > 1 and design.downsampling == "pool":
            if min(current[:2]) < 2:
                raise AutoencoderError(
                    f"Max pooling after convolution {index} has a {_dims(current[:2])} map left, nothing to halve; "
                    "use fewer convolutions."
                )
            pooled = (current[0] // 2, current[1] // 2, current[2])
            rows.append(LayerRow("encoder", f"encoder_pool_{index}", "MaxPool 2×2", pooled, 0,
                                 f"out = floor({current[0]} / 2) = {pooled[0]}; the largest of each 2×2 window", "MaxPooling2D"))
            current = pooled
    size = math.prod(current)
    rows.append(LayerRow("encoder", "encoder_flatten", "Flatten", (size,), 0, f"{_dims(current)} = {size:,}", "Flatten"))
    width = size
    if design.dense_units:
        rows.append(_dense_row("encoder", "encoder_dense", width, design.dense_units, design.activation))
        width = design.dense_units
    return rows + [_code_row(width, design)]


def _conv_decoder(shape: tuple[int, int, int], design: Design, encoder: list[LayerRow]) -> list[LayerRow]:
    filters = design.hidden
    maps = next(row for row in encoder if row.name == "encoder_flatten")
    start = next(row.output_shape for row in reversed(encoder[: encoder.index(maps)]))
    steps = len(filters) - 1
    returned = (start[0] * 2**steps, start[1] * 2**steps)
    if returned != shape[:2]:
        sizes = [shape[0]]
        for _ in range(steps):
            sizes.append(math.ceil(sizes[-1] / 2) if design.downsampling == "stride" else sizes[-1] // 2)
        back = [sizes[-1] * 2**i for i in range(steps + 1)]
        raise AutoencoderError(
            f"The decoder cannot return to {_dims(shape[:2])}: the encoder halves {' → '.join(map(str, sizes))} "
            f"(rounding), and doubling back gives {' → '.join(map(str, back))}. Use fewer convolutions "
            f"(each one after the first halves the image) or a dense autoencoder for this image size."
        )
    rows, width = [], design.code_size
    if design.dense_units:
        rows.append(_dense_row("decoder", "decoder_dense", width, design.dense_units, design.activation))
        width = design.dense_units
    size = math.prod(start)
    rows.append(_dense_row("decoder", "decoder_maps", width, size, design.activation))
    rows.append(LayerRow("decoder", "decoder_reshape", f"Reshape to {_dims(start)}", start, 0,
                         f"{size:,} = {_dims(start)}", "Reshape", {"target_shape": start}))
    current = start
    for index, count in enumerate(reversed(filters[:-1]), start=1):
        if design.upsampling == "transpose":
            row = _conv_row("decoder", f"decoder_up_{index}", current, count, 2, design.activation, transpose=True)
        else:
            up = (current[0] * 2, current[1] * 2, current[2])
            rows.append(LayerRow("decoder", f"decoder_upsample_{index}", "UpSampling 2×2", up, 0,
                                 f"out = {current[0]} × 2 = {up[0]}; each value copied into a 2×2 block", "UpSampling2D"))
            row = _conv_row("decoder", f"decoder_conv_{index}", up, count, 1, design.activation)
        rows.append(row)
        current = row.output_shape
    rows.append(_conv_row("decoder", "reconstruction", current, shape[2], 1, "sigmoid"))
    return rows


# -- the Keras model -------------------------------------------------------------------------
def build(input_shape: tuple[int, ...], code_size: int, kind: str = "dense", hidden: tuple[int, ...] | None = None,
          denoising: float = 0.0, sparse: float = 0.0, **options: Any):
    """The whole autoencoder as a Keras model; `model.get_layer("encoder")` and `("decoder")` work alone.

    Options: activation, dense_units, downsampling, upsampling (see `Design`). Raises AutoencoderError."""
    known = {"activation", "dense_units", "downsampling", "upsampling"}
    if set(options) - known:
        raise AutoencoderError(f"Unknown setting(s): {', '.join(sorted(set(options) - known))}.")
    design = Design(kind, code_size, None if hidden is None else tuple(hidden), denoising=denoising, sparse=sparse, **options)
    return build_design(input_shape, design)


def build_design(input_shape: tuple[int, ...], design: Design, seed: int | None = None):
    """The autoencoder for a `Design` (see `build`); with a seed, its starting weights are reproducible."""
    rows = plan(input_shape, design)
    shape, design = rows[0].output_shape, design.resolved(input_shape)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    encoder = keras.Sequential([keras.Input(shape, name="image")] + [_layer(r) for r in rows if r.part == "encoder"],
                               name="encoder")
    decoder = keras.Sequential([keras.Input((design.code_size,), name="code")]
                               + [_layer(r) for r in rows if r.part == "decoder"], name="decoder")
    image = keras.Input(shape, name="image")
    noisy = keras.layers.GaussianNoise(design.denoising, name="noise")(image) if design.denoising > 0 else image
    return keras.Model(image, decoder(encoder(noisy)), name="autoencoder")


def _layer(row: LayerRow):
    o = row.options
    if row.layer == "Dense":
        regulariser = keras.regularizers.L1(o["activity_l1"]) if "activity_l1" in o else None
        return keras.layers.Dense(o["units"], activation=o["activation"], activity_regularizer=regulariser, name=row.name)
    if row.layer in ("Conv2D", "Conv2DTranspose"):
        layer = getattr(keras.layers, row.layer)
        return layer(o["filters"], 3, strides=o["strides"], padding="same", activation=o["activation"], name=row.name)
    if row.layer == "Reshape":
        return keras.layers.Reshape(o["target_shape"], name=row.name)
    if row.layer == "MaxPooling2D":
        return keras.layers.MaxPooling2D(2, name=row.name)
    if row.layer == "UpSampling2D":
        return keras.layers.UpSampling2D(2, name=row.name)
    return keras.layers.Flatten(name=row.name)


def keras_code(input_shape: tuple[int, ...], design: Design, loss: str = DEFAULT_LOSS) -> str:
    """The same autoencoder written as Keras code, so the page connects its widgets to the API."""
    rows = plan(input_shape, design)
    shape = rows[0].output_shape

    def part(name: str, first: str) -> list[str]:
        lines = [f"{name} = keras.Sequential([", f"    {first},"]
        lines += [f"    {_layer_code(row)}," for row in rows if row.part == name]
        return lines + [f'], name="{name}")']

    lines = ["import keras", "from keras import layers", ""]
    lines += part("encoder", f"keras.Input(shape={shape})") + part("decoder", f"keras.Input(shape=({design.code_size},))")
    lines += ["", f"image = keras.Input(shape={shape})"]
    if design.denoising > 0:
        lines += [f"noisy = layers.GaussianNoise({design.denoising:g})(image)  # only while training",
                  'autoencoder = keras.Model(image, decoder(encoder(noisy)), name="autoencoder")']
    else:
        lines.append('autoencoder = keras.Model(image, decoder(encoder(image)), name="autoencoder")')
    lines += [f'autoencoder.compile(optimizer="adam", loss="{loss}")',
              "autoencoder.fit(x_train, x_train, epochs=..., validation_split=0.1)  # the target is the input itself"]
    return "\n".join(lines)


def _layer_code(row: LayerRow) -> str:
    o = row.options
    if row.layer == "Dense":
        extra = f", activity_regularizer=keras.regularizers.L1({o['activity_l1']:g})" if "activity_l1" in o else ""
        name = ', name="code"' if row.name == "code" else ""
        return f'layers.Dense({o["units"]}, activation="{o["activation"]}"{extra}{name})'
    if row.layer in ("Conv2D", "Conv2DTranspose"):
        return f'layers.{row.layer}({o["filters"]}, 3, strides={o["strides"]}, padding="same", activation="{o["activation"]}")'
    if row.layer == "Reshape":
        return f"layers.Reshape({tuple(o['target_shape'])})"
    if row.layer in ("MaxPooling2D", "UpSampling2D"):
        return f"layers.{row.layer}(2)"
    return "layers.Flatten()"


def train_default(x_train: np.ndarray, code_size: int, kind: str = "conv", seed: int = 0):
    """Train the page's default autoencoder for this code size, with the page's default settings, through the
    project's training engine; returns the trained model."""
    x_train = np.asarray(x_train, dtype=np.float32)
    model = build_design(x_train.shape[1:], default_design(x_train.shape[1:], code_size, kind), seed=seed)
    training.train(model, training.Data(x_train, x_train), default_config(x_train.shape[1:], seed),
                   training.reconstruct(DEFAULT_LOSS))
    return model


def training_work(model: Any, x_train: np.ndarray, config: training.TrainConfig, loss: str = DEFAULT_LOSS):
    """Training of an autoencoder as work for the job queue (`jobs.submit`): the target is the input itself."""
    data, task = training.Data(x_train, x_train), training.reconstruct(loss)

    def work(hooks: training.Hooks) -> training.TrainingRun:
        return training.train(model, data, config, task, on_epoch=hooks.on_epoch, on_batch=hooks.on_batch, stop=hooks.stop)

    return work


# -- reading a trained model ---------------------------------------------------------------------
def parts(model: Any) -> tuple[Any, Any]:
    """The encoder and decoder of an autoencoder; a model without them is explained."""
    try:
        return model.get_layer("encoder"), model.get_layer("decoder")
    except (ValueError, AttributeError):
        raise AutoencoderError(
            "This model has no parts named 'encoder' and 'decoder', so it is not an autoencoder this page can read. "
            "Save one from this page, or name your encoder and decoder sub-models so."
        ) from None


def check(model: Any) -> None:
    """Refuse a model that is not an image autoencoder whose decoder returns the input's shape."""
    encoder, decoder = parts(model)
    try:
        image = tuple(model.input_shape[1:])
        code, code_in = tuple(encoder.output_shape[1:]), tuple(decoder.input_shape[1:])
        back, seen = tuple(decoder.output_shape[1:]), tuple(encoder.input_shape[1:])
        encoder.layers, decoder.layers  # noqa: B018 - each part must be a model of its own
    except (AttributeError, TypeError, ValueError):
        raise AutoencoderError("The model's encoder and decoder must be sub-models with fixed shapes; this page "
                               "cannot read these.") from None
    if seen != image or code_in != code:
        raise AutoencoderError(f"The encoder takes {seen} and makes {code}, the decoder takes {code_in}: they do not "
                               "chain into one autoencoder of the model's input.")
    if len(image) != 3 or None in image:
        raise AutoencoderError(f"This autoencoder takes {image}; this page reads image autoencoders (height, width, channels).")
    if len(code) != 1 or not code[0]:
        raise AutoencoderError(f"The encoder's output is {code}; this page reads a flat code (a vector).")
    if back != image:
        raise AutoencoderError(f"The decoder returns {back}, not the input's shape {image}.")


def code_size(model: Any) -> int:
    return int(parts(model)[0].output_shape[-1])


def noise_level(model: Any) -> float:
    """The training noise of a denoising autoencoder (0 when it has none)."""
    try:
        return float(model.get_layer("noise").stddev)
    except ValueError:
        return 0.0


def _images(model: Any, x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if x.shape == expected:
        x = x[None]
    if tuple(x.shape[1:]) != expected:
        raise AutoencoderError(f"The autoencoder takes images of {expected}; these are {tuple(x.shape[1:])}.")
    return x


_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _graph(part: Any):
    """The encoder's or decoder's inference as one compiled graph, traced once per part and reused for every
    batch size: a click in the code plane then costs a millisecond or two instead of an eager pass."""
    compiled = _compiled.get(part)
    if compiled is None:
        held = weakref.ref(part)  # the compiled function must not keep the model alive
        spec = tf.TensorSpec([None, *part.input_shape[1:]], tf.float32)
        compiled = _compiled[part] = tf.function(lambda batch: held()(batch, training=False), input_signature=[spec])
    return compiled


def _run(part: Any, x: np.ndarray, compiled: bool = False) -> np.ndarray:
    """Inference (noise off) in batches: a direct call, which for small inputs is much faster than predict()."""
    if len(x) == 0:
        return np.zeros((0, *part.output_shape[1:]), dtype=np.float32)
    call = _graph(part) if compiled else (lambda batch: part(batch, training=False))
    outputs = [np.asarray(call(tf.constant(x[start:start + BATCH]))) for start in range(0, len(x), BATCH)]
    return np.concatenate(outputs).astype(np.float32)


def encode(model: Any, x: Any) -> np.ndarray:
    """The code of every image: (N, code_size)."""
    return _run(parts(model)[0], _images(model, x), compiled=True)


def decode(model: Any, codes: Any) -> np.ndarray:
    """The images a decoder makes from codes (N, code_size) or one code (code_size,)."""
    decoder = parts(model)[1]
    codes = np.asarray(codes, dtype=np.float32)
    size = int(decoder.input_shape[-1])
    if codes.ndim == 1:
        codes = codes[None]
    if codes.ndim != 2 or codes.shape[1] != size:
        raise AutoencoderError(f"The decoder takes codes of {size} numbers; got an array of shape {codes.shape}.")
    if not np.all(np.isfinite(codes)):
        raise AutoencoderError("A code must be finite numbers (no NaN or infinity).")
    return _run(decoder, codes, compiled=True)


def reconstruct(model: Any, x: Any) -> np.ndarray:
    """The whole model's output at inference (no training noise)."""
    return _run(model, _images(model, x))


def reconstruction_error(model: Any, x: Any) -> np.ndarray:
    """Each image's mean squared error between the input and its reconstruction."""
    x = _images(model, x)
    return per_image_mse(x, reconstruct(model, x))


def per_image_mse(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    axes = tuple(range(1, np.ndim(a)))
    return np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2, axis=axes)


# -- the honest baseline ---------------------------------------------------------------------------
def pca_reconstruct(x_train: np.ndarray, x_test: np.ndarray, code_size: int) -> np.ndarray:
    """x_test rebuilt from `code_size` principal components fitted on x_train (scikit-learn's PCA)."""
    train = np.asarray(x_train, dtype=np.float32).reshape(len(x_train), -1)
    test = np.asarray(x_test, dtype=np.float32).reshape(len(x_test), -1)
    limit = min(train.shape)
    if not 1 <= code_size <= limit:
        raise AutoencoderError(f"PCA can keep 1 to {limit} components for this data (asked for {code_size}).")
    pca = runtime.imported("sklearn.decomposition").PCA(n_components=code_size, svd_solver="full").fit(train)
    return pca.inverse_transform(pca.transform(test)).reshape(np.shape(x_test)).astype(np.float32)


def pca_baseline(x_train: np.ndarray, x_test: np.ndarray, code_size: int) -> float:
    """Test mean squared error of PCA with `code_size` components, fitted on the training images."""
    return float(np.mean(per_image_mse(x_test, pca_reconstruct(x_train, x_test, code_size))))


# -- one pass over the test set, and the code plane ----------------------------------------------
@dataclass(frozen=True)
class Plane:
    """A 2-D view of the code space: for code size 2 the codes themselves, else their first two principal axes.

    A point (u, v) of the plane is the code `mean + u·axes[0] + v·axes[1]`."""

    points: np.ndarray  # (N, 2): each test image's place
    mean: np.ndarray  # (code_size,)
    axes: np.ndarray  # (2, code_size)
    explained: float  # the share of the codes' variance the plane shows (1.0 for code size 2)

    @property
    def projected(self) -> bool:
        return self.axes.shape[1] > 2

    def to_code(self, uv: Any) -> np.ndarray:
        """The codes at plane points (N, 2) or one point (2,)."""
        uv = np.asarray(uv, dtype=np.float32)
        return (self.mean + uv @ self.axes).astype(np.float32)

    def extent(self, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
        """The (u, v) ranges that hold the points (1st to 99th percentile) plus a margin."""
        low, high = np.percentile(self.points, 1, axis=0), np.percentile(self.points, 99, axis=0)
        pad = (high - low) * margin + 1e-6
        return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))


def code_plane(codes: np.ndarray) -> Plane:
    """Place codes in a plane: as they are for 2-D codes, along their two main directions otherwise."""
    codes = np.asarray(codes, dtype=np.float64)
    size = codes.shape[1]
    if size == 2:
        return Plane(codes.astype(np.float32), np.zeros(2, np.float32), np.eye(2, dtype=np.float32), 1.0)
    mean = codes.mean(axis=0)
    _, singular, vt = np.linalg.svd(codes - mean, full_matrices=False)
    axes = vt[:2] * np.sign(vt[:2, [0]] + 1e-12)  # a fixed orientation: the same model gives the same picture
    variance = singular**2
    explained = float(variance[:2].sum() / variance.sum()) if variance.sum() > 0 else 0.0
    return Plane(((codes - mean) @ axes.T).astype(np.float32), mean.astype(np.float32), axes.astype(np.float32), explained)


@dataclass(frozen=True)
class Analysis:
    """A trained autoencoder on a test set, computed once: codes, reconstructions, errors, the plane."""

    codes: np.ndarray
    reconstructions: np.ndarray
    errors: np.ndarray
    plane: Plane

    @property
    def mse(self) -> float:
        return float(np.mean(self.errors))

    def ranked(self) -> np.ndarray:
        """Test image indices from the best reconstructed to the worst."""
        return np.argsort(self.errors, kind="stable")


def analyse(model: Any, x_test: np.ndarray) -> Analysis:
    """Encode and decode the test images once; everything the page shows about them comes from here."""
    x = _images(model, x_test)
    codes = encode(model, x)
    reconstructions = decode(model, codes)
    return Analysis(codes, reconstructions, per_image_mse(x, reconstructions), code_plane(codes))


def errors_by_class(errors: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """The mean reconstruction error of each class (NaN for a class with no images)."""
    sums = np.bincount(labels, weights=errors, minlength=num_classes)
    counts = np.bincount(labels, minlength=num_classes)
    return np.divide(sums, counts, out=np.full(num_classes, np.nan), where=counts > 0)


@dataclass(frozen=True)
class Manifold:
    """Decoded images on a regular grid over the plane (the 'manifold' picture)."""

    images: np.ndarray  # (rows, columns, H, W, C); row 0 is the top (largest v)
    u: np.ndarray
    v: np.ndarray


def manifold(model: Any, plane: Plane, steps: int = 12) -> Manifold:
    """Decode a steps × steps grid spanning where the test codes lie."""
    if not 2 <= steps <= 30:
        raise AutoencoderError("The grid has 2 to 30 steps a side.")
    (u_low, u_high), (v_low, v_high) = plane.extent(margin=0.0)
    u = np.linspace(u_low, u_high, steps, dtype=np.float32)
    v = np.linspace(v_high, v_low, steps, dtype=np.float32)
    grid = np.stack(np.meshgrid(u, v), axis=-1).reshape(-1, 2)
    images = decode(model, plane.to_code(grid))
    return Manifold(images.reshape(steps, steps, *images.shape[1:]), u, v)


@dataclass(frozen=True)
class Interpolation:
    """From image A to image B: decoded along the straight line between their codes, and a pixel cross-fade."""

    weights: np.ndarray  # 0 … 1
    through_code: np.ndarray
    cross_fade: np.ndarray


def interpolate(model: Any, a: np.ndarray, b: np.ndarray, steps: int = 8) -> Interpolation:
    """Walk from image `a` to image `b` through the code space, next to simply blending their pixels."""
    if not 2 <= steps <= 32:
        raise AutoencoderError("An interpolation has 2 to 32 steps.")
    pair = _images(model, np.stack([np.asarray(a, np.float32), np.asarray(b, np.float32)]))
    start, end = encode(model, pair)
    weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)
    codes = start[None] * (1 - weights[:, None]) + end[None] * weights[:, None]
    fade = pair[0][None] * (1 - weights[:, None, None, None]) + pair[1][None] * weights[:, None, None, None]
    return Interpolation(weights, decode(model, codes), fade.astype(np.float32))


def add_noise(x: np.ndarray, strength: float, seed: int = 0) -> np.ndarray:
    """Images with Gaussian noise of standard deviation `strength`, as a denoising autoencoder sees in training."""
    if not math.isfinite(strength) or not 0 <= strength <= MAX_NOISE:
        raise AutoencoderError(f"The noise strength must be from 0 to {MAX_NOISE:g}.")
    x = np.asarray(x, dtype=np.float32)
    return (x + np.random.default_rng(seed).normal(0.0, strength, size=x.shape)).astype(np.float32)


def at_epoch(model: Any, weights: list[np.ndarray]):
    """A copy of the autoencoder with a training snapshot's weights; the model itself is untouched."""
    twin = keras.models.clone_model(model)
    twin.set_weights(weights)
    return twin
