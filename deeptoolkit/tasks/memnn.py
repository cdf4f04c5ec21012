"""MemNN: an end-to-end memory network that answers questions about a story.

    from deeptoolkit import MemNN
    reader = MemNN()                              # 3 hops, PE, temporal encoding, LS, RN, SGD
    reader.fit()                                  # generated stories; or bAbI file(s)/folder
    reader.evaluate()                             # accuracy, per-task accuracy and error
    reader.answer(story_text, "where is the ring ?")   # answer + attention of every hop
"""

import dataclasses
import logging
import os

import numpy as np

from deeptoolkit.checks import check_choice
from deeptoolkit.data import babi
from deeptoolkit.data.story_encoding import StoryEncoding
from deeptoolkit.data.story_questions import (STORIES, STORIES_TEST, generated, load_questions, questions_dataset,
                                               questions_to_score)
from deeptoolkit.data.story_world import REVIEW_STORY
from deeptoolkit.declaration import Input, Option, Verb, top_k
from deeptoolkit.errors import DeeptoolkitError
from deeptoolkit.metrics.question_answering import answer_scores
from deeptoolkit.models.inference import predict_batches
from deeptoolkit.tasks.base import Task, arguments
from deeptoolkit.tasks.deprecation import renamed_argument
from deeptoolkit.tasks.run import TrainingData

log = logging.getLogger("deeptoolkit")

# Generated stories: many distinct stories seen few times (docs/results-history.md, "MemNN").
STORIES_EPOCHS = 8
# Default length of training on bAbI files, in steps and epochs (benchmarks/README.md, "MemNN").
TRAINING_STEPS, MIN_EPOCHS, MAX_EPOCHS = 6_400, 40, 220
# What dim=None and learning_rate=None mean on generated stories and on bAbI files
# (benchmarks/README.md and docs/results-history.md, "MemNN").
STORIES_DIM, FILES_DIM = 100, 50
STORIES_RATE, FILES_RATE = 0.01, 0.005
OPTIMIZERS = ("sgd", "adam")
TYINGS = ("adjacent", "layerwise")

def _linear_start_lengths(linear_start):
    """linear_start as the list of lengths to try: a list as given, one value (or None) as [value]."""
    return list(linear_start) if isinstance(linear_start, (list, tuple)) else [linear_start]


class MemNN(Task):
    """Answer questions about a story with an end-to-end memory network.

    `fit` reads bAbI file(s), a folder of `*_train.txt` files, or generated stories (default).
    """

    # jit_compile="auto" is on for CPUs: its many small ops fuse (benchmarks/README.md, "Precision").
    xla_on_cpu = True

    summary = "End-to-end memory network: answer questions about a story (bAbI)."
    options = (
        Option("hops", "Attention hops K.", type=int, low=1),
        Option("dim", "Embedding size d; none: 100 on the generated stories, 50 on bAbI files.", type=int, low=1),
        Option("memory_size", "The last N sentences of a story are kept in memory.", type=int, low=1),
        Option("position_encoding", "Weigh words by position (PE), rather than sum a bag of words.", type=bool),
        Option("time_noise", "Fraction of random gaps inserted in time while training (RN); 0: off.", type=float, low=0),
        Option("tying", "adjacent (each hop's output embedding is the next hop's input) or layerwise (all hops share "
               "theirs, with a learned map between hops).", choices=TYINGS),
        Option("linear_start", "Train the first epochs with linear attention (LS); none: epochs // 11; 0: off. From "
               "Python, a list of lengths trains once with each and keeps the best.", type=int, low=0, checked=False),
        Option("optimizer", "sgd (the paper's: the rate per question, halved three times after linear start) or adam.",
               choices=OPTIMIZERS),
        Option("clipnorm", "Gradient-norm clipping per weight (the paper's 40, per batch sum).", type=float, low=0,
               low_open=True),
        Option("restarts", "Train this many times from different initialisations; keep the best by validation accuracy.",
               type=int, low=1),
        Option("average_restarts", "Keep every restart and answer with the mean of their answer distributions.", type=bool),
    )
    verbs = (
        Verb("answer", "The answer to a question about a story, with the sentences each hop attended to.",
             inputs=(Input("story", "story", "A story: one sentence per line, or sentences ending in full stops.", example=REVIEW_STORY),
                     Input("question", "text", "A question about it.", example="where is the ring ?")),
             options=(top_k(3, "Sentences shown per hop."),), view="memory",
             file=Option("attention_map", "Write a PNG of every hop's attention."), write="draw_attention"),
        Verb("predict", "The answer to every question of a bAbI story file: question<TAB>answer.",
             inputs=(Input("story_file", "questions"),), view="pairs", served=False),
    )
    training_data_help = "bAbI file(s) or folder; default: generated stories"
    evaluate_summary = "Accuracy and per-task error of MODEL."
    evaluation_data_help = "bAbI file(s) or folder to score (default: the held-out split)."
    evaluate_options = (Option("unseen_answers", "A test answer never seen in training: stop with an error, or score it as wrong.",
                               choices=("error", "wrong"), default="error"),)
    metric_details = "per_task"
    held_out_line = "held-out {split} accuracy: {accuracy:.4f} ({questions} questions)"

    def __init__(self, hops=3, dim=None, memory_size=50, position_encoding=True, time_noise=0.1, tying="adjacent",
                 linear_start=None, epochs=None, batch_size=32, optimizer="sgd", learning_rate=None, clipnorm=40.0,
                 validation_split=0.1, patience=0, min_delta=1e-3, restarts=1, average_restarts=False,
                 precision="auto", distribute=None, seed=None, jit_compile="auto"):
        super().__init__(**arguments(locals()))

    def _check_config(self):
        super()._check_config()
        linear_start, lengths = self.config["linear_start"], _linear_start_lengths(self.config["linear_start"])
        if linear_start is not None and not (lengths and all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in lengths)):
            raise DeeptoolkitError("linear_start must be a number of epochs (0 = off), a list of them to try, or None. "
                                   f"Received: linear_start={linear_start!r}")

    @property
    def encoding(self):
        if "encoding" not in self.state:
            self._require_fitted()
        return StoryEncoding.from_dict(self.state["encoding"])

    # ----------------------------------------------------------------- training
    def _train(self, run):
        """With `restarts` > 1 or several linear starts, train several times (memnn_restarts)."""
        from deeptoolkit.tasks.memnn_restarts import train_restarts

        several = self.config["restarts"] > 1 or len(_linear_start_lengths(self.config["linear_start"])) > 1
        if several and run.resume:
            raise DeeptoolkitError("resume=True continues one interrupted run; it cannot be combined with restarts > 1 or "
                                   f"several linear_start values. Received: restarts={self.config['restarts']}, "
                                   f"linear_start={self.config['linear_start']!r}")
        run = self._prepared(run)
        if "linear_start" in run.options:  # one attempt of train_restarts
            return super()._train(run)
        train_restarts(self, run, self._linear_starts(run))

    def _prepared(self, run):
        """The questions read once for every restart, and the epochs they need."""
        questions = load_questions(run.data)
        return dataclasses.replace(run, data=questions, epochs=self._epochs(questions, run))

    def _linear_starts(self, run):
        """The linear-start lengths to try: the one asked for, or each of a list."""
        linear_start = self.config["linear_start"]
        if linear_start is None:
            # Fine-tuning starts from trained attention: no linear phase unless asked for.
            linear_start = 0 if run.initial_weights is not None else run.epochs // 11
        return [min(int(c), run.epochs) for c in _linear_start_lengths(linear_start)]

    def fine_tune(self, data, **kwargs):
        """Train on from this reader's weights, on `data`, keeping its vocabulary and answers;
        returns the reader.

        Joint training then specialisation: fit one reader on all 20 bAbI tasks (a folder), then
        fine-tune a copy (`deeptoolkit.load` of the saved joint reader) on each task
        (benchmarks/README.md, "MemNN"). Words outside the vocabulary are read as <unk>; an
        answer outside it is an error naming its file and line. Linear start is off unless
        `linear_start` is set; the learning-rate schedule starts again. Takes `fit`'s keyword
        arguments.
        """
        self._require_fitted()
        if "average" in self.state:
            raise DeeptoolkitError(f"fine_tune trains on from one network; this reader averages {self.state['average']['runs']} runs "
                                   "(average_restarts=True). Fine-tune a reader fitted without average_restarts, with "
                                   "average_restarts=True set on it to average the fine-tuned runs.")
        run = self._new_run(data, None, **kwargs)
        run.initial_weights = self.model.get_weights()
        before = (self.state, self.model, self.history)
        try:
            self._fit(run)
        except BaseException:
            self.state, self.model, self.history = before  # a failed fine-tune leaves the reader as it was
            raise
        return self

    def _epochs(self, questions, run):
        """The epochs to train: as asked, STORIES_EPOCHS on the generated stories, or enough for
        about TRAINING_STEPS steps."""
        if run.epochs is not None:
            return run.epochs
        if questions.spec == STORIES:
            return STORIES_EPOCHS
        kept = len(questions.train) * (1.0 - (self.config["validation_split"] or 0.0))
        steps = max(1, -(-int(kept) // run.batch_size))
        return int(min(MAX_EPOCHS, max(MIN_EPOCHS, round(TRAINING_STEPS / steps))))

    def _training_data(self, run):
        from deeptoolkit.data.pipeline import batched

        train, _, spec = load_questions(run.data)  # read once by _prepared when fit trains
        # Fine-tuning keeps the vocabulary: encoding an answer it lacks fails, naming file and line.
        fine_tuning = run.initial_weights is not None
        encoding = self.encoding if fine_tuning else StoryEncoding.fit(train, self.config["memory_size"])
        # The network's width is fixed when it is first trained: fine-tuning keeps it.
        dim = self._dim() if fine_tuning else self.config["dim"] or (STORIES_DIM if spec == STORIES else FILES_DIM)
        self.state = {"encoding": encoding.to_dict(), "data": spec, "dim": dim}
        validation = None
        split = self._validation_split(train)
        if split is not None:
            train, validation = [train[i] for i in split[0]], [train[i] for i in split[1]]
        train_ds = batched(questions_dataset(encoding, train), run.batch_size, shuffle=True, seed=run.seed)
        validation_ds = batched(questions_dataset(encoding, validation), run.batch_size) if validation else None
        # Averaged runs are scored where single runs are: the validation questions, else the training ones.
        scored = (encoding, validation, "validation") if validation else (encoding, train, "training")
        return TrainingData(train_ds, validation_ds, -(-len(train) // run.batch_size), extras={"scored": scored})

    def _validation_split(self, questions):
        """(kept, held) indices of `questions` (the questions, not their answers as in `Task`),
        cut per task (bAbI file), each as that task alone would cut it.

        So a reader fitted on several tasks holds out exactly the questions a reader of one of
        them holds out, and a copy fine-tuned on that task is validated on questions the joint
        fit never trained on: its validation accuracy compares with a reader trained on the
        task alone.
        """
        if not self.config.get("validation_split"):
            return None
        by_task = {}
        for index, question in enumerate(questions):
            by_task.setdefault(question.task, []).append(index)
        kept, held = [], []
        for indices in by_task.values():
            split = super()._validation_split([questions[i].answer for i in indices])
            if split is None:  # too few questions to hold any out (warned): all are trained on
                kept.extend(indices)
                continue
            kept.extend(indices[i] for i in split[0])
            held.extend(indices[i] for i in split[1])
        return (np.asarray(kept), np.asarray(held)) if held else None

    def _build_model(self, run):
        return self._network()

    def _network(self, name="memn2n"):
        from deeptoolkit.models.memn2n import memn2n

        encoding, config = self.encoding, self.config
        return memn2n(
            vocab_size=len(encoding.words),
            answer_words=[encoding.word_index.get(answer, 0) for answer in encoding.answers],
            memory_size=encoding.memory_size,
            sentence_length=encoding.sentence_length,
            dim=self._dim(),
            hops=config["hops"],
            position=config["position_encoding"],
            time_noise=config["time_noise"],
            tying=config["tying"],
            name=name,
        )

    def _dim(self):
        """The embedding size: as configured, else as resolved for the data when first trained."""
        return self.config["dim"] or self.state["dim"]

    def _learning_rate(self):
        rate = self.config["learning_rate"]
        if rate is not None:
            return rate
        return STORIES_RATE if self.state["data"] == STORIES and self.config["optimizer"] == "sgd" else FILES_RATE

    def _compile_arguments(self, run, total_steps):
        import keras
        from deeptoolkit.tasks.optimizers import warmup_cosine

        config = self.config
        if config["optimizer"] == "adam":
            optimizer = keras.optimizers.Adam(warmup_cosine(self._learning_rate(), total_steps), clipnorm=config["clipnorm"])
        else:
            optimizer = keras.optimizers.SGD(self._step_decay(run, total_steps // run.epochs),
                                             clipnorm=config["clipnorm"] / run.batch_size)
        return dict(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])

    def _step_decay(self, run, steps_per_epoch):
        """The paper's SGD rate, per question: constant through linear start, then halved three
        times at even intervals (lr, lr/2, lr/4, lr/8)."""
        import keras

        rate = self._learning_rate() * run.batch_size
        linear_start = run.options.get("linear_start", 0)
        interval = (run.epochs - linear_start) / 4
        boundaries = [int(steps_per_epoch * (linear_start + k * interval)) for k in (1, 2, 3)]
        if len(set(boundaries)) < 3 or boundaries[0] <= 0:
            return rate  # too few steps to decay in
        return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, [rate, rate / 2, rate / 4, rate / 8])

    def _early_stopping(self, run, training=None):
        # Epochs under linear attention are not candidates for "best": the softmax is off.
        return {**super()._early_stopping(run, training), "start": run.options.get("linear_start", 0)}

    def _callbacks(self, run, training):
        from deeptoolkit.models.memn2n import LinearStart

        linear_start = run.options.get("linear_start", 0)
        return [LinearStart(linear_start)] if linear_start else []

    # ----------------------------------------------------------------- inference
    def draw_attention(self, story, question, path):
        """Every hop's attention over the story's sentences for `question`, as a PNG at `path`."""
        from deeptoolkit import plots

        result = self.answer(story, question)
        return plots.memory_attention(result["sentences"], result["attention"], path, f"{question} -> {result['answer']}")

    @renamed_argument("top", "top_k")
    def answer(self, story, question, top_k=3):
        """The answer to `question` about `story`, and what each hop attended to.

        `story`: text (one sentence per line, or sentences ending in full stops; bAbI IDs
        are ignored) or a list of sentences. Returns a dict: answer, probability,
        unknown_words (read as <unk>), truncated (sentences cut to the model's length),
        hops: for each hop the `top_k` sentences with their attention weights, and
        sentences with attention: the full (hops x sentences) weights in story order.
        """
        self._require_fitted()
        sentences = babi.split_sentences(story) if isinstance(story, str) else [str(s) for s in story]
        if not sentences:
            raise DeeptoolkitError("Expected a story with at least one sentence. Received: an empty story")
        if not isinstance(question, str) or not babi.tokenize(question):
            raise DeeptoolkitError(f"Expected a question with words in it. Received: question={question!r}")
        encoding = self.encoding
        memory, asked, notes = encoding.encode_one([babi.tokenize(s) for s in sentences], babi.tokenize(question))
        if notes["truncated"]:
            log.warning("%d sentence(s) longer than the model's %d words were cut", notes["truncated"], encoding.sentence_length)
        probabilities, attention = self._explained()(memory[None], asked[None])
        probabilities, attention = np.asarray(probabilities)[0], np.asarray(attention)[0]
        best = int(probabilities.argmax())
        kept = sentences[-encoding.memory_size:]
        offset = len(sentences) - len(kept)  # sentences older than the memory get no attention
        by_story_order = np.zeros((len(attention), len(sentences)), "float32")
        by_story_order[:, offset:] = attention[:, : len(kept)][:, ::-1]
        hops = []
        for weights in attention:
            # Slot 0 holds the most recent sentence.
            by_sentence = [(len(kept) - 1 - slot, float(weights[slot])) for slot in range(len(kept))]
            by_sentence.sort(key=lambda pair: -pair[1])
            hops.append([
                {"index": index + len(sentences) - len(kept), "sentence": kept[index], "weight": weight}
                for index, weight in by_sentence[:top_k]
            ])
        return {
            "answer": encoding.answers[best],
            "probability": float(probabilities[best]),
            "unknown_words": sorted(set(notes["unknown"])),
            "truncated": notes["truncated"],
            "hops": hops,
            "sentences": sentences,
            "attention": by_story_order.tolist(),
        }

    def _explained(self):
        """(story, question) -> (probabilities, attention), compiled once: every story is
        padded to the model's N x J, so `answer` runs one graph traced a single time."""
        from deeptoolkit.models.memn2n import with_attention

        import tensorflow as tf

        def build():
            explained = with_attention(self.model)
            return tf.function(lambda story, question: explained({"story": story, "question": question}, training=False))

        return self._cached("explainer", build)

    def predict(self, data, batch_size=None):
        """Answers for a bAbI file (one per question line) or a list of (story, question) pairs."""
        self._require_fitted()
        if isinstance(data, (str, os.PathLike)):
            questions = babi.read_babi_file(data)
            stories, asked, _ = self.encoding.encode(questions, with_answers=False)
            probabilities = predict_batches(self.model, {"story": stories, "question": asked}, batch_size or 256)
            return [self.encoding.answers[i] for i in probabilities.argmax(axis=1)]
        if not isinstance(data, (list, tuple)) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in data):
            raise DeeptoolkitError(f"Expected a bAbI file or a list of (story, question) pairs. Received: data of type {type(data).__name__}")
        return [self.answer(story, question)["answer"] for story, question in data]

    # ----------------------------------------------------------------- evaluation
    def evaluate(self, data=None, batch_size=None, unseen_answers="error"):
        """Accuracy and error overall and per task (bAbI file); without data, the held-out split.

        For "where is X" questions (generated stories, bAbI qa1 and qa2) also `per_kind`: the
        accuracy of each kind of question (`story_world.KINDS`: where a person is, an object
        carried, an object dropped where its carrier stayed or whose carrier moved on, an object
        its dead carrier held), so a weak kind is not averaged away.

        A question whose answer never occurred in training is an error naming its file and
        line; unseen_answers="wrong" scores it as answered wrongly instead (bAbI's qa8 test
        file has such list answers) and counts them in the result. Every question is scored;
        a story longer than the memory is read as its last memory_size sentences, as in
        training, and such questions are counted (`stories_cut`).
        """
        self._require_fitted()
        check_choice("unseen_answers", unseen_answers, ("error", "wrong"))
        questions, which = self._evaluation_questions(data)
        encoding = self.encoding
        cut = sum(len(q.story) > encoding.memory_size for q in questions)
        if cut:
            log.warning("%d of %d questions have stories longer than the model's memory of %d sentences: each is read as its "
                        "last %d sentences", cut, len(questions), encoding.memory_size, encoding.memory_size)
        stories, asked, answers = encoding.encode(questions, unseen_answers=unseen_answers)
        probabilities = predict_batches(self.model, {"story": stories, "question": asked}, batch_size or 256)
        correct = probabilities.argmax(axis=1) == answers
        return answer_scores(questions, correct, which, unseen_answers=int((answers < 0).sum()), stories_cut=int(cut))

    def _evaluation_questions(self, data):
        if data is None and self._training_spec() == STORIES or data == STORIES:
            return generated(STORIES_TEST, STORIES + ":test"), "test"  # without generating the training stories
        if data is not None:
            return questions_to_score(data)
        train, test, _ = load_questions(self._training_spec())
        return (test, "test") if test is not None else ([train[i] for i in self._held_out_indices(train)], "validation")
