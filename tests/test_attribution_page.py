"""The "Why this prediction?" page through AppTest: every method, two classes, the sanity checks, deletion,
localisation on shapes, filter pictures in the background, links, and bad options."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dlviz.cnn import architecture, attribution
from dlviz.data import datasets, modelio
from tests.app_support import APP, unescaped

ASSETS = Path(__file__).resolve().parent.parent / "assets"
PAGE = "views/attribution.py"


def open_why(**query: str) -> AppTest:
    """The page opened as a visitor would: its URL (/why) differs from its file name, so AppTest first runs the
    app once and then switches to the page it registered."""
    app = AppTest.from_file(APP, default_timeout=240)
    app.query_params.update(query)
    app.run()
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, app.exception
    return app


def plotly_array(value) -> np.ndarray:
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return flat.reshape([int(size) for size in str(value["shape"]).split(",")]) if "shape" in value else flat
    return np.asarray(value, dtype=float)


def figures(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def titled(app: AppTest, text: str) -> dict:
    """The figure whose title or subplot titles contain `text`."""
    for spec in figures(app):
        layout = spec.get("layout", {})
        texts = [str(layout.get("title", {}).get("text", ""))] + [str(a.get("text", "")) for a in layout.get("annotations", [])]
        if any(text in piece for piece in texts):
            return spec
    raise AssertionError(f"no figure titled {text!r}")


def maps_in(spec: dict) -> list[np.ndarray]:
    """The attribution heatmaps of a figure (the traces with an 'attribution' hover), in order."""
    return [plotly_array(trace["z"]) for trace in spec["data"]
            if trace.get("type") == "heatmap" and "attribution" in str(trace.get("hovertemplate", ""))]


def demo_input(app: AppTest) -> tuple:
    demo = modelio.load_demo(ASSETS)
    digits = datasets.load(demo.dataset_name)
    image = digits.x_test[np.flatnonzero(digits.y_test == app.selectbox(key="why_class").value)[app.number_input(key="why_index").value]]
    predicted = int(np.argmax(demo.model(image[None], training=False)[0]))
    return demo.model, image, predicted


def test_every_method_draws_the_librarys_map_for_the_predicted_class():
    app = open_why()
    model, image, predicted = demo_input(app)
    assert app.metric[0].value == str(predicted)
    defaults = {"smoothgrad": {"noise": 0.15, "samples": 50}, "integrated_gradients": {"baseline": "black", "steps": 64},
                "gradcam": {"layer": attribution.conv_layers(model)[-1]}, "occlusion": {"patch": 4, "stride": 2, "fill": 0.0}}
    for method in attribution.METHODS:
        app.radio(key="why_method").set_value(method).run()
        assert not app.exception and not app.error, (method, app.exception, [e.value for e in app.error])
        shown = maps_in(titled(app, f"{attribution.METHODS[method]}: why"))[0]
        expected = attribution.saliency(model, image, predicted, method, **defaults.get(method, {}))
        np.testing.assert_allclose(shown, expected, rtol=1e-4, atol=1e-6, err_msg=method)
        if method == "integrated_gradients":
            total, difference = attribution.completeness(model, image, predicted)
            caption = " ".join(c.value for c in app.caption)
            assert f"add up to {total:.4g}" in caption and f"is {difference:.4g}" in caption
    assert app.query_params["method"] == ["occlusion"] or app.query_params["method"] == "occlusion"
    app.toggle(key="why_all").set_value(True).run()
    assert len(maps_in(titled(app, "Integrated Gradients"))) == 6


def test_two_classes_side_by_side_and_their_difference():
    app = open_why()
    model, image, predicted = demo_input(app)
    other = (predicted + 3) % 10
    contrast = next(box for box in app.selectbox if box.label == "…rather than (optional)")
    contrast.set_value(other).run()
    assert not app.exception
    why, why_other, rather = maps_in(titled(app, "rather than"))
    np.testing.assert_allclose(why, attribution.saliency(model, image, predicted, "gradient"), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(why_other, attribution.saliency(model, image, other, "gradient"), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(rather, attribution.saliency(model, image, predicted, "gradient", contrast=other), rtol=1e-4, atol=1e-7)


def test_sanity_check_table_is_the_randomisation_test_and_the_demo_model_is_untouched():
    app = open_why()
    model, image, predicted = demo_input(app)
    shared_demo = next(iter(app.session_state["why_results"].values()))[0]  # the very model object the page uses
    before = [weight.copy() for weight in shared_demo.get_weights()]
    app.session_state["why_tab"] = "Sanity check"
    app.run()
    app.selectbox(key="why_sanity_method").set_value("gradcam").run()
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    expected = attribution.randomization_test(model, image, predicted, "gradcam", layer=attribution.conv_layers(model)[-1])
    assert list(table.iloc[:, 0]) == [layer for layer, _ in expected]
    np.testing.assert_allclose(table.iloc[:, 1].to_numpy(dtype=float), [rho for _, rho in expected], rtol=1e-4)
    assert len(maps_in(titled(app, "original"))) == 1 + len(expected)
    for weight, kept in zip(shared_demo.get_weights(), before):  # randomised a copy: the shared demo model is intact
        np.testing.assert_array_equal(weight, kept)


def test_data_randomisation_trains_a_copy_on_shuffled_labels():
    app = open_why()
    app.session_state["why_tab"] = "Sanity check"
    app.run()
    app.number_input(key="why_shuffled_epochs").set_value(1).run()
    app.button(key="why_shuffled_start").click().run()
    job = app.session_state["why_shuffled"]["job"]
    assert job.wait(300)
    app.run()
    assert not app.exception and not app.error
    mine, theirs = maps_in(titled(app, "shuffled labels"))
    assert 0.0 <= job.evaluation.accuracy <= 0.4  # it cannot learn the real labels
    caption = " ".join(c.value for c in app.caption)
    assert f"{job.evaluation.accuracy:.1%}" in caption
    assert f"{attribution.rank_correlation(mine, theirs):.2f}" in caption


def test_deletion_table_and_the_average_over_test_images():
    app = open_why()
    model, image, predicted = demo_input(app)
    app.session_state["why_tab"] = "Deletion & insertion"
    app.run()
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert list(table["method"])[-1] == "Random ranking" and len(table) == 7
    gradient_map = attribution.saliency(model, image, predicted, "gradient")
    expected = attribution.area_under(attribution.deletion_curve(model, image, predicted, gradient_map))
    assert table.iloc[0, 1] == pytest.approx(expected, rel=1e-5)
    app.number_input(key="why_faithfulness_count").set_value(2).run()
    app.button(key="why_faithfulness_run").click().run()
    averages = app.dataframe[1].value
    assert len(averages) == 7 and averages["deletion AUC ↓"].between(0, 1).all()


def test_a_bad_option_shows_a_message_and_keeps_the_choices():
    app = open_why()
    app.radio(key="why_method").set_value("integrated_gradients").run()
    app.number_input(key="why_ig_steps").set_value(0).run()
    assert not app.exception
    assert "from 2 to 512" in app.error[0].value
    assert app.radio(key="why_method").value == "integrated_gradients" and app.number_input(key="why_ig_steps").value == 0
    app.number_input(key="why_ig_steps").set_value(32).run()
    assert not app.error
    app.radio(key="why_method").set_value("occlusion").run()
    app.number_input(key="why_patch_28").set_value(40).run()
    assert "patch size must be from 1 to 28" in app.error[0].value
    app.session_state["why_tab"] = "What filters want to see"
    app.run()
    app.number_input(key="why_ascent_steps").set_value(0).run()
    assert "ascent steps" in app.error[0].value and app.number_input(key="why_ascent_steps").value == 0


def test_a_link_opens_the_same_input_layer_and_method_and_bad_links_fall_back():
    app = open_why(model="demo", **{"class": "7", "index": "2"}, layer="conv2d_1", method="gradcam")
    assert app.selectbox(key="why_class").value == 7 and app.number_input(key="why_index").value == 2
    assert app.radio(key="why_method").value == "gradcam" and app.selectbox(key="why_gradcam_layer").value == "conv2d_1"
    model, image, predicted = demo_input(app)
    shown = maps_in(titled(app, "Grad-CAM: why"))[0]
    np.testing.assert_allclose(shown, attribution.gradcam(model, image, predicted, "conv2d_1"), rtol=1e-4, atol=1e-7)
    link = app.get("page_link")[0].proto
    assert link.page.endswith("inspect") or "inspect" in link.page
    bad = open_why(model="CNN", layer="dense_7", method="lime", **{"class": "42"})
    notices = " ".join(w.value for w in bad.warning)
    assert "not in this session" in notices and "dense\\_7" in notices and "is not one of" in notices
    assert "class 42 does not exist" in notices
    assert not bad.exception and bad.radio(key="why_model").value == "demo"


def shapes_model() -> modelio.CurrentModel:
    """A small CNN trained briefly on part of the shipped shapes (the page needs the shipped test images)."""
    data = datasets.load("shapes")
    model = architecture.build_model(architecture.PRESETS["Minimal: one convolution"], data.input_shape, data.num_classes)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(data.x_train[:400], data.y_train[:400], epochs=2, batch_size=32, verbose=0)
    return modelio.CurrentModel(model, data.class_names, "trained on shapes", "shapes", None, data)


def test_localisation_on_a_shapes_model_uses_the_true_mask():
    app = AppTest.from_file(APP, default_timeout=240)
    app.run()
    app.session_state["current_model"] = shapes_model()
    app.switch_page(PAGE)
    app.run()
    assert app.radio(key="why_model").value == "CNN"
    app.selectbox(key="why_class").set_value(2).run()
    app.session_state["why_tab"] = "Localisation"
    app.run()
    assert not app.exception and not app.error
    data = datasets.load("shapes")
    test_index = int(np.flatnonzero(data.y_test == 2)[0])
    mask = datasets.shape_masks()[1][test_index]
    drawn = next(plotly_array(trace["z"]) for spec in figures(app) for trace in spec["data"]
                 if "on the shape" in str(trace.get("hovertemplate", "")))
    np.testing.assert_array_equal(~np.isnan(drawn), mask)
    table = app.dataframe[0].value
    assert len(table) == 7 and set(table["on the shape"]) <= {"yes", "no"}
    app.number_input(key="why_pointing_count").set_value(3).run()
    app.button(key="why_pointing_run").click().run()
    averages = app.dataframe[1].value
    assert "pointing game (hits)" in averages.columns and len(averages) == 7


def test_what_filters_want_to_see_and_a_grid_in_the_background():
    app = open_why()
    app.session_state["why_tab"] = "What filters want to see"
    app.run()
    assert not app.exception and not app.error
    app.selectbox(key="why_filter_layer").set_value("conv2d_1").run()
    app.number_input(key="why_ascent_steps").set_value(20).run()
    text = " ".join(m.value for m in app.markdown)
    assert "conv2d\\_1 \\#0" in text or "conv2d_1 #0" in text
    app.button(key="why_grid_ladder").click().run()
    grid = app.session_state["why_grid"]
    assert grid["job"].wait(300)
    app.run()
    assert not app.exception and not app.error
    rows = grid["results"]
    assert [row.layer for row in rows] == [*attribution.conv_layers(modelio.load_demo(ASSETS).model), ""]
    assert all((row.activations >= row.start_activations).all() for row in rows)
    spec = next(spec for spec in figures(app) if "conv2d_3" in json.dumps(spec.get("layout", {})))
    assert spec


def upload_model(app: AppTest, name: str, data: bytes) -> None:
    app.radio(key="why_model").set_value("upload").run()
    app.file_uploader(key="why_model_upload").set_value((name, data, "application/octet-stream")).run()
    assert not app.exception, app.exception


def messages(app: AppTest) -> str:
    return " ".join(element.value for element in [*app.error, *app.warning, *app.info])


def hostile_model(kind: str):
    import keras

    inputs = keras.Input((28, 28, 1))
    if kind == "autoencoder":
        return keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same")(inputs))
    if kind == "dense only":
        return keras.Sequential([inputs, keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model = keras.Sequential([inputs, keras.layers.Conv2D(2, 3), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return model


@pytest.mark.parametrize(("kind", "expected"), [("autoencoder", "not an image classifier"),
                                                ("NaN weights", "not a number (NaN or infinite)")])
def test_models_that_cannot_be_explained_are_refused_clearly(kind, expected):
    app = open_why()
    upload_model(app, "mine.keras", modelio.save_model(hostile_model(kind)))
    assert expected in messages(app), messages(app)


def test_a_model_without_convolutions_explains_by_gradients_and_says_why_grad_cam_cannot():
    app = open_why()
    upload_model(app, "dense.keras", modelio.save_model(hostile_model("dense only")))
    assert not app.error and app.radio(key="why_model").value == "upload"
    app.radio(key="why_method").set_value("gradcam").run()
    assert "needs a convolution layer" in app.error[0].value
    app.radio(key="why_method").set_value("integrated_gradients").run()
    assert not app.error and maps_in(titled(app, "Integrated Gradients: why"))


def test_hostile_file_names_and_broken_pictures_show_literally_and_keep_the_last_good_input():
    app = open_why()
    upload_model(app, "[x](https://evil.example).keras", np.random.default_rng(0).bytes(3000))
    shown = app.error[0].value
    assert "\\[x\\]\\(https" in shown and "not a .keras model" in unescaped(shown)
    app.radio(key="why_model").set_value("demo").run()
    app.radio(key="why_input_mode").set_value("upload").run()
    good = Path(__file__).resolve().parent.parent / "assets" / "screenshots" / "home.png"
    app.file_uploader(key="why_picture").set_value(("good.png", good.read_bytes(), "image/png")).run()
    assert not app.error and app.metric
    before = app.metric[0].value
    app.file_uploader(key="why_picture").set_value(("<b>bad</b>.png", b"\x89PNG broken", "image/png")).run()
    assert "&lt;" not in app.error[0].value and "\\<b\\>bad" in app.error[0].value
    assert app.metric[0].value == before  # the last good picture is still explained


def test_an_uploaded_rgb_functional_model_on_shipped_colour_shapes():
    import keras

    inputs = keras.Input((32, 32, 3))
    left = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="left")(inputs)
    right = keras.layers.Conv2D(4, 5, padding="same", activation="relu", name="right")(inputs)
    joined = keras.layers.Concatenate(name="joined")([left, right])
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(6, 3, activation="relu", name="last")(joined))
    model = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(pooled))
    app = open_why()
    upload_model(app, "colour.keras", modelio.save_model(model))
    assert not app.error and app.radio(key="why_input_mode").value == "sample"  # the shipped shapes_rgb fit it
    for method in attribution.METHODS:
        app.radio(key="why_method").set_value(method).run()
        assert not app.exception and not app.error, (method, [e.value for e in app.error])
        assert maps_in(titled(app, f"{attribution.METHODS[method]}: why"))[0].shape == (32, 32)
    assert app.selectbox(key="why_gradcam_layer").options == ["left", "right", "last"]
    app.session_state["why_tab"] = "What filters want to see"
    app.run()
    assert not app.exception and not app.error


def test_an_empty_drawing_leaves_no_stale_explanation():
    app = open_why()
    assert maps_in(titled(app, "Gradient: why"))
    app.radio(key="why_input_mode").set_value("draw").run()
    assert not app.exception
    assert "Choose an input picture" in messages(app)
    assert not any(maps_in(spec) for spec in figures(app)) and not app.metric
