"""Character-level LSTM language model (Sutskever et al. 2011; Graves 2013; Karpathy's char-rnn).

Two Keras models share one set of layers:

- `char_lstm`: characters (B, T) -> next-character logits (B, T, V); what `fit` trains, with
  dropout between the stacked LSTMs;
- `char_lstm_stepper`: (characters, h and c of every layer) -> (logits, new h and c), the same
  weights run with a carried state, so generating text feeds one character per step and the
  cost per character does not grow with the length of the text.
"""

import keras
from keras import layers
from keras_hub.layers import ReversibleEmbedding


def char_lstm(vocab_size, embedding_dim=64, units=512, num_layers=2, dropout=0.2, tie_embeddings=False):
    """`tie_embeddings`: the output layer is the input embedding, transposed (Press and Wolf 2017;
    Inan et al. 2017), after a projection of the LSTM's output to the embedding's width: one table
    learns from both the units a symbol follows and those it precedes."""
    characters = keras.Input((None,), dtype="int32", name="characters")
    embedding = (ReversibleEmbedding(vocab_size, embedding_dim, name="embedding") if tie_embeddings
                 else layers.Embedding(vocab_size, embedding_dim, name="embedding"))
    x = embedding(characters)
    for i in range(num_layers):
        # return_state so that the stepper can read the states from these very layers.
        x = lstm_layer(units, i)(x)[0]
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{i}")(x)
    return keras.Model(characters, output_logits(x, embedding, vocab_size, tie_embeddings), name="char_lstm")


def output_logits(x, embedding, vocab_size, tie_embeddings):
    # Logits in float32 whatever the compute precision: the loss and sampling read them.
    if not tie_embeddings:
        return layers.Dense(vocab_size, dtype="float32", name="logits")(x)
    x = layers.Dense(embedding.output_dim, name="projection")(x)
    return layers.Activation("linear", dtype="float32", name="logits")(embedding(x, reverse=True))


def lstm_layer(units, index):
    return layers.LSTM(units, return_sequences=True, return_state=True, name=f"lstm_{index}")


def lstm_layers(model):
    return [layer for layer in model.layers if isinstance(layer, layers.LSTM)]


def char_lstm_stepper(model):
    """The trained `model`'s layers run from given states; returns logits and the new states."""
    characters = keras.Input((None,), dtype="int32", name="characters")
    recurrent = lstm_layers(model)
    states_in, states_out = [], []
    x = model.get_layer("embedding")(characters)
    for layer in recurrent:
        h = keras.Input((layer.units,), name=f"{layer.name}_h")
        c = keras.Input((layer.units,), name=f"{layer.name}_c")
        x, h_out, c_out = layer(x, initial_state=[h, c])
        states_in += [h, c]
        states_out += [h_out, c_out]
    embedding = model.get_layer("embedding")
    if isinstance(embedding, ReversibleEmbedding):
        logits = model.get_layer("logits")(embedding(model.get_layer("projection")(x), reverse=True))
    else:
        logits = model.get_layer("logits")(x)
    return keras.Model([characters, *states_in], [logits, *states_out], name="char_lstm_stepper")
