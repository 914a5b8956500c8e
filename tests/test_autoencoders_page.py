"""The autoencoder page driven through AppTest: build, train, reconstructions, the code plane, PCA, uploads."""

import base64
import json

import keras
import numpy as np
from streamlit.testing.v1 import AppTest

from dlviz.cnn import architecture
from dlviz.data import datasets, modelio
from dlviz.figures.autoencoder import tile_rows
from dlviz.networks import autoencoder as ae
from tests.app_support import open_page
from tests.zip_support import class_folders

HIDDEN = "ae_hidden_conv_8x8x1"


def plotly_array(value) -> np.ndarray:
    """A data array from a figure's JSON: a list, or Plotly's base64 typed-array form (with its shape)."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(size) for size in str(value["shape"]).split(",")])
        return array
    return np.asarray(value, dtype=np.float64)


def charts(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def chart_titled(app: AppTest, start: str) -> dict:
    return next(spec for spec in charts(app) if (spec["layout"].get("title") or {}).get("text", "").startswith(start))


def chart_with_rows(app: AppTest, first_row: str) -> dict:
    return next(spec for spec in charts(app) if spec["layout"].get("yaxis", {}).get("ticktext", [None])[0] == first_row)


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def small_settings(app: AppTest, epochs: int = 2) -> None:
    app.text_input(key=HIDDEN).input("8, 16").run()
    app.number_input(key="ae_dense_units_8x8x1").set_value(32).run()
    app.number_input(key="ae_epochs_120").set_value(epochs).run()


def train(app: AppTest) -> None:
    app.button(key="ae_train").click().run()
    assert app.session_state["ae_job"].wait(300)
    app.run()
    assert not app.exception, app.exception


def test_build_train_reconstruct_pick_a_point_interpolate_and_sweep():
    app = open_page("views/autoencoders.py")
    assert "8 × 8 × 1" in app.dataframe[0].value["output shape"].iloc[0]
    small_settings(app)
    table = app.dataframe[0].value
    assert list(table["layer"])[1:3] == ["GaussianNoise σ=0.2", "Conv 8×3×3 relu"]
    train(app)
    current = app.session_state["ae_current"]
    model, dataset = current.model, current.dataset
    assert model.get_layer("encoder").layers[0].filters == 8 and ae.code_size(model) == 2
    assert app.session_state["session_models"]["Autoencoder"] is current
    # the numbers shown are the model's own
    mse = float(np.mean(ae.reconstruction_error(model, dataset.x_test)))
    assert metric(app, "Test MSE, autoencoder") == f"{mse:.4f}"
    assert metric(app, "Test MSE, PCA with 2 components") == f"{ae.pca_baseline(dataset.x_train, dataset.x_test, 2):.4f}"
    rows = chart_with_rows(app, "input")
    shown = plotly_array(rows["data"][0]["z"])
    expected = tile_rows([dataset.x_test[:12], ae.reconstruct(model, dataset.x_test[:12])], 2)[..., 0]
    np.testing.assert_allclose(shown, expected, atol=1e-5)
    # a point of the code plane, as a click sets it, decodes to the decoder's image of that code
    token = app.session_state["ae_derived"].token
    app.number_input(key=f"ae_u_{token}").set_value(0.5).run()
    app.number_input(key=f"ae_v_{token}").set_value(-0.25).run()
    decoded = chart_titled(app, "decoded at (0.50, -0.25)")
    np.testing.assert_allclose(plotly_array(decoded["data"][0]["z"]), ae.decode(model, [0.5, -0.25])[0, ..., 0], atol=1e-5)
    plane = next(spec for spec in charts(app) if any(trace.get("name") == "anywhere" for trace in spec["data"]))
    assert list(plotly_array(plane["data"][-1]["x"])) == [0.5] and len(plotly_array(plane["data"][0]["x"])) == 48 * 48
    # interpolation between two chosen test images
    app.number_input(key="ae_from").set_value(3).run()
    app.number_input(key="ae_to").set_value(7).run()
    walk = ae.interpolate(model, dataset.x_test[3], dataset.x_test[7], 8)
    shown = plotly_array(chart_with_rows(app, "through the code")["data"][0]["z"])
    np.testing.assert_allclose(shown, tile_rows([walk.through_code, walk.cross_fade], 2)[..., 0], atol=1e-5)
    # denoising: the page's numbers are the model's on the same noisy images
    noisy = ae.add_noise(dataset.x_test[:8], 0.2, seed=1)
    cleaned = float(np.mean(ae.per_image_mse(ae.reconstruct(model, noisy), dataset.x_test[:8])))
    assert metric(app, "Autoencoder output vs. clean (MSE)") == f"{cleaned:.4f}"
    # the same architecture at every code size, through the shared queue
    app.button(key="ae_sweep_start").click().run()
    for job in app.session_state["ae_sweep"]["jobs"].values():
        assert job.wait(300) and job.status == "done", job.error
    app.run()
    curve = chart_titled(app, "Test MSE against code size")
    autoencoder = next(trace for trace in curve["data"] if trace["name"] == "autoencoder")
    assert list(plotly_array(autoencoder["x"])) == [2, 4, 8, 16, 32]
    swept = app.session_state["ae_sweep"]["jobs"][8]
    assert plotly_array(autoencoder["y"])[2] == swept.evaluation
    assert swept.evaluation == np.mean(ae.reconstruction_error(swept.run.model, dataset.x_test))


def test_bad_settings_are_explained_and_the_choices_kept():
    app = open_page("views/autoencoders.py")
    for typed, expected in (("[x](https://evil.example)", "not a list of whole numbers"),
                            ("8, 16, 32, 64, 128", "cannot return to 8×8"),
                            ("8, 0", "from 1 to 256")):
        app.text_input(key=HIDDEN).input(typed).run()
        assert not app.exception
        assert "cannot work" in app.error[0].value and expected in app.error[0].value, app.error[0].value
        assert "](https" not in app.error[0].value  # shown escaped, never as a link
        assert app.text_input(key=HIDDEN).value == typed
        assert app.button(key="ae_train").disabled
    app.text_input(key=HIDDEN).input("32, 64").run()
    app.slider(key="ae_code").set_value(64).run()
    assert "no bottleneck" in app.error[0].value and app.slider(key="ae_code").value == 64
    app.radio(key="ae_kind").set_value("dense").run()
    app.slider(key="ae_code").set_value(8).run()
    app.text_input(key="ae_hidden_dense_8x8x1").input("256, 4").run()
    assert "narrower than the code" in app.error[0].value
    assert app.radio(key="ae_kind").value == "dense"


def test_a_link_sets_the_view_and_a_bad_one_says_so():
    app = open_page("views/autoencoders.py", kind="dense", code="8", dataset="digits28", loss="nonsense")
    assert app.radio(key="ae_kind").value == "dense" and app.slider(key="ae_code").value == 8
    assert app.selectbox(key="ae_dataset").value == "digits28"
    assert any("loss=nonsense" in warning.value for warning in app.warning)
    assert "28 × 28 × 1" in app.dataframe[0].value["output shape"].iloc[0]


def test_upload_a_saved_autoencoder_and_refuse_what_is_not_one():
    app = open_page("views/autoencoders.py")
    keras.utils.set_random_seed(0)
    model = ae.build((8, 8, 1), 3, "dense", (32, 16))
    app.file_uploader(key="ae_model_upload").set_value(("mine.keras", modelio.save_model(model), "application/octet-stream")).run()
    assert not app.exception and not app.error
    current = app.session_state["ae_current"]
    digits = datasets.load("digits")
    np.testing.assert_array_equal(ae.reconstruct(current.model, digits.x_test[:5]), ae.reconstruct(model, digits.x_test[:5]))
    assert "uploaded mine.keras" in app.caption[-1].value or any("uploaded mine" in c.value for c in app.caption)
    cnn = architecture.build_model(architecture.default_layers(), (8, 8, 1), 10)
    big = ae.build((28, 28, 1), 3, "dense", (32, 16))
    for name, data, expected in (("cnn.keras", modelio.save_model(cnn), "no parts named 'encoder'"),
                                 ("[x](https://evil.example).keras", np.random.bytes(3000), "not a .keras model"),
                                 ("big.keras", modelio.save_model(big), "choose a dataset of that size")):
        app.file_uploader(key="ae_model_upload").set_value((name, data, "application/octet-stream")).run()
        assert not app.exception
        assert expected in app.error[0].value.replace("\\", ""), app.error[0].value
        assert app.session_state["ae_current"] is current  # the good model is kept
    assert "[x](https" not in app.error[0].value  # the file name is shown literally, never as a link


def test_own_images_and_a_bad_file_that_keeps_them():
    app = open_page("views/autoencoders.py")
    app.selectbox(key="ae_dataset").select("Your own images (zip or .npz)").run()
    assert "Upload a zip" in app.info[0].value
    app.file_uploader(key="ae_user_dataset_upload").set_value(("mine.zip", class_folders({"dark": 30, "[x](https://evil.example)": 220}, side=12), "application/zip")).run()
    assert not app.exception and not app.error
    assert app.session_state["ae_user_dataset"].input_shape == (12, 12, 1)
    assert "12 × 12 × 1" in app.dataframe[0].value["output shape"].iloc[0]
    app.file_uploader(key="ae_user_dataset_upload").set_value(("bad.zip", b"not a zip", "application/zip")).run()
    assert "not a readable zip" in app.error[0].value
    assert app.session_state["ae_user_dataset"].input_shape == (12, 12, 1)


def test_stop_keeps_the_partly_trained_autoencoder():
    app = open_page("views/autoencoders.py")
    small_settings(app, epochs=400)
    app.button(key="ae_train").click().run()
    job = app.session_state["ae_job"]
    app.button(key="ae_job_stop").click().run()
    assert job.wait(300)
    app.run()
    assert not app.exception
    assert job.run.outcome == "stopped" and job.run.finished_epochs < 400
    assert any("You stopped training after" in info.value for info in app.info)
    assert app.session_state["ae_current"].model is job.run.model
