"""A generated English-French parallel corpus: the Translator's embedded default data.

A small grammar with the things that make translation more than word substitution: verb
conjugation by person, gender and number agreement of articles and adjectives, adjectives
that go before or after the noun, "ne ... pas" negation around the verb, adverbs that move,
and elision (je -> j', ne -> n', le/la -> l' before a vowel). Deterministic for a seed.
"""

import itertools
import random

SUBJECTS = [  # English, French, person index into the conjugations (0 je, 1 tu, 2 il/elle, 3 nous, 4 vous, 5 ils/elles)
    ("i", "je", 0), ("you", "tu", 1), ("he", "il", 2), ("she", "elle", 2),
    ("we", "nous", 3), ("they", "ils", 5), ("my friend", "mon ami", 2), ("the children", "les enfants", 5),
]
VERBS = [  # English base, English 3rd person, French forms by person
    ("see", "sees", ["vois", "vois", "voit", "voyons", "voyez", "voient"]),
    ("like", "likes", ["aime", "aimes", "aime", "aimons", "aimez", "aiment"]),
    ("want", "wants", ["veux", "veux", "veut", "voulons", "voulez", "veulent"]),
    ("have", "has", ["ai", "as", "a", "avons", "avez", "ont"]),
    ("buy", "buys", ["achète", "achètes", "achète", "achetons", "achetez", "achètent"]),
    ("find", "finds", ["trouve", "trouves", "trouve", "trouvons", "trouvez", "trouvent"]),
    ("paint", "paints", ["peins", "peins", "peint", "peignons", "peignez", "peignent"]),
]
NOUNS = [  # English singular, plural, French singular, plural, gender
    ("cat", "cats", "chat", "chats", "m"), ("dog", "dogs", "chien", "chiens", "m"),
    ("apple", "apples", "pomme", "pommes", "f"), ("car", "cars", "voiture", "voitures", "f"),
    ("book", "books", "livre", "livres", "m"), ("house", "houses", "maison", "maisons", "f"),
    ("bird", "birds", "oiseau", "oiseaux", "m"), ("flower", "flowers", "fleur", "fleurs", "f"),
    ("letter", "letters", "lettre", "lettres", "f"), ("tree", "trees", "arbre", "arbres", "m"),
    ("chair", "chairs", "chaise", "chaises", "f"), ("boat", "boats", "bateau", "bateaux", "m"),
]
ADJECTIVES = [  # English, French m sg, f sg, m pl, f pl, before the noun?
    ("red", "rouge", "rouge", "rouges", "rouges", False), ("green", "vert", "verte", "verts", "vertes", False),
    ("black", "noir", "noire", "noirs", "noires", False), ("small", "petit", "petite", "petits", "petites", True),
    ("big", "grand", "grande", "grands", "grandes", True), ("pretty", "joli", "jolie", "jolis", "jolies", True),
    ("old", "vieux", "vieille", "vieux", "vieilles", True),
]
ADVERBS = [(None, None), ("often", "souvent"), ("never", None), ("today", "aujourd'hui")]
VOWELS = tuple("aeiouhéèâ")


def _elide(words):
    """French elision: je/ne/le/la + vowel -> j'/n'/l'."""
    out = []
    for word in words:
        if out and out[-1] in ("je", "ne", "le", "la") and word.startswith(VOWELS):
            out[-1] = out[-1][0] + "'"
            out[-1] = out[-1] + word
            continue
        out.append(word)
    return out


def _noun_phrase(noun, adjective, plural):
    english_noun = noun[1] if plural else noun[0]
    gender = noun[4]
    english = ["the"] + ([adjective[0]] if adjective else []) + [english_noun]
    article = "les" if plural else ("le" if gender == "m" else "la")
    french_noun = noun[3] if plural else noun[2]
    french = [article]
    if adjective:
        form = adjective[1 + (2 if plural else 0) + (1 if gender == "f" else 0)]
        if adjective[5]:
            if form == "vieux" and not plural and french_noun.startswith(VOWELS):
                form = "vieil"  # le vieil arbre
            french += [form, french_noun]
        else:
            french += [french_noun, form]
    else:
        french.append(french_noun)
    return english, french


def sentence_pair(subject, verb, noun, adjective, plural, adverb):
    english_subject, french_subject, person = subject
    third = person == 2
    english_adverb = adverb[0]
    english_object, french_object = _noun_phrase(noun, adjective, plural)
    french_verb = verb[2][person]
    if english_adverb == "never":
        english = [english_subject, "never", verb[1] if third else verb[0]]
        french = french_subject.split() + ["ne", french_verb, "jamais"]
    elif english_adverb == "often":
        english = [english_subject, "often", verb[1] if third else verb[0]]
        french = french_subject.split() + [french_verb, "souvent"]
    else:
        english = [english_subject, verb[1] if third else verb[0]]
        french = french_subject.split() + [french_verb]
    english = " ".join(english + english_object + (["today"] if english_adverb == "today" else [])) + " ."
    french_words = french + french_object + (["aujourd'hui"] if english_adverb == "today" else [])
    french = " ".join(_elide(french_words)) + " ."
    return english, french


def all_pairs():
    choices = itertools.product(SUBJECTS, VERBS, NOUNS, [None, *ADJECTIVES], (False, True), ADVERBS)
    return [sentence_pair(*choice) for choice in choices]


def generate_pairs(count=20_000, seed=0):
    """`count` distinct (English, French) pairs drawn at random from the grammar, for a seed."""
    pairs = all_pairs()
    return random.Random(seed).sample(pairs, min(count, len(pairs)))
