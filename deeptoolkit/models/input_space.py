"""The review's first figure: a net with two inputs, two tanh hidden units and one output.

Its hidden layer bends the plane so that two classes no line separates in input space become
separable by a line (LeCun, Bengio & Hinton 2015, figure 1; after Olah's "Neural networks,
manifolds, and topology").
"""

import keras
from keras import layers


def two_unit_net(hidden_units=2, name="input_space"):
    """2 inputs -> `hidden_units` tanh units (layer "hidden") -> 1 sigmoid output (layer "output")."""
    inputs = keras.Input((2,), name="point")
    hidden = layers.Dense(hidden_units, activation="tanh", name="hidden")(inputs)
    output = layers.Dense(1, activation="sigmoid", name="output", dtype="float32")(hidden)
    return keras.Model(inputs, output, name=name)


def hidden_view(model):
    """The model from its input to its hidden layer: where each input point lands."""
    return keras.Model(model.input, model.get_layer("hidden").output, name=f"{model.name}_hidden")
