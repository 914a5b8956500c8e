"""The TensorFlow graphs page driven through AppTest: sources, views, groups, links, and nothing stale."""

import json
from urllib.parse import parse_qs

import keras
from streamlit.testing.v1 import AppTest

from dlviz.data import modelio
from tests.app_support import APP, labelled, open_page, unescaped


def open_graphs(**query: str) -> AppTest:
    return open_page("views/graphs.py", **query)


def chart(app: AppTest) -> dict:
    return json.loads(app.get("plotly_chart")[0].proto.spec)


def shown_nodes(app: AppTest) -> list[str]:
    return [row[0] for trace in chart(app)["data"] if trace.get("customdata") for row in trace["customdata"]]


def lit_nodes(app: AppTest) -> set[str]:
    """Nodes drawn at full opacity while the others fade (search hits, a linked layer, a traced lineage)."""
    lit = set()
    for trace in chart(app)["data"]:
        opacity = trace.get("marker", {}).get("opacity")
        for index, row in enumerate(trace.get("customdata") or []):
            if isinstance(opacity, list) and opacity[index] == 1:
                lit.add(row[0])
    return lit


def by_label(widgets, label: str):
    return next(widget for widget in widgets if widget.label == label)


def links_out(app: AppTest) -> list[tuple[str, dict]]:
    return [(link.proto.page, {k: v[0] for k, v in parse_qs(link.proto.query_string).items()})
            for link in app.get("page_link")]


def states(app: AppTest) -> list[dict]:
    return list(app.session_state["graph_states"].values())


def test_resnet50_op_graph_opens_as_a_table_of_contents_and_groups_open():
    app = open_graphs()
    app.radio(key="graph_source").set_value("Built-in architecture").run()
    app.radio(key="graph_view").set_value("op").run()
    assert not app.exception
    assert "869 ops and" in " ".join(c.value for c in app.caption)
    first = shown_nodes(app)
    assert len(first) <= 60 and {f"resnet50_1/conv{i}_*/" for i in range(1, 6)} <= set(first)
    by_label(app.selectbox, "Open a group").set_value("resnet50_1/conv3_*/").run()
    app.button(key="graph_open").click().run()
    opened = shown_nodes(app)
    assert "resnet50_1/conv3_*/" not in opened and {f"resnet50_1/conv3_block{i}_*/" for i in range(1, 5)} <= set(opened)
    app.button(key="graph_close").click().run()
    assert shown_nodes(app) == first
    app.text_input(key="graph_search").input("conv2_block1_1_conv").run()
    assert "match" in " ".join(c.value for c in app.caption)
    assert lit_nodes(app) == {"resnet50_1/conv2_*/"}  # the hits are inside the folded stage
    app.radio(key="graph_view").set_value("layer").run()
    assert {"input_layer", "conv1_*/", "conv5_*/"} <= set(shown_nodes(app)) and len(shown_nodes(app)) == 10


def test_demo_cnn_training_step_and_exports():
    app = open_graphs()
    app.radio(key="graph_source").set_value("Demo CNN").run()
    app.radio(key="graph_view").set_value("train").run()
    assert not app.exception
    assert "cross-entropy" in " ".join(c.value for c in app.caption)
    by_label(app.button, "Prepare a TensorBoard log directory").click().run()
    assert not app.exception
    assert [state["tensorboard"][:2] for state in states(app) if state["tensorboard"]] == [b"PK"]


def test_a_tensorboard_export_stays_with_its_graph():
    """Issue 10: after a ResNet50 export, the playground program must not offer ResNet50's zip."""
    app = AppTest.from_file(APP, default_timeout=240)
    app.switch_page("views/playground.py")
    app.run()
    app.switch_page("views/graphs.py")
    app.run()
    app.radio(key="graph_source").set_value("Built-in architecture").run()
    app.radio(key="graph_view").set_value("op").run()
    by_label(app.button, "Prepare a TensorBoard log directory").click().run()
    resnet = [button for button in app.get("download_button") if button.proto.label == "TensorBoard logs (.zip)"]
    assert len(resnet) == 1
    app.radio(key="graph_source").set_value("Your playground program").run()
    assert not app.exception and any("MatMul" in node for node in shown_nodes(app))
    assert not [button for button in app.get("download_button") if button.proto.label == "TensorBoard logs (.zip)"]
    by_label(app.button, "Prepare a TensorBoard log directory").click().run()
    zips = [state["tensorboard"] for state in states(app) if state["tensorboard"]]
    assert len(zips) == 2 and zips[0] != zips[1]


def test_groups_opened_on_one_model_stay_with_it():
    """Issue 10: a small model's opened scopes must not leave ResNet50's op graph expanded into hundreds of dots."""
    app = open_graphs()
    app.radio(key="graph_source").set_value("Demo CNN").run()
    app.radio(key="graph_view").set_value("op").run()
    by_label(app.toggle, "Group names").set_value(True).run()
    group = next(node for node in shown_nodes(app) if node.endswith("/"))
    by_label(app.selectbox, "Open a group").set_value(group).run()
    app.button(key="graph_open").click().run()
    assert group not in shown_nodes(app)
    app.radio(key="graph_source").set_value("Built-in architecture").run()
    assert len(shown_nodes(app)) <= 60
    assert [bool(state["expanded"]) for state in states(app)].count(True) == 1  # only the demo's op graph
    app.radio(key="graph_source").set_value("Demo CNN").run()
    assert group not in shown_nodes(app)  # back on the demo, its own opened group is still open


def test_a_link_lands_on_the_same_layer_in_the_other_view_and_back():
    demo = open_graphs(model="Demo CNN", view="layer")
    layer = next(node for node in shown_nodes(demo) if node.startswith("conv2d"))
    app = open_graphs(model="Demo CNN", layer=layer, view="op")
    assert not app.exception and app.radio(key="graph_source").value == "Demo CNN"
    lit = lit_nodes(app)
    assert lit and all(f"/{layer}_" in node or node.split("/")[-2].startswith(layer) for node in lit)
    assert any(node.endswith("Conv2D") or node.endswith("convolution") for node in lit)
    inspector = [params for page, params in links_out(app) if page == "inspect"]
    assert inspector == [{"model": "Demo CNN", "layer": layer}]
    inspected = open_page("views/inspect.py", **inspector[0])
    assert labelled(inspected.selectbox, "Open a layer").value == layer
    assert inspected.radio(key="inspect_model").value == "demo"
    back = [params for page, params in links_out(inspected) if page == "graphs"]
    assert back and back[0]["model"] == "Demo CNN" and back[0]["layer"] == layer and back[0]["view"] == "op"
    again = open_graphs(**back[0])
    assert lit_nodes(again) == lit


def test_a_link_followed_inside_the_session_is_read_again():
    app = open_graphs()
    app.radio(key="graph_source").set_value("Built-in architecture").run()
    assert app.radio(key="graph_view").value == "layer"
    app.query_params.clear()
    app.query_params.update({"model": "Demo CNN", "view": "op", "layer": "dense_7"})
    app.run()
    assert app.radio(key="graph_source").value == "Demo CNN" and app.radio(key="graph_view").value == "op"
    app.radio(key="graph_view").set_value("layer").run()  # the page's own echo never overrides the user
    assert app.radio(key="graph_view").value == "layer"


def test_activation_thumbnail_for_the_selected_layer_matches_keras():
    import numpy as np

    app = open_graphs(model="Demo CNN", view="layer", layer="conv2d_1", **{"class": "3", "index": "1"})
    assert app.toggle(key="graph_input_on").value
    spec = json.loads(app.get("plotly_chart")[1].proto.spec)
    from views._resources import demo_model, shipped_dataset

    demo = demo_model()
    dataset = shipped_dataset(demo.dataset_name)
    image = dataset.x_test[np.flatnonzero(dataset.y_test == 3)[1]]
    direct = keras.Model(demo.model.inputs, demo.model.get_layer("conv2d_1").output)(image[None])[0].numpy()
    assert "output shape (None, 28, 28, " in " ".join(m.value for m in app.markdown).replace("\\", "")
    heatmap = next(trace for trace in spec["data"] if trace["type"] == "heatmap")
    z = heatmap["z"]
    if isinstance(z, dict):  # Plotly's binary encoding
        import base64

        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape([int(n) for n in z["shape"].split(",")])
    tiles = np.asarray(z, dtype=float)
    first_map = tiles[: direct.shape[0], : direct.shape[1]]
    scaled = (direct[..., 0] - direct[..., 0].min()) / (np.ptp(direct[..., 0]) or 1)
    np.testing.assert_allclose(first_map, scaled, atol=1e-4)  # the first map, scaled on its own, is Keras's
    assert direct.shape[-1] >= 8 and [p for page, p in links_out(app) if page == "inspect"][0]["class"] == "3"


def session_model(model: keras.Model) -> modelio.CurrentModel:
    return modelio.CurrentModel(model, [], "made in a test")


def test_every_model_of_the_session_is_offered_and_explained():
    inputs = keras.Input((8, 8, 1))
    autoencoder = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same", name="decode")(inputs), name="ae")
    first, second = keras.Input((4,)), keras.Input((3,))
    two_inputs = keras.Model([first, second], keras.layers.Dense(2)(keras.layers.Concatenate()([first, second])))
    frozen = keras.Model(first, keras.layers.ReLU()(first))
    app = AppTest.from_file(APP, default_timeout=240)
    app.session_state["session_models"] = {"Autoencoder": session_model(autoencoder), "Two inputs": session_model(two_inputs),
                                           "Frozen": session_model(frozen)}
    app.switch_page("views/graphs.py")
    app.run()
    assert app.radio(key="graph_source").options[:3] == ["Autoencoder", "Two inputs", "Frozen"]
    app.radio(key="graph_view").set_value("train").run()
    assert "mean squared error" in " ".join(c.value for c in app.caption)
    app.radio(key="graph_source").set_value("Two inputs").run()
    app.radio(key="graph_view").set_value("op").run()
    assert not app.exception and {"input_1", "input_2"} <= set(shown_nodes(app))
    app.radio(key="graph_source").set_value("Frozen").run()
    app.radio(key="graph_view").set_value("train").run()
    assert not app.exception and "no trainable weights" in app.error[0].value


def test_bad_upload_and_bad_searches_are_explained():
    app = open_graphs()
    app.radio(key="graph_source").set_value("Upload a .keras model").run()
    app.file_uploader(key="graph_upload").set_value(("x.keras", b"garbage", "application/octet-stream")).run()
    assert "x.keras" in unescaped(app.error[0].value)
    app.radio(key="graph_source").set_value("Demo CNN").run()
    app.text_input(key="graph_search").input("[").run()
    assert "not a valid regular expression" in unescaped(app.error[0].value)
    for pattern in ("(.*.*.*.*.*.*.*)Z", "x{99999999999}"):
        app.text_input(key="graph_search").input(pattern).run()
        assert not app.exception and not app.error and "0 node(s) match" in " ".join(c.value for c in app.caption)
    app.text_input(key="graph_search").input("x{1001}").run()
    assert "not a valid regular expression" in app.error[0].value


def test_a_link_to_a_model_or_layer_that_is_not_here_says_so():
    app = open_graphs(model="[Session expired](https://evil.example)", layer="no_such_layer")
    warnings = " ".join(w.value for w in app.warning)
    assert "is not in this session" in warnings and "](" not in warnings.replace("\\](", "")
    assert app.radio(key="graph_source").value == "Demo CNN"
    app = open_graphs(model="Demo CNN", layer="no_such_layer")
    assert "is not in this graph" in " ".join(w.value for w in app.warning)


def test_the_builders_layer_cards_link_the_trained_layer_to_both_views():
    from dlviz.cnn import architecture

    model = architecture.build_model(architecture.default_layers(), (28, 28, 1), 10)
    app = AppTest.from_file(APP, default_timeout=240)
    app.session_state["current_model"] = modelio.CurrentModel(model, [str(i) for i in range(10)], "trained here", "digits28")
    app.switch_page("views/train.py")
    app.run()
    assert not app.exception
    linked = links_out(app)
    names = [architecture.layer_name(i, spec) for i, spec in enumerate(architecture.default_layers(), start=1)]
    assert [params["layer"] for page, params in linked if page == "inspect"] == names
    assert [params["layer"] for page, params in linked if page == "graphs"] == names
    assert all(params["model"] == "CNN" for _, params in linked)
    graphs = open_graphs(**next(params for page, params in linked if page == "graphs"))
    assert graphs.radio(key="graph_source").value == "Demo CNN"  # a new session has no CNN: said, not guessed
    assert "is not in this session" in " ".join(w.value for w in graphs.warning)
