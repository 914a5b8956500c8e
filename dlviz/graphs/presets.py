"""Ready-made programs for the playground, from the notes' first example to a gradient."""

PRESETS: dict[str, str] = {
    "Element-wise multiply (the notes' first example)": """\
a = constant([1, 2, 3])
b = constant([4, 5, 6])
c = a * b
""",
    "A linear layer": """\
x = placeholder([None, 3], name="x")
W = variable(random_normal([3, 2], seed=1))
b = variable(zeros([2]))
y = x @ W + b
""",
    "Two-layer perceptron with a loss": """\
x = placeholder([None, 4], name="x")
target = placeholder([None, 2], name="target")
W1 = variable(random_normal([4, 5], stddev=0.5, seed=1))
b1 = variable(zeros([5]))
hidden = relu(x @ W1 + b1)
W2 = variable(random_normal([5, 2], stddev=0.5, seed=2))
b2 = variable(zeros([2]))
probabilities = softmax(hidden @ W2 + b2)
loss = reduce_mean(square(probabilities - target))
""",
    "Gradient of a loss (auto-differentiation)": """\
x = placeholder([None, 3], name="x")
W = variable(random_normal([3, 2], seed=1))
b = variable(zeros([2]))
y = relu(x @ W + b)
loss = reduce_mean(square(y))
dW, db = grad(loss, [W, b])
""",
}

DEFAULT_PRESET = "Gradient of a loss (auto-differentiation)"
