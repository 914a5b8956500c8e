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


# -- issue 9: nothing a program says reaches TensorFlow unchecked -------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("a = constant(1.0)\nb = reshape(a, [1] * 300)", "Expected a plain value"),
    ("a = constant(1.0)\nb = reshape(a, [" + ", ".join(["1"] * 300) + "])", "at most 6 sizes"),
    ("a = constant(1.0)\nb = reshape(a, [1, 1, 1, 1, 1, 1, 1])", "at most 6 sizes"),
    ("x = placeholder([" + ", ".join(["None"] * 7) + "])", "up to 6 sizes"),
    ("x = zeros([1, 1, 1, 1, 1, 1, 1])", "up to 6 sizes"),
    ("a = constant([[1.0]])\nb = transpose(a, [6, 5, 4, 3, 2, 1, 0])", "every axis once"),
    ("a = constant([[1.0]])\nb = reduce_sum(a, axis=1000000000000)", "out of range"),
    ("a = constant([[1.0]])\nb = concat([a, a], axis=999999999999)", "out of range"),
    ("a = constant([[1.0]])\nb = reduce_sum(a, axis=[0, 1, 2, 3, 4, 5, 0])", "out of range"),
    ("a = constant([[1.0]])\nb = softmax(a, axis=[0])", "whole number"),
    ("x = " + "-" * 3000 + "a", "nests"),
    ("a = constant(1.0)\nb = " + " + ".join(["a"] * 1200), "nests"),
    ("a = constant(1.0)\nb = " + "relu(" * 80 + "a" + ")" * 80, "nests"),
    ("é = constant(1.0)", "not a name TensorFlow accepts"),
    ("a = constant(1.0)\nb = ä * 2", "used before it is defined"),
    ("x" * 70 + " = constant(1.0)", "limited to 64"),
    ('a = constant(3000000000, dtype="int32")', "does not fit in int32"),
    ("a = constant(1e39)", "does not fit in float32"),
    ('a = constant([1.5], dtype="int32")', "not a whole number"),
    ('x = placeholder([2], dtype="int32")\ny = x * 3000000000', "does not fit in int32"),
    ('x = placeholder([2], dtype="int32")\ny = x * 2.5', "is a float"),
    ("a = variable(random_normal([2], seed=True))", "seed"),
    ("a = variable(random_normal([2], seed=-1))", "seed"),
    ("a = variable(random_normal([2], seed=999999999999))", "seed"),
    ("a = variable(random_uniform([2], minval=1, maxval=0))", "minval < maxval"),
    ('x = placeholder([2], name="[x](https://evil.example)")', "name= option"),
    ('a = constant([1, 2], dtype="int32")\nb = constant([1.0, 2.0])\nc = a + b', "'a' is int32, 'b' is float32"),
    ('a = constant([1, 2], dtype="int32")\nb = sqrt(a)', "works on float tensors"),
    ('a = constant([1, 2], dtype="int32")\nb = grad(a, a)', "only for float tensors"),
])
def test_every_shape_rank_axis_name_and_number_is_checked_before_tensorflow(text, expected):
    with pytest.raises(ProgramError) as caught:
        parse(text)
    assert expected in caught.value.message, caught.value.message


def test_bare_numbers_follow_the_dtype_of_the_tensor_they_meet():
    parsed = parse('x = placeholder([2], dtype="int32")\ny = x * 2 + 1\nz = constant([1.0]) * 2\nw = 3')
    assert parsed.node(parsed.node("y").inputs[1]).dtype == "int32"
    assert parsed.node(parsed.node("z").inputs[1]).dtype == "float32"
    assert parsed.node("w").dtype == "float32"  # nothing decides it: the playground's default, as before
    assert parse("import tensorflow as tf\nw = 3").node("w").dtype == "int32"  # TensorFlow's default for an int


def test_limits_count_statements_inside_blocks():
    body = "\n".join(f"    a{i} = x * {i}" for i in range(70))
    with pytest.raises(ProgramError, match="statements; the limit is 60"):
        parse(f"import tensorflow as tf\nx = tf.constant(1.0)\nwith tf.GradientTape() as tape:\n{body}")
