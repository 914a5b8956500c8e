"""Activation maximisation: the pictures really raise each unit (checked with direct Keras calls); Stop; rows in
the background engine; receptive fields against the gradient's reach."""

import threading

import keras
import numpy as np
import tensorflow as tf

from dlviz.cnn import maximisation
from dlviz.training import training
from tests.test_attribution import logits_model, tiny_cnn


def test_activation_maximisation_raises_each_units_activation():
    model = tiny_cnn()
    ascent = maximisation.Ascent(steps=30)
    pictures = maximisation.maximise(model, "conv_b", [0, 3, 5], ascent)
    assert pictures.images.shape == (3, 8, 8, 1) and pictures.images.min() >= 0 and pictures.images.max() <= 1
    direct = keras.Model(model.inputs[0], model.get_layer("conv_b").output)(pictures.images).numpy()[:, 4, 4, :]
    np.testing.assert_allclose(pictures.activations, direct[np.arange(3), [0, 3, 5]], rtol=1e-4, atol=1e-6)
    assert (pictures.activations >= pictures.start_activations).all() and pictures.activations.sum() > pictures.start_activations.sum()
    classes = maximisation.maximise(model, None, [0, 1, 2], maximisation.Ascent(steps=20, centre=False))
    scores = logits_model(model)(classes.images).numpy()
    np.testing.assert_allclose(classes.activations, scores[np.arange(3), [0, 1, 2]], rtol=1e-4, atol=1e-5)
    assert (classes.activations > classes.start_activations).all()


def test_activation_maximisation_stops_when_asked():
    stop = threading.Event()
    steps = []

    def progress(fraction):
        steps.append(fraction)
        if len(steps) == 3:
            stop.set()

    maximisation.maximise(tiny_cnn(), "conv_a", [0], maximisation.Ascent(steps=50), on_progress=progress, stop=stop)
    assert len(steps) == 3


def test_receptive_field_matches_the_gradients_reach():
    model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(1, 3, name="a"), keras.layers.AveragePooling2D(2, name="p"),
                              keras.layers.Conv2D(1, 3, name="b"), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    for layer in model.layers[:3]:
        layer.set_weights([np.ones_like(w) for w in layer.get_weights()])
    x = tf.constant(np.ones((1, 16, 16, 1), np.float32))  # average pooling passes gradient to its whole window
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = keras.Model(model.inputs, model.get_layer("b").output)(x)[0, 2, 2, 0]
    reach = np.flatnonzero(tape.gradient(unit, x).numpy()[0, :, :, 0].any(axis=0))
    assert maximisation.receptive_field(model, "b") == len(reach) == 8
    assert maximisation.receptive_field(model, "a") == 3 and maximisation.receptive_field(model, "p") == 4
    assert "2 convolution layers" in maximisation.hierarchy_note(model)


def test_rows_report_like_a_training_and_stop_between_steps():
    model = tiny_cnn()
    rows, progress = [], []
    run = maximisation.maximise_rows(model, [("conv_a", [0, 1]), (None, [2])], maximisation.Ascent(steps=5), into=rows,
                                     hooks=training.Hooks(on_batch=progress.append))
    assert run.outcome == "finished" and [row.layer for row in rows] == ["conv_a", ""] and len(run.history) == 2
    assert progress[-1].epoch == 1 and progress[-1].fraction == 1.0
    stop = threading.Event()
    stop.set()
    stopped = maximisation.maximise_rows(model, [("conv_a", [0])], into=[], hooks=training.Hooks(stop=stop))
    assert stopped.outcome == "stopped"
