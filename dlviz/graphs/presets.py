"""Ready-made programs for the playground, from the notes' first example to a gradient, in its own language and as TensorFlow code."""

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
    "TensorFlow 1 code: the notes' first example in a session": """\
import numpy as np
import tensorflow as tf

a = np.array([1, 2, 3])
b = np.array([4, 5, 6])
c = tf.multiply(a, b)
with tf.Session() as sess:
    result = sess.run(c)
    print(result)
""",
    "TensorFlow 1 code: placeholders, variables and a feed_dict": """\
import tensorflow as tf

x = tf.compat.v1.placeholder(tf.float32, shape=[None, 3], name="x")
W = tf.Variable(tf.random.normal([3, 2], seed=1), name="W")
b = tf.Variable(tf.zeros([2]), name="b")
y = tf.nn.relu(tf.matmul(x, W) + b)
init = tf.compat.v1.global_variables_initializer()
with tf.compat.v1.Session() as sess:
    sess.run(init)
    out = sess.run(y, feed_dict={x: [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]})
    print(out)
""",
    "TensorFlow 2 code: GradientTape and tf.function": """\
import tensorflow as tf

W = tf.Variable(tf.random.normal([3, 2], seed=1), name="W")
b = tf.Variable(tf.zeros([2]), name="b")
x = tf.constant([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])

@tf.function
def forward(x):
    return tf.nn.relu(tf.matmul(x, W) + b)

with tf.GradientTape() as tape:
    y = forward(x)
    loss = tf.reduce_mean(tf.square(y))
dW, db = tape.gradient(loss, [W, b])
print("loss:", loss.numpy())
print(dW)
""",
}

DEFAULT_PRESET = "Gradient of a loss (auto-differentiation)"
