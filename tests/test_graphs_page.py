"""The TensorFlow graphs page driven through AppTest over its sources and views."""

import json

from streamlit.testing.v1 import AppTest

from tests.app_support import APP, open_page, unescaped


def open_graphs() -> AppTest:
    return open_page("views/graphs.py")


def shown_nodes(app: AppTest) -> list[str]:
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    return [row[0] for trace in spec["data"] if trace.get("customdata") for row in trace["customdata"]]


def test_builtin_resnet50_in_every_view_with_search_and_expand():
    app = open_graphs()
    app.radio(key="graph_view").set_value("op").run()
    caption = " ".join(c.value for c in app.caption)
    assert "1,831 nodes" in caption
    nodes = shown_nodes(app)
    assert 150 < len(nodes) < 300 and "resnet50_1/conv1_conv_1" in nodes
    app.selectbox(key="graph_open_scope").set_value("resnet50_1/conv1_conv_1").run()
    app.button(key="graph_open").click().run()
    assert any(node.startswith("resnet50_1/conv1_conv_1/") for node in shown_nodes(app))
    app.text_input(key="graph_search").input("conv2_block1_1_conv").run()
    assert "match" in " ".join(c.value for c in app.caption)
    app.radio(key="graph_view").set_value("layer").run()
    assert len(shown_nodes(app)) == 177


def test_demo_cnn_training_step_and_exports():
    app = open_graphs()
    app.radio(key="graph_source").set_value("Demo CNN").run()
    app.radio(key="graph_view").set_value("train").run()
    assert not app.exception
    caption = " ".join(c.value for c in app.caption)
    assert "nodes and" in caption
    app.button(key="export_tb_prepare").click().run()
    assert not app.exception
    assert app.session_state["tensorboard_zip"][:2] == b"PK"


def test_playground_program_appears_as_a_source():
    app = AppTest.from_file(APP, default_timeout=240)
    app.switch_page("views/playground.py")
    app.run()
    app.switch_page("views/graphs.py")
    app.run()
    assert "Your playground program" in app.radio(key="graph_source").options
    app.radio(key="graph_source").set_value("Your playground program").run()
    assert not app.exception
    assert any("MatMul" in node for node in shown_nodes(app))


def test_bad_upload_and_bad_regex_are_explained():
    app = open_graphs()
    app.radio(key="graph_source").set_value("Upload a .keras model").run()
    app.file_uploader(key="graph_upload").set_value(("x.keras", b"garbage", "application/octet-stream")).run()
    assert "x.keras" in unescaped(app.error[0].value)
    app.radio(key="graph_source").set_value("Demo CNN").run()
    app.text_input(key="graph_search").input("[").run()
    assert "not a valid regular expression" in unescaped(app.error[0].value)
