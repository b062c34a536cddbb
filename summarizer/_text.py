"""Text normalisation shared by the checks, chunking and the evaluation scorer: names folded to
tokens, and the content words of an action or a topic.

The runtime owns this module; :mod:`summarizer._scoring` imports it, so the scorer and the checks
compare names and words the same way.
"""

from __future__ import annotations

import re
import unicodedata

TITLE_TOKENS = frozenset(
    """mr mrs ms miss mx dr prof professor sir dame lord lady hon honourable honorable rt rev
    reverend president vice prime minister secretary general chancellor premier king queen
    prince princess emir sheikh sheik ayatollah pope cardinal bishop imam rabbi senator sen rep
    representative congressman congresswoman governor gov mayor chair chairman chairwoman
    chairperson acting deputy am mp mla msp judge ambassador commissioner lt col maj capt sgt
    adm gen admiral colonel major captain sergeant lieutenant""".split()
)
SUFFIX_TOKENS = frozenset("jr sr ii iii iv".split())
NO_SURNAME_TOKENS = frozenset("of and the for in on at to de del du da".split())

CONTENT_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can cannot could did do does doing done down during each
    either else even ever every few for from further had has have having he her here hers herself
    him himself his how however i if in into is it its itself just least less let like may me
    might more most much must my myself neither no nor not now of off often on once only onto or
    other others otherwise our ours ourselves out over own per perhaps rather same shall she should
    since so some such than that the their theirs them themselves then there therefore these they
    this those though through thus to too toward towards under until up upon us very via was we
    were what whatever when whenever where whereas wherever whether which while who whoever whom
    whose why will with within without would yet you your yours yourself yourselves
    dont doesnt didnt wont cant isnt arent wasnt werent couldnt wouldnt shouldnt
    agree agreed agrees agreeing promise promised promises promising pledge pledged pledges pledging
    vow vowed vows vowing commit commits committed committing undertake undertakes undertook
    undertaken undertaking offer offered offers offering say says said saying announce announced
    announces announcing declare declared declares willing ready prepared intend intends intended
    intending intention express expressed expresses quoted told tell tells added going want wants
    wanted hope hopes hoped expect expects expected
    today tonight yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday
    week weeks weekend month months year years day days
    discussion discussions discuss discussed discussing debate debates debated talk talks regarding
    concerning related issue issues matter matters item items topic topics meeting meetings update
    updates overview introduction general various current potential possible thing things way ways""".split()
)
"""Words that carry no content in an action or a topic: function words, generic commitment and
reporting verbs (so that "agreed to X" does not match "agreed to Y"), time words and generic
agenda words.

The same list as the evaluation set's (its README, "Content words"), eval-specific words such as
"agree" and "pledge" included: the checks' re-asks and the recorded cassettes depend on it, so it
stays as it is until the runtime is given a list of its own.
"""


def fold(text: str) -> str:
    """Lowercase, with accents dropped (NFKD): "Mélanie" and "melanie" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_tokens(name: str) -> list[str]:
    """Normalise a name to tokens: fold accents and case, drop possessives, punctuation, titles."""
    text = fold(name)
    text = re.sub(r"['’]s\b", "", text)
    text = re.sub(r"[.'’`]", "", text)
    text = re.sub(r"[^a-z0-9]", " ", text)
    tokens = [t for t in text.split() if t != "the"]
    untitled = [t for t in tokens if t not in TITLE_TOKENS]
    return untitled or tokens


def surname(tokens: list[str]) -> str | None:
    """The last token after dropping suffixes; none if it is a function word."""
    trimmed = list(tokens)
    while trimmed and trimmed[-1] in SUFFIX_TOKENS and len(trimmed) > 1:
        trimmed.pop()
    if not trimmed or trimmed[-1] in NO_SURNAME_TOKENS:
        return None
    return trimmed[-1]


def stem(word: str) -> str:
    """A crude stem, by the first suffix rule that applies: "treaties" and "treaty" share one."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """Stems of the words that carry content, for actions and agenda topics."""
    folded = re.sub(r"['’]", "", fold(text))
    words = re.findall(r"[a-z0-9]+", folded)
    return {stem(w) for w in words if len(w) > 1 and w not in CONTENT_STOPWORDS}
