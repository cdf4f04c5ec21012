"""Corpus BLEU with keras-hub's metric: the one scorer of the Translator and the Captioner."""


def corpus_bleu(references, hypotheses, max_orders=(4,)):
    """{order: BLEU} for each order in `max_orders`, as fractions in [0, 1].

    references: for each hypothesis, a list of reference strings (words joined by spaces);
    hypotheses: one string per item.
    """
    import keras_hub

    scores = {}
    for order in max_orders:
        bleu = keras_hub.metrics.Bleu(max_order=order)
        bleu.update_state(references, hypotheses)
        scores[order] = float(bleu.result())
    return scores
