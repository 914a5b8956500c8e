"""Attribution maps against direct tf.GradientTape, NumPy and SciPy computations, on tiny real models."""

import functools

import keras
import numpy as np
import pytest
import scipy.special
import scipy.stats
import tensorflow as tf

from dlviz.cnn import attribution, maximisation
from dlviz.cnn.attribution import AttributionError


def tiny_cnn(seed: int = 0, channels: int = 1) -> keras.Model:
    """Conv → BatchNorm → Conv → pool → Dense softmax, random weights (8×8 input, 3 classes)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((8, 8, channels)),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv_a"),
        keras.layers.BatchNormalization(name="norm"),
        keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv_b"),
        keras.layers.MaxPooling2D(name="pool"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(3, activation="softmax", name="out"),
    ])
    # BatchNorm with non-trivial statistics, so its inference arithmetic matters.
    norm = model.get_layer("norm")
    norm.set_weights([np.full(4, 1.5), np.full(4, 0.1), np.full(4, 0.2), np.full(4, 2.0)])
    return model


@functools.cache
def trained_tiny_cnn() -> keras.Model:
    """tiny_cnn trained briefly to tell where a bright bar is (top, middle, bottom): confident, real logits."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    x = rng.random((300, 8, 8, 1)).astype(np.float32) * 0.3
    for image, label in zip(x, labels):
        image[1 + 2 * label:3 + 2 * label, 1:7] += 0.7
    model = tiny_cnn()
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(x, labels, epochs=30, batch_size=32, verbose=0)
    return model


def logits_model(model: keras.Model) -> keras.Model:
    """The same model with a linear last layer: its output is the logit, computed by Keras itself."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.layers[-1].activation = keras.activations.linear
    return copy


def images(count: int = 4, channels: int = 1, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((count, 8, 8, channels)).astype(np.float32)


def tape_gradient(model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    x = tf.constant(image[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model(x, training=False)[0, class_index]
    return tape.gradient(score, x).numpy()[0]


def test_class_score_is_the_logit_before_softmax():
    model = tiny_cnn()
    direct = logits_model(model)(images(), training=False).numpy()
    for index, image in enumerate(images()):
        for label in range(3):
            assert attribution.class_score(model, image, label) == pytest.approx(float(direct[index, label]), rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(attribution.probabilities(model, images()), model(images(), training=False).numpy(), rtol=1e-5)
    assert attribution.explains_logit(model)


def test_a_separate_softmax_layer_and_a_linear_output():
    inputs = keras.Input((8, 8, 1))
    hidden = keras.layers.Conv2D(3, 3, activation="relu")(inputs)
    logits = keras.layers.Dense(4, name="logits")(keras.layers.Flatten()(hidden))
    with_softmax = keras.Model(inputs, keras.layers.Softmax()(logits))
    linear = keras.Model(inputs, logits)
    image = images(1)[0]
    expected = keras.Model(inputs, logits)(image[None]).numpy()[0]
    assert attribution.class_score(with_softmax, image, 2) == pytest.approx(float(expected[2]), rel=1e-5)
    assert attribution.class_score(linear, image, 2) == pytest.approx(float(expected[2]), rel=1e-5)
    assert not attribution.explains_logit(linear)
    np.testing.assert_allclose(attribution.probabilities(linear, image[None])[0], scipy.special.softmax(expected), rtol=1e-5)


@pytest.mark.parametrize("channels", [1, 3])
def test_gradient_maps_equal_a_direct_tape(channels):
    model = tiny_cnn(channels=channels)
    reference = logits_model(model)
    for image in images(3, channels):
        gradient = tape_gradient(reference, image, 1)
        np.testing.assert_allclose(attribution.saliency(model, image, 1, "gradient"), np.abs(gradient).max(axis=-1), rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(attribution.saliency(model, image, 1, "gradient_x_input"),
                                   np.abs((gradient * image).sum(axis=-1)), rtol=1e-4, atol=1e-7)


def test_contrast_explains_the_difference_of_two_scores():
    model = tiny_cnn()
    reference = logits_model(model)
    image = images(1)[0]
    expected = np.abs(tape_gradient(reference, image, 0) - tape_gradient(reference, image, 2)).max(axis=-1)
    np.testing.assert_allclose(attribution.saliency(model, image, 0, "gradient", contrast=2), expected, rtol=1e-4, atol=1e-7)


def test_smoothgrad_without_noise_is_the_gradient_map_and_with_noise_is_reproducible():
    model = tiny_cnn()
    image = images(1)[0]
    plain = attribution.saliency(model, image, 0, "gradient")
    np.testing.assert_allclose(attribution.saliency(model, image, 0, "smoothgrad", samples=3, noise=0.0), plain, rtol=1e-5)
    fractions = []
    first = attribution.saliency(model, image, 0, "smoothgrad", samples=20, noise=0.2, on_progress=fractions.append)
    np.testing.assert_array_equal(first, attribution.saliency(model, image, 0, "smoothgrad", samples=20, noise=0.2))
    assert not np.allclose(first, plain) and fractions[-1] == 1.0


@pytest.mark.parametrize("baseline", ["black", "blurred", "mean"])
def test_integrated_gradients_completeness(baseline):
    model = trained_tiny_cnn()
    for image in images(4):
        image[3:5, 1:7] += 0.6  # a bar in the middle: class 1
        start = attribution.baseline_image(image, baseline)
        attributions = attribution.integrated_gradients(model, image, 1, start)
        difference = attribution.class_score(model, image, 1) - attribution.class_score(model, start, 1)
        assert attributions.shape == image.shape and abs(difference) > 1  # a real difference to add up to
        assert abs(attributions.sum() - difference) <= 0.05 * abs(difference)
        total, measured = attribution.completeness(model, image, 1, start)
        assert total == pytest.approx(float(attributions.sum()), rel=1e-5) and measured == pytest.approx(difference, rel=1e-5)


def test_integrated_gradients_is_the_path_integral_of_tape_gradients():
    model = tiny_cnn()
    reference = logits_model(model)
    image = images(1)[0]
    steps = 8
    gradients = [tape_gradient(reference, alpha * image, 2) for alpha in np.linspace(0, 1, steps + 1)]
    expected = image * np.trapezoid(np.stack(gradients), dx=1 / steps, axis=0)
    np.testing.assert_allclose(attribution.integrated_gradients(model, image, 2, steps=steps), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(attribution.saliency(model, image, 2, "integrated_gradients", steps=steps),
                               np.abs(expected.sum(axis=-1)), rtol=1e-4, atol=1e-6)


def direct_gradcam(layers_before, layers_after, image, class_index):
    """Grad-CAM by hand: run the layers one by one, watch the chosen layer's output."""
    x = tf.constant(image[None])
    for layer in layers_before:
        x = layer(x, training=False)
    activations = x
    with tf.GradientTape() as tape:
        tape.watch(activations)
        y = activations
        for layer in layers_after:
            y = layer(y, training=False)
        score = y[0, class_index]
    gradients = tape.gradient(score, activations).numpy()[0]
    weights = gradients.mean(axis=(0, 1))
    return np.maximum((activations.numpy()[0] * weights).sum(axis=-1), 0)


def test_gradcam_equals_a_direct_computation_on_a_sequential_model():
    model = tiny_cnn()
    reference = logits_model(model)
    for layer_name in ("conv_a", "conv_b", "pool"):
        index = [layer.name for layer in model.layers].index(layer_name)
        for image in images(3):
            expected = direct_gradcam(reference.layers[: index + 1], reference.layers[index + 1:], image, 1)
            coarse = attribution.gradcam(model, image, 1, layer_name, upsample=False)
            np.testing.assert_allclose(coarse, expected, rtol=1e-4, atol=1e-6)
    image = images(1)[0]
    pooled = attribution.gradcam(model, image, 1, "pool", upsample=False)
    resized = tf.image.resize(pooled[..., None], (8, 8), method="bilinear").numpy()[..., 0]
    np.testing.assert_allclose(attribution.saliency(model, image, 1, "gradcam", layer="pool"), resized, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(attribution.saliency(model, image, 1, "gradcam"),
                               attribution.gradcam(model, image, 1, "conv_b"), rtol=1e-6)  # the default: the last conv


def test_gradcam_on_a_functional_model_with_a_branch():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((8, 8, 1))
    conv = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")
    side = keras.layers.Conv2D(4, 1, name="side")
    joined = keras.layers.Add(name="join")
    head = keras.layers.Dense(3, name="head")
    features = conv(inputs)
    merged = joined([features, side(features)])
    flat = keras.layers.Flatten()(merged)
    model = keras.Model(inputs, keras.layers.Activation("softmax")(head(flat)))
    image = images(1)[0]
    activations = conv(image[None]).numpy()
    a = tf.constant(activations)
    with tf.GradientTape() as tape:
        tape.watch(a)
        score = head(tf.reshape(joined([a, side(a)]), (1, -1)))[0, 2]
    gradients = tape.gradient(score, a).numpy()[0]
    expected = np.maximum((activations[0] * gradients.mean(axis=(0, 1))).sum(axis=-1), 0)
    np.testing.assert_allclose(attribution.gradcam(model, image, 2, "conv", upsample=False), expected, rtol=1e-4, atol=1e-6)


def test_occlusion_equals_a_direct_loop():
    model = tiny_cnn()
    reference = logits_model(model)
    image = images(1)[0]
    patch, stride, fill = 3, 2, 0.5
    original = reference(image[None]).numpy()[0, 0]
    drops, counts = np.zeros((8, 8)), np.zeros((8, 8))
    for r in (0, 2, 4, 5):  # every 2 pixels, plus one flush with the far edge
        for c in (0, 2, 4, 5):
            covered = image.copy()
            covered[r:r + patch, c:c + patch] = fill
            drops[r:r + patch, c:c + patch] += original - reference(covered[None]).numpy()[0, 0]
            counts[r:r + patch, c:c + patch] += 1
    expected = np.maximum(drops / counts, 0)
    got = attribution.saliency(model, image, 0, "occlusion", patch=patch, stride=stride, fill=fill)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert attribution.occlusion_positions(8, 3, 2) == [0, 2, 4, 5]


def test_maps_are_non_negative_and_the_size_of_the_input():
    model = tiny_cnn(channels=3)
    image = images(1, channels=3)[0]
    for method in attribution.METHODS:
        shown = attribution.saliency(model, image, 2, method)
        assert shown.shape == (8, 8) and (shown >= 0).all() and np.isfinite(shown).all(), method


def test_randomisation_changes_a_copy_and_never_the_model():
    model = tiny_cnn()
    before = [weight.copy() for weight in model.get_weights()]
    image = images(1)[0]
    original, maps = attribution.randomization_maps(model, image, 1, "gradient")
    assert [item.layer for item in maps] == ["out", "conv_b", "norm", "conv_a"]
    for weight, kept in zip(model.get_weights(), before):
        np.testing.assert_array_equal(weight, kept)
    np.testing.assert_array_equal(original, attribution.saliency(model, image, 1, "gradient"))
    for item in maps:
        assert item.spearman == pytest.approx(scipy.stats.spearmanr(original.ravel(), item.saliency.ravel())[0])
    assert maps[-1].spearman < 0.9 and not np.allclose(maps[-1].saliency, original)
    assert attribution.randomization_test(model, image, 1, "gradient") == [(item.layer, item.spearman) for item in maps]


def test_randomised_copies_are_freed():
    import gc

    model, image = tiny_cnn(), images(1)[0]
    attribution.randomization_test(model, image, 0, "gradcam")
    gc.collect()
    before = len(attribution._explainers)
    for _ in range(3):
        attribution.randomization_test(model, image, 0, "gradcam")
    gc.collect()
    assert len(attribution._explainers) <= before  # each copy (and its compiled functions) went with it


def test_reinitialise_draws_new_weights_from_the_layers_initializers():
    copy = attribution.randomised_copy(tiny_cnn())
    old = copy.get_layer("conv_b").get_weights()
    attribution.reinitialise(copy.get_layer("conv_b"), seed=5)
    kernel, bias = copy.get_layer("conv_b").get_weights()
    assert not np.allclose(kernel, old[0]) and np.all(bias == 0)  # Glorot kernel, zero bias
    limit = np.sqrt(6 / (3 * 3 * 4 + 3 * 3 * 6))
    assert np.abs(kernel).max() <= limit and kernel.std() > limit / 4


def test_rank_correlation_is_spearman_and_nan_for_a_flat_map():
    rng = np.random.default_rng(0)
    a, b = rng.random((6, 6)), rng.random((6, 6))
    b[:2] = 0  # ties
    assert attribution.rank_correlation(a, b) == pytest.approx(scipy.stats.spearmanr(a.ravel(), b.ravel())[0])
    assert np.isnan(attribution.rank_correlation(a, np.zeros((6, 6))))


def test_deletion_and_insertion_curves_against_direct_model_calls():
    model = tiny_cnn()
    image = images(1)[0]
    ranking = np.arange(64, dtype=np.float32).reshape(8, 8)[::-1, ::-1]  # the bottom-right pixel ranks first
    curve = attribution.deletion_curve(model, image, 1, ranking, steps=4)
    order = np.argsort(-ranking.ravel())
    expected = []
    for step in range(5):
        deleted = image.reshape(64, 1).copy()
        deleted[order[: step * 16]] = 0.0
        expected.append(model(deleted.reshape(1, 8, 8, 1)).numpy()[0, 1])
    np.testing.assert_allclose(curve, expected, rtol=1e-5)
    inserted = attribution.insertion_curve(model, image, 1, ranking, steps=4)
    assert inserted[0] == pytest.approx(expected[-1], rel=1e-5) and inserted[-1] == pytest.approx(expected[0], rel=1e-5)
    assert attribution.area_under(curve) == pytest.approx(np.trapezoid(curve, dx=0.25))


def test_pointing_game():
    mask = np.zeros((8, 8), bool)
    mask[2:4, 2:4] = True
    peak = np.zeros((8, 8))
    peak[3, 3] = 1
    assert attribution.pointing_hit(peak, mask)
    peak = np.zeros((8, 8))
    peak[5, 5] = 1
    assert not attribution.pointing_hit(peak, mask) and attribution.pointing_hit(peak, mask, tolerance=2)


def test_compare_methods_scores_every_method_and_a_random_ranking():
    model = tiny_cnn()
    batch = images(2)
    masks = np.zeros((2, 8, 8), bool)
    masks[:, 2:6, 2:6] = True
    scores = attribution.compare_methods(model, batch, [0, 1], methods=("gradient", "gradcam"), masks=masks, steps=4)
    assert [score.method for score in scores] == ["gradient", "gradcam", "random"]
    gradient = scores[0]
    expected = np.mean([attribution.area_under(attribution.deletion_curve(
        model, image, label, attribution.saliency(model, image, label, "gradient"), steps=4)) for image, label in zip(batch, [0, 1])])
    assert gradient.deletion_auc == pytest.approx(expected)
    assert all(0 <= score.pointing <= 1 for score in scores)


@functools.cache
def bad_calls():
    cnn = tiny_cnn()
    image = images(1)[0]
    dense_only = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    inputs = keras.Input((8, 8, 1))
    autoencoder = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same")(inputs))
    huge = keras.Sequential([keras.Input((1024, 1024, 1)), keras.layers.Conv2D(1, 3), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(2, activation="softmax")])
    two = [keras.Input((8, 8, 1)), keras.Input((8, 8, 1))]
    two_inputs = keras.Model(two, keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Add()(two))))
    return {
        "no conv layer for Grad-CAM": lambda: attribution.saliency(dense_only, image, 0, "gradcam"),
        "an autoencoder": lambda: attribution.saliency(autoencoder, image, 0, "gradient"),
        "two inputs": lambda: attribution.class_score(two_inputs, image, 0),
        "a picture too big to explain": lambda: attribution.check_model(huge),
        "unknown method": lambda: attribution.saliency(cnn, image, 0, "lime"),
        "unknown option": lambda: attribution.saliency(cnn, image, 0, "gradient", steps=3),
        "class out of range": lambda: attribution.saliency(cnn, image, 3, "gradient"),
        "negative class": lambda: attribution.class_score(cnn, image, -1),
        "class not a number": lambda: attribution.saliency(cnn, image, "3", "gradient"),
        "contrast equals class": lambda: attribution.saliency(cnn, image, 1, "gradient", contrast=1),
        "contrast out of range": lambda: attribution.saliency(cnn, image, 1, "gradient", contrast=7),
        "image of the wrong shape": lambda: attribution.saliency(cnn, np.zeros((9, 9, 1)), 0, "gradient"),
        "NaN in the image": lambda: attribution.saliency(cnn, np.full((8, 8, 1), np.nan), 0, "gradient"),
        "IG steps 0": lambda: attribution.saliency(cnn, image, 0, "integrated_gradients", steps=0),
        "IG steps huge": lambda: attribution.integrated_gradients(cnn, image, 0, steps=10**6),
        "IG steps fractional": lambda: attribution.integrated_gradients(cnn, image, 0, steps=2.5),
        "unknown baseline": lambda: attribution.saliency(cnn, image, 0, "integrated_gradients", baseline="white"),
        "baseline of the wrong shape": lambda: attribution.integrated_gradients(cnn, image, 0, np.zeros((4, 4, 1))),
        "NaN baseline": lambda: attribution.integrated_gradients(cnn, image, 0, np.full((8, 8, 1), np.nan)),
        "no samples": lambda: attribution.saliency(cnn, image, 0, "smoothgrad", samples=0),
        "NaN noise": lambda: attribution.saliency(cnn, image, 0, "smoothgrad", noise=float("nan")),
        "negative noise": lambda: attribution.saliency(cnn, image, 0, "smoothgrad", noise=-0.1),
        "patch 0": lambda: attribution.saliency(cnn, image, 0, "occlusion", patch=0),
        "patch larger than the image": lambda: attribution.saliency(cnn, image, 0, "occlusion", patch=9),
        "stride 0": lambda: attribution.saliency(cnn, image, 0, "occlusion", stride=0),
        "infinite fill": lambda: attribution.saliency(cnn, image, 0, "occlusion", fill=float("inf")),
        "unknown Grad-CAM layer": lambda: attribution.saliency(cnn, image, 0, "gradcam", layer="nope"),
        "Grad-CAM on a dense layer": lambda: attribution.saliency(cnn, image, 0, "gradcam", layer="out"),
        "deletion map of the wrong shape": lambda: attribution.deletion_curve(cnn, image, 0, np.zeros((4, 4))),
        "deletion map with NaN": lambda: attribution.deletion_curve(cnn, image, 0, np.full((8, 8), np.nan)),
        "deletion steps 0": lambda: attribution.deletion_curve(cnn, image, 0, np.zeros((8, 8)), steps=0),
        "randomisation with a bad method": lambda: attribution.randomization_test(cnn, image, 0, "nope"),
        "maximise a unit that is not there": lambda: maximisation.maximise(cnn, "conv_a", [4]),
        "maximise in an unknown layer": lambda: maximisation.maximise(cnn, "nope", [0]),
        "maximise with a negative jitter": lambda: maximisation.maximise(cnn, "conv_a", [0], maximisation.Ascent(jitter=-1)),
        "maximise an autoencoder's units": lambda: maximisation.maximise(autoencoder, None, [0]),
        "no images to compare": lambda: attribution.compare_methods(cnn, images(0), []),
    }


@pytest.mark.parametrize("case", list(bad_calls()))
def test_every_error_is_an_attribution_error(case):
    with pytest.raises(AttributionError) as raised:
        bad_calls()[case]()
    assert isinstance(raised.value, ValueError) and len(str(raised.value)) > 20
