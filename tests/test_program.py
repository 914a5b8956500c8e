"""The graph language: what it accepts, and that it refuses everything else without running it."""

import pytest

from dlviz.graphs import program
from dlviz.graphs.presets import PRESETS
from dlviz.graphs.program import ProgramError, parse


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_parses(name):
    parsed = parse(PRESETS[name])
    assert parsed.nodes


def test_expression_becomes_nodes_with_inputs():
    parsed = parse('x = placeholder([None, 3], name="x")\nW = variable(ones([3, 2]))\ny = relu(x @ W + 1)\n')
    assert parsed.node("y").op == "relu"
    add = parsed.node(parsed.node("y").inputs[0])
    assert add.op == "add"
    matmul = parsed.node(add.inputs[0])
    assert matmul.op == "matmul" and matmul.inputs == ("x", "W")
    assert parsed.node(add.inputs[1]).kind == "constant"
    assert parsed.node("x").attrs["shape"] == [None, 3]


def test_gradients_unpack_into_one_node_each():
    parsed = parse(PRESETS["Gradient of a loss (auto-differentiation)"])
    assert parsed.node("dW").inputs == ("loss", "W")
    assert parsed.node("db").inputs == ("loss", "b")
    assert parsed.node("db").kind == "gradient"


def test_options_positional_and_keyword():
    parsed = parse("a = constant([[1, 2], [3, 4]])\ns = reduce_sum(a, axis=1, keepdims=True)\nt = transpose(a, [1, 0])\n"
                   "r = reshape(a, [4])\nc = concat([a, a], axis=0)\nm = softmax(a, 0)")
    assert parsed.node("s").attrs == {"axis": 1, "keepdims": True}
    assert parsed.node("t").attrs == {"perm": [1, 0]}
    assert parsed.node("c").inputs == ("a", "a")
    assert parsed.node("m").attrs == {"axis": 0}


def test_automatic_names_never_clash_with_later_user_names():
    parsed = parse("a = constant(1)\nb = a + a + a\nadd_2 = b * 2")
    assert len(set(parsed.names)) == len(parsed.names)
    assert parsed.node("add_2").op == "multiply"
    assert parsed.node("b").inputs == ("add", "a")


HOSTILE = [
    ("import os", 1),
    ("from os import system", 1),
    ('x = __import__("os")', 1),
    ('x = open("/tmp/dlviz_pwned", "w")', 1),
    ("x = eval('1')", 1),
    ("x = exec('print(1)')", 1),
    ("a = constant(1)\nb = a.assign(2)", 2),
    ("x = (lambda: 1)()", 1),
    ("x = [i for i in range(3)]", 1),
    ("x = constant(1)\ny = x.__class__", 2),
    ("def f():\n    pass", 1),
    ("class A:\n    pass", 1),
    ("print(open('/etc/passwd'))", 1),
    ("x = y + 1", 1),
    ("x = constant(1)\nx = constant(2)", 2),
    ("x = constant([1, 2])[0]", 1),
    ("x = constant(1); x += 1", 1),
    ("with open('f') as f:\n    pass", 1),
    ("x = getattr(constant, 'x')", 1),
    ("x = constant('a' * 10)", 1),
    ("x = relu(", 1),
    ("x = constant({1: 2})", 1),
    ("x = constant(1) if True else 0", 1),
    ("x = placeholder([None, -3])", 1),
    ("x = zeros([1000, 1000])", 1),
    ("x = constant([[1, 2], [3]])", 1),
    ("x = relu(*[1])", 1),
    ('x = constant(1, dtype="object")', 1),
    ("__x = constant(1)", 1),
    ("relu = constant(1)", 1),
    ("x = f'{1}'", 1),
    ("x = constant(1e400)", 1),
]


@pytest.mark.parametrize(("text", "line"), HOSTILE)
def test_hostile_or_broken_programs_are_refused_with_a_position(text, line):
    with pytest.raises(ProgramError) as caught:
        parse(text)
    assert caught.value.line == line
    assert caught.value.col >= 1
    assert str(caught.value).startswith(f"Line {line}, column ")


def test_a_program_that_would_write_a_file_does_not(tmp_path):
    target = tmp_path / "pwned.txt"
    with pytest.raises(ProgramError):
        parse(f'x = open("{target}", "w")\ny = x.write("owned")')
    assert not target.exists()


def test_unknown_name_suggests_the_close_one():
    with pytest.raises(ProgramError, match="Did you mean 'weights'"):
        parse("weights = constant(1)\ny = weigths * 2")


def test_unknown_function_lists_what_is_available():
    with pytest.raises(ProgramError, match="Available: .*matmul"):
        parse("y = conv3d(1)")


def test_limits_protect_the_server():
    with pytest.raises(ProgramError, match="limit"):
        parse("a = constant(1)\n" * 3000)
    with pytest.raises(ProgramError, match="at most"):
        parse("a = reshape(constant(1), [1000, 1000])")


def test_power_with_literals_is_a_node_not_computed_at_parse_time():
    parsed = parse("a = constant(2)\nb = a ** 3")
    assert parsed.node("b").op == "pow"
    assert "pow" in program.OPS
