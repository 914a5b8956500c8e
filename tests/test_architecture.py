"""Layer stacks: the shape arithmetic agrees with Keras, and every impossible stack is explained."""

import numpy as np
import pytest

from dlviz.cnn import architecture
from dlviz.cnn.architecture import ArchitectureError, layer


@pytest.mark.parametrize("preset", list(architecture.PRESETS))
@pytest.mark.parametrize("input_shape", [(28, 28, 1), (32, 32, 3)])
def test_summary_matches_keras_shapes_and_parameters(preset, input_shape):
    layers = architecture.PRESETS[preset]
    rows = architecture.summarise(layers, input_shape, 10)
    model = architecture.build_model(layers, input_shape, 10)
    assert [row.output_shape for row in rows] == [tuple(keras_layer.output.shape[1:]) for keras_layer in model.layers]
    assert [row.parameters for row in rows] == [keras_layer.count_params() for keras_layer in model.layers]
    assert sum(row.parameters for row in rows) == model.count_params()


def test_strided_valid_convolution_formula():
    rows = architecture.summarise([layer("Conv2D", kernel=5, stride=2, padding="valid"), layer("Flatten")], (28, 28, 1), 3)
    assert rows[0].output_shape == (12, 12, 8)
    assert "floor((28 + 2·0 − 5) / 2) + 1 = 12" in rows[0].formula
    model = architecture.build_model([layer("Conv2D", kernel=5, stride=2, padding="valid"), layer("Flatten")], (28, 28, 1), 3)
    assert model.get_layer("conv2d_1").output.shape[1:] == (12, 12, 8)


def test_default_layers_are_the_default_preset():
    assert architecture.default_layers() == architecture.PRESETS[architecture.DEFAULT_PRESET]


def test_keras_code_builds_the_same_model():
    import keras
    from keras import layers as keras_layers

    layers = architecture.PRESETS["LeNet-5 style"]
    code = architecture.keras_code(layers, (28, 28, 1), 10)
    assert code.count("layers.") == len(layers) + 1
    built = architecture.build_model(layers, (28, 28, 1), 10)
    reference = keras.Sequential([keras.Input((28, 28, 1)), keras_layers.Conv2D(6, 5, padding="same", activation="tanh"),
                                  keras_layers.AveragePooling2D(2), keras_layers.Conv2D(16, 5, activation="tanh"),
                                  keras_layers.AveragePooling2D(2), keras_layers.Flatten(),
                                  keras_layers.Dense(120, activation="tanh"), keras_layers.Dense(84, activation="tanh"),
                                  keras_layers.Dense(10, activation="softmax")])
    assert built.count_params() == reference.count_params()
    assert 'layers.Conv2D(6, 5, strides=1, padding="same", activation="tanh")' in code


BAD_STACKS = [
    ([layer("MaxPool2D"), layer("MaxPool2D"), layer("MaxPool2D"), layer("MaxPool2D"), layer("Flatten")], (8, 8, 1), "Layer 4", "shrink"),
    ([layer("Conv2D", kernel=9, padding="valid"), layer("Flatten")], (8, 8, 1), "Layer 1", "larger than"),
    ([layer("Dense", units=10)], (8, 8, 1), "Layer 1", "Flatten"),
    ([layer("Conv2D", filters=0), layer("Flatten")], (8, 8, 1), "Layer 1", "at least 1"),
    ([layer("Flatten"), layer("Conv2D")], (8, 8, 1), "Layer 2", "before the Flatten"),
    ([layer("Conv2D")], (8, 8, 1), "add Flatten", "feature maps"),
    ([], (8, 8, 1), "empty", "empty"),
    ([layer("Dropout", rate=1.5), layer("Flatten")], (8, 8, 1), "Layer 1", "rate"),
    ([layer("Conv2D", padding="full"), layer("Flatten")], (8, 8, 1), "Layer 1", "padding"),
    ([layer("Conv2D", filters=512), layer("Conv2D", filters=512), layer("Flatten")], (64, 64, 3), "limit", "limit"),
    ([layer("Conv2D", filters=1000, kernel=1), layer("GlobalAveragePooling2D")], (64, 64, 3), "limit", "numbers"),
]


@pytest.mark.parametrize(("layers", "shape", "names", "fix"), BAD_STACKS)
def test_impossible_stacks_are_explained(layers, shape, names, fix):
    with pytest.raises(ArchitectureError) as caught:
        architecture.build_model(layers, shape, 10)
    assert names in caught.value.message and fix in caught.value.message
    assert isinstance(caught.value, ValueError)


def test_unknown_kind_and_setting():
    with pytest.raises(ArchitectureError, match="Unknown layer kind"):
        layer("Conv3D")
    with pytest.raises(ArchitectureError, match="no setting"):
        layer("Dense", filters=3)


def test_build_model_forward_pass_gives_probabilities():
    model = architecture.build_model(architecture.default_layers(), (8, 8, 1), 10)
    output = model(np.zeros((2, 8, 8, 1), dtype=np.float32), training=False).numpy()
    np.testing.assert_allclose(output.sum(axis=1), 1.0, rtol=1e-5)
