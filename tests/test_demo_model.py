"""The shipped demo model reads what a class gives it: held-out drawings, photos and fonts, and the shipped digits."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from dlviz.data import datasets, modelio
from tests import heldout_digits

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"


@pytest.fixture(scope="module")
def demo():
    return modelio.load_demo(ASSETS)


@pytest.fixture(scope="module")
def heldout():
    return heldout_digits.heldout_set(per_style=60, seed=11)


def test_demo_model_reads_heldout_drawings_photos_and_fonts(demo, heldout):
    probabilities = np.asarray(demo.model.predict(heldout.x, verbose=0))
    predicted = probabilities.argmax(axis=1)
    right = predicted == heldout.y
    per_style = {style: float(right[heldout.styles == style].mean()) for style in heldout_digits.STYLES}
    assert right.mean() >= 0.90, per_style
    assert min(per_style.values()) >= 0.80, per_style
    confident = probabilities.max(axis=1) > 0.9
    assert right[confident].mean() >= 0.95, "confident answers should be right"
    np.testing.assert_allclose(probabilities[:5], np.asarray(demo.model(heldout.x[:5], training=False)), rtol=1e-4, atol=1e-6)


def test_demo_model_still_reads_the_shipped_test_digits(demo):
    shipped = datasets.load(demo.dataset_name)
    predicted = np.asarray(demo.model.predict(shipped.x_test, verbose=0)).argmax(axis=1)
    accuracy = float((predicted == shipped.y_test).mean())
    assert accuracy >= 0.97
    meta = json.loads((ASSETS / "demo_model.json").read_text())
    assert meta["test_accuracy"] == pytest.approx(accuracy, abs=0.005)  # the caption's number is the real one


def test_demo_model_is_small():
    assert (ASSETS / "demo_model.keras").stat().st_size <= 1024 * 1024


def test_heldout_fonts_are_never_training_fonts():
    spec = importlib.util.spec_from_file_location("train_demo_model", ROOT / "scripts" / "train_demo_model.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    held_out = {Path(path).name.lower() for path in heldout_digits.heldout_fonts()}
    assert held_out, "matplotlib ships the held-out fonts"
    assert not held_out & {Path(path).name.lower() for path in script.training_fonts()}
    assert all(any(mark in name for mark in script.HELD_OUT_FONTS) for name in held_out)
