"""The inspector's numbers against direct Keras calls, TensorFlow ops and NumPy."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlviz.cnn import inspect
from dlviz.data import datasets, modelio
from dlviz.training import training

ASSETS = Path(__file__).resolve().parent.parent / "assets"
RNG = np.random.default_rng(0)


def sequential_default():
    from dlviz.cnn import architecture

    return architecture.build_model(architecture.default_layers(), (8, 8, 1), 10)


def strided_batchnorm():
    inputs = keras.Input((17, 15, 3))
    x = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="strided_same")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Conv2D(4, 4, strides=1, padding="valid", dilation_rate=2, activation="tanh", name="dilated")(x)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


def depthwise_separable():
    inputs = keras.Input((12, 12, 3))
    x = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu", name="depthwise")(inputs)
    x = keras.layers.SeparableConv2D(5, 3, activation="relu", name="separable")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(x))


def branching():
    inputs = keras.Input((10, 10, 1))
    a = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="left")(inputs)
    b = keras.layers.Conv2D(4, 1, padding="same", name="right")(inputs)
    added = keras.layers.Add(name="add")([a, b])
    c = keras.layers.Conv2D(2, 3, padding="same", activation="relu", name="after_add")(added)
    joined = keras.layers.Concatenate(name="concat")([added, c])
    x = keras.layers.Flatten()(keras.layers.AveragePooling2D(2)(joined))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))


MODELS = [sequential_default, strided_batchnorm, depthwise_separable, branching]


def randomise_batchnorm(model):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([gamma * 1.5, beta + 0.1, mean + 0.2, variance * 2.0])


@pytest.mark.parametrize("make", MODELS)
def test_layer_outputs_equal_direct_keras_submodels(make):
    model = make()
    randomise_batchnorm(model)
    image = RNG.random(inspect.image_shape(model)).astype(np.float32)
    outputs = inspect.layer_outputs(model, image)
    assert list(outputs) == [layer.name for layer in inspect.inspectable_layers(model)]
    for layer in inspect.inspectable_layers(model):
        direct = keras.Model(model.inputs[0], layer.output)(image[None], training=False)
        np.testing.assert_allclose(outputs[layer.name], np.asarray(direct)[0], rtol=1e-5, atol=1e-6, err_msg=layer.name)


@pytest.mark.parametrize(("make", "layer_name"), [(strided_batchnorm, "strided_same"), (strided_batchnorm, "dilated"),
                                                  (branching, "left"), (branching, "after_add")])
def test_conv_pixel_equals_the_models_output_everywhere_including_padded_edges(make, layer_name):
    model = make()
    image = RNG.random(inspect.image_shape(model)).astype(np.float32)
    output = inspect.layer_outputs(model, image)[layer_name]
    height, width, channels = output.shape
    for row, col, channel in [(0, 0, 0), (height - 1, width - 1, channels - 1), (height // 2, 1, 1 % channels)]:
        pixel = inspect.conv_pixel(model, image, layer_name, row, col, channel)
        assert pixel.output == pytest.approx(float(output[row, col, channel]), rel=1e-4, abs=1e-5)
        assert pixel.model_output == pytest.approx(pixel.output, rel=1e-4, abs=1e-5)
        np.testing.assert_allclose(pixel.products, pixel.patch * pixel.kernel)
        assert pixel.pre_activation == pytest.approx(float(pixel.products.sum()) + pixel.bias, rel=1e-5, abs=1e-6)


def test_pre_activation_through_relu_gives_the_output():
    model = strided_batchnorm()
    image = RNG.random((17, 15, 3)).astype(np.float32)
    passed = inspect.forward(model, image)
    before = inspect.pre_activation(model, "strided_same", passed.conv_inputs["strided_same"])
    assert (before < 0).any()
    np.testing.assert_allclose(np.maximum(before, 0), passed.outputs["strided_same"], rtol=1e-5, atol=1e-6)


def numpy_max_pool(feature_map, pool, stride):
    out_h = (feature_map.shape[0] - pool) // stride + 1
    out_w = (feature_map.shape[1] - pool) // stride + 1
    values = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            values[i, j] = feature_map[i * stride : i * stride + pool, j * stride : j * stride + pool].max()
    return values


@pytest.mark.parametrize(("pool", "stride"), [(2, 2), (3, 2), (2, 1), (3, 3)])
def test_max_pool_windows_equal_numpy_and_keras(pool, stride):
    feature_map = RNG.normal(size=(11, 9)).astype(np.float32)
    windows = inspect.max_pool_windows(feature_map, pool, stride)
    np.testing.assert_array_equal(windows.values, numpy_max_pool(feature_map, pool, stride))
    rows, cols = windows.winners[..., 0], windows.winners[..., 1]
    np.testing.assert_array_equal(feature_map[rows, cols], windows.values)
    keras_pool = keras.layers.MaxPooling2D(pool, strides=stride)(feature_map[None, ..., None])
    np.testing.assert_allclose(np.asarray(keras_pool)[0, ..., 0], windows.values)


def test_max_pool_window_bigger_than_map():
    with pytest.raises(inspect.InspectError):
        inspect.max_pool_windows(np.zeros((2, 2)), 3)


@pytest.mark.parametrize(("stride", "padding", "dilation"), [(1, "SAME", 1), (2, "VALID", 1), (1, "VALID", 2), (3, "SAME", 1)])
def test_what_if_equals_tf_nn_conv2d(stride, padding, dilation):
    model = branching()
    image = RNG.random((10, 10, 1)).astype(np.float32)
    passed = inspect.forward(model, image)
    layer = model.get_layer("left")
    changed = inspect.conv_what_if(model, "left", passed.conv_inputs["left"], stride, padding, dilation)
    reference = tf.nn.relu(tf.nn.conv2d(image[None], layer.kernel, stride, padding, dilations=dilation) + layer.bias)
    np.testing.assert_allclose(changed, np.asarray(reference)[0], rtol=1e-5, atol=1e-6)


def test_what_if_with_stride_and_dilation_is_refused():
    model = branching()
    passed = inspect.forward(model, np.zeros((10, 10, 1), np.float32))
    with pytest.raises(inspect.InspectError, match="stride"):
        inspect.conv_what_if(model, "left", passed.conv_inputs["left"], 2, "SAME", 2)


def test_filters_have_kernel_layout():
    model = strided_batchnorm()
    kernel = inspect.conv_filters(model, "strided_same")
    assert kernel.shape == (3, 3, 3, 6)
    np.testing.assert_array_equal(kernel, np.asarray(model.get_layer("strided_same").kernel))
    assert inspect.conv_filters(depthwise_separable(), "depthwise").shape == (3, 3, 3, 2)


def test_models_the_inspector_cannot_show():
    dense_only = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.raises(inspect.InspectError, match="no convolution"):
        inspect.check_model(dense_only)
    sequence = keras.Sequential([keras.Input((20, 4)), keras.layers.Conv1D(2, 3), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(inspect.InspectError, match="image input"):
        inspect.check_model(sequence)
    a, b = keras.Input((8, 8, 1)), keras.Input((8, 8, 1))
    two = keras.Model([a, b], keras.layers.Add()([keras.layers.Conv2D(1, 3)(a), keras.layers.Conv2D(1, 3)(b)]))
    with pytest.raises(inspect.InspectError, match="2 inputs"):
        inspect.check_model(two)


def test_replay_uses_snapshot_weights_without_touching_the_model():
    data = datasets.load("digits")
    model = sequential_default()
    run = training.train(model, data, training.TrainConfig(epochs=2))
    first = inspect.with_weights(model, run.snapshots[0])
    np.testing.assert_array_equal(first.get_weights()[0], run.snapshots[0][0])
    np.testing.assert_array_equal(model.get_weights()[0], run.snapshots[-1][0])
    image = data.x_test[0]
    last = inspect.with_weights(model, run.snapshots[-1])
    np.testing.assert_allclose(inspect.forward(last, image).probabilities, inspect.forward(model, image).probabilities, rtol=1e-5)
    direct = np.asarray(first(image[None], training=False))[0]
    np.testing.assert_allclose(inspect.forward(first, image).probabilities, direct, rtol=1e-5)


def test_the_shipped_demo_model_is_small_accurate_and_loads_in_safe_mode():
    assert (ASSETS / "demo_model.keras").stat().st_size <= 1024 * 1024
    demo = modelio.load_demo(ASSETS)
    meta = json.loads((ASSETS / "demo_model.json").read_text())
    data = datasets.load(meta["dataset"])
    assert training.evaluate(demo.model, data).accuracy >= 0.97
    inspect.check_model(demo.model)
