"""Stories and questions as the integer arrays a memory network reads.

The vocabulary is a plain word list saved as JSON with the model: bAbI's vocabularies are a
few hundred words split on white space, which needs no subword tokenizer, and a list keeps
the saved artefact free of anything that must be unpickled.
"""

import logging

import numpy as np

from deeptoolkit.errors import DeeptoolkitError

log = logging.getLogger("deeptoolkit")

PAD, UNKNOWN = "<pad>", "<unk>"


class StoryEncoding:
    """Word and answer vocabularies plus the memory shape (N sentences of J words)."""

    def __init__(self, words, answers, memory_size, sentence_length):
        self.words = list(words)
        self.answers = list(answers)
        self.memory_size = int(memory_size)
        self.sentence_length = int(sentence_length)
        self.word_index = {word: i for i, word in enumerate(self.words)}
        self.answer_index = {answer: i for i, answer in enumerate(self.answers)}

    @classmethod
    def fit(cls, questions, memory_size):
        """Vocabularies, the longest sentence and the memory size the training questions need.

        The memory holds at most `memory_size` sentences, and no more than the longest
        training story: slots that training never fills would only add untrained time
        embeddings and compute (3x, for the generated stories).
        """
        words = set()
        longest, deepest = 1, 1
        for item in questions:
            deepest = max(deepest, len(item.story))
            for sentence in item.story[-memory_size:] + [item.question]:
                words.update(sentence)
                longest = max(longest, len(sentence))
        answers = sorted({item.answer for item in questions})
        return cls([PAD, UNKNOWN] + sorted(words), answers, min(memory_size, deepest), longest)

    def to_dict(self):
        return {"words": self.words, "answers": self.answers, "memory_size": self.memory_size, "sentence_length": self.sentence_length}

    @classmethod
    def from_dict(cls, state):
        return cls(state["words"], state["answers"], state["memory_size"], state["sentence_length"])

    def _ids(self, tokens, notes):
        if len(tokens) > self.sentence_length:
            notes["truncated"] += 1
            tokens = tokens[: self.sentence_length]
        ids = []
        for token in tokens:
            index = self.word_index.get(token)
            if index is None:
                notes["unknown"].append(token)
                index = self.word_index[UNKNOWN]
            ids.append(index)
        return ids + [0] * (self.sentence_length - len(ids))

    def encode_one(self, story, question):
        """Arrays (N, J) and (J,) for one story (token lists, oldest first) and its question.

        Also returns notes: the unknown words (read as <unk>) and how many sentences were
        longer than the model's J words (cut to the first J).
        """
        notes = {"unknown": [], "truncated": 0}
        memory = np.zeros((self.memory_size, self.sentence_length), "int32")
        recent_first = list(reversed(story[-self.memory_size:]))
        for slot, sentence in enumerate(recent_first):
            memory[slot] = self._ids(sentence, notes)
        return memory, np.asarray(self._ids(question, notes), "int32"), notes

    def encode(self, questions, with_answers=True, unseen_answers="error"):
        """Arrays (stories (Q, N, J), questions (Q, J), answers (Q,)) for parsed questions.

        An answer the model was never trained on is an error naming its file and line, or,
        with unseen_answers="wrong", coded -1 so that it is scored as a wrong answer.
        """
        stories = np.zeros((len(questions), self.memory_size, self.sentence_length), "int32")
        asked = np.zeros((len(questions), self.sentence_length), "int32")
        answers = np.zeros((len(questions),), "int32")
        truncated = []
        for row, item in enumerate(questions):
            stories[row], asked[row], notes = self.encode_one(item.story, item.question)
            if notes["truncated"]:
                truncated.append(item.where)
            if with_answers:
                if item.answer in self.answer_index:
                    answers[row] = self.answer_index[item.answer]
                elif unseen_answers == "wrong":
                    answers[row] = -1
                else:
                    raise DeeptoolkitError(
                        f"Answer not among the {len(self.answers)} answers the model was trained on "
                        f"(pass unseen_answers='wrong' to score such questions as wrong). Received: {item.where}: {item.answer!r}"
                    )
        if truncated:
            log.warning("%d questions have sentences longer than the model's %d words (first at %s); "
                        "they were cut to the first %d words", len(truncated), self.sentence_length, truncated[0],
                        self.sentence_length)
        return stories, asked, answers
