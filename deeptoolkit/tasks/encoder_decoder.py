"""What the Translator and the Captioner share: an encoder, a recurrent decoder of words, the
optimiser and loss they train with, the sequence writer (greedy and beam search) and BLEU."""


from deeptoolkit.metrics.bleu import corpus_bleu
from deeptoolkit.tasks.base import Task


class EncoderDecoderTask(Task):
    """A task that writes a sequence of words for each input.

    Subclasses give `_decoding_parts()`: (encode, stepper, vocabulary), where encode maps a batch
    of inputs to the decoder's initial cache, and stepper is the one-step decoder model.
    """

    def _decoding_parts(self):
        raise NotImplementedError

    def _compile_arguments(self, run, total_steps):
        import keras
        from deeptoolkit.tasks.optimizers import clipped_adam

        return dict(
            optimizer=clipped_adam(self.config, total_steps, alpha=0.05),
            # Padding after <end> (and a Captioner's empty caption rows) is not a word to learn.
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        )

    def _writer(self):
        from deeptoolkit.decoding import SequenceWriter

        return self._cached("writer", lambda: SequenceWriter(*self._decoding_parts()))

    def _write(self, inputs, beam=None, max_length=None, batch_size=None):
        """Word lists written for `inputs` (an array or list the encoder reads, batched here)."""
        self._require_fitted()
        return self._writer().write(inputs, beam, self.config["max_length"] if max_length is None else max_length, batch_size)

    @staticmethod
    def _bleu(references, hypotheses, max_orders=(4,)):
        """{order: corpus BLEU} of word-list hypotheses against lists of word-list references."""
        return corpus_bleu([[" ".join(r) for r in refs] for refs in references], [" ".join(h) for h in hypotheses], max_orders)
