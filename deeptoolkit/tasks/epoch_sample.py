"""EpochSample: a language model's few lines of text after each epoch, printed while it trains."""

import keras

from deeptoolkit.decoding import StepDecoder
from deeptoolkit.models.char_lstm import char_lstm_stepper


class EpochSample(keras.callbacks.Callback):
    """Prints a short sample after each epoch, so that progress can be read, not just measured."""

    def __init__(self, vocabulary, length, seed=None):
        super().__init__()
        self.vocabulary = vocabulary
        self.length = length
        self.seed = seed
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        if self.writer is None:  # built once: its layers are the model's, updated in place
            self.writer = StepDecoder(char_lstm_stepper(self.model), never=[0])
        symbols = self.vocabulary.symbols
        prime = symbols[1] if "\n" not in symbols else "\n"
        ids = self.writer.sample(self.vocabulary.encode(prime)[None], self.length, temperature=0.8, seed=self.seed)
        print(f"\n--- sample after epoch {epoch + 1} (temperature 0.8) ---\n{self.vocabulary.decode(ids[0])}\n---", flush=True)
