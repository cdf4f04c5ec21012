"""Starting a word embedding from pretrained vectors (`data.word_vectors`), shared by the
word-level CharRNN and the Translator."""

import logging

from deeptoolkit.declaration import Option

log = logging.getLogger("deeptoolkit")

FINE_TUNE_VECTORS = Option("fine_tune_vectors", "With pretrained word vectors: train them further with the rest "
                           "(true), or keep them as they are (false).", type=bool)


def vectors_option(name, what):
    return Option(name, f"Start {what} from pretrained word vectors: glove-6b-50d (pip install 'deeptoolkit[pretrained]'); "
                  "the embedding takes their size. none: learned from scratch.", choices=(None, "glove-6b-50d"), none="none")


def embedding_size(vectors, embedding_dim):
    """The embedding width: the pretrained vectors' when there are some, else `embedding_dim`."""
    if vectors is None:
        return embedding_dim
    from deeptoolkit.data.word_vectors import dimension

    return dimension(vectors)


def start_embedding(layer, words, vectors, trainable=True, seed=0):
    """Fill the embedding `layer` (rows = `words`) from the vectors `vectors`; freeze it unless
    `trainable`. Returns how many words had a pretrained vector."""
    from deeptoolkit.data.word_vectors import vector_table

    table, found = vector_table(list(words), vectors, seed=seed)
    layer.embeddings.assign(table)
    layer.trainable = bool(trainable)
    log.info("%s: %d of %d words start from %s%s", layer.name, found, len(table), vectors, "" if trainable else " (frozen)")
    return found
