"""Plausible names for the synthetic world's horses, jockeys and trainers, derived from their
ids alone: no random stream is drawn, so every generated value and checksum stays as it was,
and the same id always gets the same name.

Each id picks a name by (id * an odd multiplier) mod a power of two, a bijection on any run of
that many consecutive ids: the world's ids are such runs, so names repeat only beyond them."""

from __future__ import annotations

SYLLABLES = ("ka", "lo", "mi", "ra", "sen", "to", "vi", "zel", "dor", "an", "bel", "cor",
             "fin", "gal", "hal", "jun")
NOUNS = ("Arrow", "Dancer", "Legend", "Spirit", "Harbour", "Echo", "Comet", "Falcon", "Rose",
         "Warrior", "Melody", "Crown", "River", "Lion", "Breeze", "Flame", "Bay", "Storm",
         "Star", "Knight", "Quest", "Glory", "Charm", "Dream", "Thunder", "Venture", "Song",
         "Empire", "Magic", "Rocket", "Secret", "Wonder")
FIRST = ("James", "Oisin", "Hollie", "Tom", "Ryan", "Saffie", "William", "Jamie", "Rossa",
         "Luke", "David", "Hayley", "Adam", "Callum", "Kieran", "Rachael", "Sean", "Ben",
         "Daniel", "Harry", "Megan", "Jack", "Paul", "Cieren", "Rob", "Nicola", "Marco",
         "Shane", "Joanna", "Danny", "Franny", "Georgia")
LAST = ("Doyle", "Murphy", "Buick", "Marquand", "Moore", "Osborne", "Crowley", "Spencer",
        "Keniry", "Kingscote", "Probert", "Turner", "Hanagan", "Shepherd", "Fallon", "Mullins",
        "Levey", "Curtis", "Tudhope", "Bentley", "Nicholls", "Garritty", "Hart", "Dobbs",
        "Havlin", "Currie", "Walsh", "Townend", "Mercer", "Loughnane", "Quinn", "Cosgrave")
MULTIPLIER = 40503  # odd, so multiplication is a bijection modulo a power of two


def horse_name(horse_id: int) -> str:
    """Three syllables and a noun: 16**3 * 32 = 131072 distinct names."""
    k = (horse_id * MULTIPLIER) % (len(SYLLABLES) ** 3 * len(NOUNS))
    k, noun = divmod(k, len(NOUNS))
    a, rest = divmod(k, len(SYLLABLES) ** 2)
    b, c = divmod(rest, len(SYLLABLES))
    word = SYLLABLES[a] + SYLLABLES[b] + SYLLABLES[c]
    return f"{word.capitalize()} {NOUNS[noun]}"


def person_name(person_id: int, trainer: bool = False) -> str:
    """First name and surname: 32 * 32 = 1024 distinct names. Jockey and trainer ids share a
    range, so trainers start half-way round the table (a jockey and a trainer of the same id
    get different names)."""
    n = len(FIRST) * len(LAST)
    k = (person_id * MULTIPLIER + (n // 2 if trainer else 0)) % n
    first, last = divmod(k, len(LAST))
    return f"{FIRST[first]} {LAST[last]}"
