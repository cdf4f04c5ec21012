"""Do paraphrases land near each other in a Translator's sentence encodings? (issue 28)

    python benchmarks/translator.py bleu --data ../shared/data/fra-eng/fra.txt --epochs 4 --save fra.dtk
    python benchmarks/phrase_map.py --model fra.dtk [--out DIR]

Encodes groups of English paraphrases (each meaning written two to four ways), reports how often
a sentence's nearest other sentence (cosine) is one of its paraphrases (chance: about 1 in 9),
prints the three nearest of a few probes, and draws DIR/phrases.png.
"""

import argparse
import json
import os

import deeptoolkit

GROUPS = [
    ["I'm cold.", "I am cold.", "I feel cold."],
    ["I'm hungry.", "I am hungry.", "I want to eat."],
    ["I don't know.", "I do not know.", "I have no idea."],
    ["It's raining.", "It is raining.", "Rain is falling."],
    ["Thank you.", "Thanks.", "Thank you very much."],
    ["How old are you?", "What is your age?", "What's your age?"],
    ["Tom is my friend.", "Tom is a friend of mine.", "Tom and I are friends."],
    ["I'm tired.", "I am tired.", "I feel tired."],
    ["Where is the station?", "Where's the station?", "Which way is the station?"],
    ["I like cats.", "I love cats.", "Cats are my favorite animals."],
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    translator = deeptoolkit.load(args.model)
    sentences = [s for group in GROUPS for s in group]
    group_of = {s: g for g, group in enumerate(GROUPS) for s in group}
    hits, probes = 0, {}
    for sentence in sentences:
        ranked = translator.nearest_sentences(sentence, sentences, k=3)
        hits += group_of[ranked[0][0]] == group_of[sentence]
        if sentence in ("I'm cold.", "I don't know.", "How old are you?", "Tom is my friend.", "Thank you."):
            probes[sentence] = [[s, round(v, 3)] for s, v in ranked]
    for sentence, ranked in probes.items():
        print(f"{sentence:>20} -> " + "; ".join(f"{s} ({v:.2f})" for s, v in ranked))
    figure = translator.draw_sentence_map(sentences, os.path.join(args.out, "phrases.png"))
    print(json.dumps({"sentences": len(sentences), "groups": len(GROUPS), "nearest_is_a_paraphrase": round(hits / len(sentences), 3),
                      "chance": round(sum(len(g) - 1 for g in GROUPS for _ in g) / (len(sentences) * (len(sentences) - 1)), 3),
                      "figure": figure, "probes": probes}))


if __name__ == "__main__":
    main()
