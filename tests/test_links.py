"""Shareable links: parameters parsed strictly, pages opened in the linked state, bad ones explained."""



from dlviz import links
from tests.app_support import open_page


def test_parse_accepts_good_values_and_explains_bad_ones():
    spec = {"mode": links.Param(["eager", "graph"]), "index": links.Param(minimum=0, maximum=9), "text": links.Param(max_length=5)}
    values, notices = links.parse({"mode": "graph", "index": "3", "text": "ok", "other": "x"}, spec)
    assert values == {"mode": "graph", "index": 3, "text": "ok"} and notices == []
    values, notices = links.parse({"mode": "tf1", "index": "12", "text": "too long"}, spec)
    assert values == {} and len(notices) == 3
    values, notices = links.parse({"index": "seven"}, spec)
    assert "not a whole number" in notices[0]


def test_playground_link_sets_preset_mode_and_node():
    app = open_page("views/playground.py", preset="A linear layer", mode="session", node="W")
    assert app.selectbox(key="preset").value == "A linear layer"
    assert app.radio(key="mode").value == "session"
    assert app.selectbox(key="node").value == "W"


def test_playground_link_with_a_program_and_a_bad_mode():
    app = open_page("views/playground.py", program="a = constant([1, 2])\nb = a * 3", mode="quantum")
    assert app.text_area(key="program_text").value.startswith("a = constant")
    assert any("quantum" in warning.value for warning in app.warning)
    assert app.radio(key="mode").value == "eager"


def test_train_and_graphs_links():
    app = open_page("views/train.py", dataset="shapes", preset="LeNet-5 style")
    assert app.selectbox(key="dataset").value == "shapes"
    assert [spec.kind for _, spec in app.session_state["stack"]][0] == "Conv2D"
    assert app.session_state["stack"][0][1].setting("kernel") == 5
    graphs = open_page("views/graphs.py", view="layer", arch="MobileNetV2")
    assert graphs.selectbox(key="graph_builtin").value == "MobileNetV2"


def test_inspect_link_out_of_range_falls_back_with_a_notice():
    app = open_page("views/inspect.py", **{"class": "42", "layer": "no_such_layer"})
    warnings = " ".join(warning.value for warning in app.warning).replace("\\", "")  # names are shown escaped
    assert "class 42" in warnings and "no_such_layer" in warnings
    assert app.selectbox(key="inspect_class").value == 0


def test_a_link_arriving_later_in_the_session_is_read_on_every_page():
    """A page reads its link again when the address bar holds parameters it did not write (a followed link)."""
    app = open_page("views/playground.py")
    app.selectbox(key="preset").set_value("A linear layer").run()
    written = dict(app.query_params)
    app.run()
    assert app.selectbox(key="preset").value == "A linear layer" and dict(app.query_params) == written
    app.query_params.clear()
    app.query_params.update({"preset": "Gradient of a loss (auto-differentiation)", "mode": "session"})
    app.run()
    assert app.selectbox(key="preset").value == "Gradient of a loss (auto-differentiation)"
    assert app.radio(key="mode").value == "session"


def test_markdown_safe_shows_hostile_text_literally():
    from dlviz.text import markdown_safe

    shown = markdown_safe("[Session expired - sign in](https://evil.example) ![x](https://evil.example/x.png) **b** $x$ :red[r]")
    import re

    assert not re.search(r"(?<!\\)[\[\]()!*$:]", shown)  # every mark Markdown could read is escaped
    assert "://" not in shown.replace("\\", "")  # no bare address either: GFM would make it a link after the escapes
    assert shown.replace("\\", "").replace("\u200b", "") == "[Session expired - sign in](https://evil.example) ![x](https://evil.example/x.png) **b** $x$ :red[r]"
    assert markdown_safe("a\n# heading") == "a \\# heading" and len(markdown_safe("x" * 1000)) == 600
