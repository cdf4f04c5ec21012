"""A deterministic generator of bAbI-style stories: MemNN's embedded default data set.

People move between places, pick up and leave objects, and some sentences are noise; the
questions ask where a person or an object is. Every answer follows from the story's text
alone (a question is only asked once the story has said enough), so the data is correct by
construction. Names, places and objects are drawn from lists large enough that a model
must learn the structure of the story, not facts about particular names.

The output is bAbI text, read back by the same parser as the real files, so the embedded
data exercises the real format.
"""

import random

PEOPLE = (
    "mary john sandra daniel bilbo frodo gollum sauron sam merry pippin gandalf aragorn legolas gimli "
    "boromir arwen galadriel elrond faramir eowyn theoden treebeard radagast bill fred julie emily jeff "
    "yann lucy oliver nina omar priya kenji ada"
).split()
# Places with "the" read "went to the cave"; the others read "journeyed to mount-doom".
PLACES = (
    "the cave|the shire|mount-doom|the grey-havens|rivendell|mordor|the kitchen|the garden|the office|"
    "the hallway|the bathroom|the bedroom|the park|the cellar|the bridge|the forest|the tower|the river|"
    "the library|the market|isengard|moria|bree|the harbour|the stable|the mill"
).split("|")
OBJECTS = (
    "ring football apple milk sword shield lamp rope map key book letter cup hat cloak staff bread coin "
    "box bottle pipe horn"
).split()
MOVES = ("went to", "travelled to", "journeyed to", "went back to", "moved to")
GETS = ("got", "took", "picked up", "grabbed")
DROPS = ("dropped", "left", "put down", "discarded")

TASK_NAME = "stories"

# The review's example (its figure of a memory network answering questions that need inference),
# and what it should answer.
REVIEW_STORY = """bilbo travelled to the cave .
gollum dropped the ring there .
bilbo took the ring .
bilbo went back to the shire .
bilbo left the ring there .
frodo got the ring .
frodo journeyed to mount-doom .
frodo dropped the ring there .
sauron died .
frodo went back to the shire .
bilbo travelled to the grey-havens .
the end ."""
REVIEW_QUESTIONS = {"where is the ring ?": "mount-doom", "where is bilbo now ?": "grey-havens", "where is frodo now ?": "shire"}


def place_word(place):
    """The answer for a place phrase: `the grey-havens` -> `grey-havens`."""
    return place.split()[-1]


class _World:
    """What the story has said so far: where each person and object is, and who holds what."""

    def __init__(self):
        self.person_at = {}  # person -> (place word, line id that said so)
        self.holder = {}  # object -> (person, line id of the pick-up)
        self.object_at = {}  # object -> (place word, [line ids]) while not held

    def where_person(self, person):
        return self.person_at.get(person, (None, None))

    def where_object(self, thing):
        if thing in self.holder:
            person, got_line = self.holder[thing]
            place, moved_line = self.where_person(person)
            return place, sorted({got_line, moved_line} - {None})
        return self.object_at.get(thing, (None, []))


def generate_babi_lines(num_questions, seed=0, max_story=16):
    """bAbI-format lines holding `num_questions` questions; the same seed gives the same lines."""
    rng = random.Random(seed)
    lines = []
    asked = 0
    while asked < num_questions:
        story_lines, count = _story(rng, max_story, num_questions - asked)
        lines.extend(story_lines)
        asked += count
    return lines


def _story(rng, max_story, budget):
    people = rng.sample(PEOPLE, rng.randint(2, 4))
    things = rng.sample(OBJECTS, rng.randint(1, 3))
    places = rng.sample(PLACES, rng.randint(3, 6))
    world, lines, sentences, alive = _World(), [], [], list(people)
    questions = 0
    length = rng.randint(2, max_story)
    walker = None  # who just dropped something

    def say(text):
        lines.append(f"{len(lines) + 1} {text}")
        return len(lines)

    def tell(text):
        sentences.append(text.rstrip(" .").split())
        return say(text)

    for step in range(length):
        event = rng.random()
        # Half the time the one who dropped something walks off next: the review's ring asks
        # exactly this (where it was dropped, not where its carrier went), and chance alone
        # tells that story too rarely to learn it.
        if walker in alive and rng.random() < 0.5:
            event, person = 0.0, walker
        else:
            person = rng.choice(alive)
        walker = None
        if event < 0.5 or len(alive) == 1 and event < 0.9:
            place = rng.choice(places)
            line = tell(f"{person} {rng.choice(MOVES)} {place} .")
            world.person_at[person] = (place_word(place), line)
        elif event < 0.7:
            # Only what lies where the person is (or somewhere unsaid) can be picked up; the
            # one who picks up is drawn among those who can.
            reach = {p: _within_reach(world, p, things) for p in alive}
            able = [p for p in alive if reach[p]]
            if able:
                person = rng.choice(able)
                thing = rng.choice(reach[person])
                there = " there" if rng.random() < 0.5 else ""
                line = tell(f"{person} {rng.choice(GETS)} the {thing}{there} .")
                world.holder[thing] = (person, line)
                world.object_at.pop(thing, None)
        elif event < 0.88:
            # Usually a holder drops what it carries; sometimes a free object is left where
            # someone is, which places it without a pick-up (as in "gollum dropped the ring").
            holders = [p for p in alive if any(h == p for h, _ in world.holder.values())]
            free = [t for t in things if t not in world.holder and t not in world.object_at]
            if holders:
                person = rng.choice(holders)
                pool = [t for t, (h, _) in world.holder.items() if h == person]
            else:
                pool = free if rng.random() < 0.3 else []
            if pool:
                thing = rng.choice(pool)
                line = tell(f"{person} {rng.choice(DROPS)} the {thing} there .")
                world.holder.pop(thing, None)
                place, moved = world.where_person(person)
                if place is None:
                    world.object_at.pop(thing, None)
                else:
                    world.object_at[thing] = (place, sorted({line, moved}))
                walker = person
        elif len(alive) > 1 and step > 0:
            # Noise: the dead act no more; what they carry stays where they were.
            tell(f"{person} died .")
            alive.remove(person)
        last = step == length - 1
        if last and rng.random() < 0.2:
            tell("the end .")
        # Ask more often while some object's place is known: those questions need inference.
        known = any(world.where_object(t)[0] is not None for t in things)
        if (rng.random() < (0.7 if known else 0.2) or last) and questions < budget:
            for _ in range(rng.randint(1, 3) if last else 1):
                question = _question(rng, world, alive, things, sentences)
                if question and questions < budget:
                    text, answer, support = question
                    say(f"{text}\t{answer}\t{' '.join(map(str, support))}")
                    questions += 1
    return lines, questions


def _within_reach(world, person, things):
    """The objects `person` can pick up: free, and where the person is or somewhere unsaid."""
    here = world.where_person(person)[0]
    return [t for t in things if t not in world.holder and world.object_at.get(t, (None,))[0] in (None, here)]


def _question(rng, world, people, things, sentences):
    """(text, answer, supporting line ids) for an answerable question, or None.

    Object questions need two or three supporting facts, so one is asked three times in four
    whenever one is answerable, its kind (`question_kind`: carried, dropped, moved on since,
    left by the dead) drawn evenly among the kinds answerable: rare kinds are asked as often
    as common ones.
    """
    about_people, about_things = [], {}
    for person in people:
        place, line = world.where_person(person)
        if place is not None:
            now = " now" if rng.random() < 0.5 else ""
            about_people.append((f"where is {person}{now} ?", place, [line]))
    for thing in things:
        place, support = world.where_object(thing)
        if place is not None:
            kind = question_kind(sentences, ["where", "is", "the", thing])
            about_things.setdefault(kind, []).append((f"where is the {thing} ?", place, support))
    if about_things and (not about_people or rng.random() < 0.75):
        return rng.choice(about_things[rng.choice(sorted(about_things))])
    return rng.choice(about_people) if about_people else None


KINDS = ("person", "object carried", "object dropped, carrier stayed", "object dropped, carrier moved on",
         "object left by the dead")


def question_kind(story, question):
    """Which kind of inference a "where is X" question asks (one of KINDS), from token lists;
    None for other questions. Works for these stories and bAbI's qa1 and qa2 alike.

    The story is replayed sentence by sentence: who holds the object, and whether the one who
    dropped it has moved on, or its holder died, since.
    """
    if question[:2] != ["where", "is"] or len(question) < 3:
        return None
    if question[2] != "the":
        return "person"
    thing = question[3] if len(question) > 3 else None
    holder, dropper, moved_since, dead = None, None, False, set()
    for sentence in story:
        words = " ".join(sentence)
        person = sentence[0]
        if words.endswith(" died"):
            dead.add(person)
        elif sentence[-1] == thing or sentence[-2:] == [thing, "there"]:
            if any(words.startswith(f"{person} {verb} the ") for verb in DROPS):
                holder, dropper, moved_since = None, person, False
            else:
                holder, dropper = person, None
        elif person == dropper and any(words.startswith(f"{person} {verb} ") for verb in MOVES):
            moved_since = True
    if holder is not None:
        return "object left by the dead" if holder in dead else "object carried"
    return "object dropped, carrier moved on" if moved_since else "object dropped, carrier stayed"
