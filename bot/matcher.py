"""Parents' questions: which topic a typed question is about (the answers are in bot.answers).

Matching is deliberately simple and explainable. Per-language word lists in
`locales/<lang>/keywords.toml` (editable without code) are compared with the question's words
after normalising case, accents, Arabic-script variants, chat digits in romanised Arabic and
Persian, and small typos (rapidfuzz); a Snowball stemmer joins inflected forms where one exists
for the language. A phrase's words count as the phrase only near each other (in a long message,
words far apart are two thoughts: one weak hint). A topic is chosen only when it clearly wins;
otherwise the question goes to a person ("confident or escalate"). Beside the topics' words a
file lists:

- `[smalltalk]`: greetings and thanks. A message made only of these (or only of emoji) is small
  talk: a friendly reply, no case, nobody notified.
- `[elsewhere]` and `[medical]`: another place (a pharmacy, the town hall, the dentist) or a
  health matter named. Then only a topic's `names` count, the words that name the library's own
  thing (the library, BoekStart, the Taalpunt), so "when does the pharmacy open" is not
  answered with the library's hours.
- `[question]`: question words (when, where, how, which). With one of them, or a question mark
  at the end, greetings and thanks are no longer only small talk ("merhaba, nerede?"); `not`:
  plain "not" words, with which two topics named are one set against the other, not two
  questions (two topics named in a short message otherwise go to a person).
- `[negation]`: words that turn the next few words down ("not the computer course, the Dutch
  lessons", "I don't want an app"): those words do not count; a `stop` word ("but", "only")
  ends their reach.

The language the parent chose is tried first; a message typed in another language (detected
by script, and by py3langid among Latin-script languages) is then matched in that language; at
last every language without typo tolerance, for people who mix in words of other languages.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from pathlib import Path

import snowballstemmer
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.examples import examples_for
from bot.i18n import LANGUAGES, LOCALES_DIR

TOPICS: tuple[str, ...] = ("library", "boekstart", "dutch", "digital", "activities", "contact",
                           "meet")
SMALLTALK = "smalltalk"
# "despair" (not wanting to live) and "distress" (violence, not safe at home) first: their
# answers name where to get help now
GUARDS: tuple[str, ...] = ("despair", "distress", "elsewhere", "medical")
HEALTH_GUARDS = frozenset({"medical", "distress", "despair"})
QUESTION_WORDS = "question"
QUESTION_MARKS = "?؟፧"
STRONG, WEAK = 2.0, 1.0
MIN_SCORE = 2.0  # one strong word, or two weak ones
MIN_MARGIN = 1.0  # the winner must beat the runner-up by this much
HINTS_MARGIN = 2.0  # ... or by this much when no strong word or name points to it, in
# the languages whose lists answered wrongly more often on questions nobody tuned them on
CAREFUL_LANGUAGES = frozenset({"ar", "fa", "pl", "ti", "tr", "uk"})
LIBRARY_LEAD = 1.0  # a specific topic asked about wins unless the library leads by more
# Word lengths: an Arabic article or conjunction comes off only if this much is left; a keyword
# counts at the start of a longer word (inflection, compound) from this length and anywhere
# inside one from the second ("tent" is not in "tentoonstelling"), except in Arabic and
# Ethiopic script, where short words take prefixes (بالمكتبة, ክዛረብ); typos allowed from these.
MIN_STEM = 3
MIN_PREFIX = 4
MIN_INSIDE = 6
MIN_INSIDE_PREFIXED_SCRIPTS = 4
ONE_TYPO_FROM, TWO_TYPOS_FROM = 5, 9
MOST_TYPOS = 2
PHRASE_GAP = 4  # a phrase's words may have this many other words between them
NEGATION_REACH = 3  # a negation word turns down this many words after it (or before it)
MIN_CUE_STEM = 5  # a negation cue's word this long also matches its longer forms
DETECT_CONFIDENCE = 0.9
# Small talk with no topic word anywhere may hold one other word ("thanks Bertine"), one per
# three words in a longer message ("thank you so much dear Bertine, God bless your family"),
# in at most SMALLTALK_LENIENT_MOST words; with an other word, or more than
# SMALLTALK_MOST_WORDS words, it is unsure: the reply offers to pass the message on. (On the
# earlier fresh rounds with their lists from before tuning: one per three words, 20 more
# right and no more wrong; one per two words made "hello, I lost my job" small talk.)
SMALLTALK_MOST_WORDS, SMALLTALK_OTHER_WORDS, SMALLTALK_WORDS_PER_OTHER = 5, 1, 3
SMALLTALK_LENIENT_MOST = 30
# ... and that greeting or thanks has at least this many letters; an Ethiopic letter is a
# syllable, so three make a word as long as a Latin one of six ("ሰናይ", "ርሑስ", "ሕራይ")
SMALLTALK_OWN_LETTERS = {"ETHIOPIC": 3}
# a time or a year beside "ok" or a wish ("ok, tomorrow at 10", "happy new year 2027") is
# no other word; a longer number (a phone number) is
SMALLTALK_NUMBER_DIGITS = 4
# One weak topic word is no topic hint for small talk ("thanks, you helped us a lot", "rain
# again today, awful"): on the earlier fresh rounds with their lists from before tuning, 42
# more small talk recognised and nothing more wrong
SMALLTALK_HINT_FLOOR = WEAK
# Two topics asked at once, in a message of at most this many words: in a longer one the other
# topic is most often the story around the question ("I speak little Dutch, ... reading aloud").
TWO_TOPICS_MOST_WORDS = 12
# ... among the topics that are a thing asked about: the library is where everything happens,
# and "call me" is how a parent wants any answer ("call me about the Dutch course").
# A meeting verb ("where do I find her") is an everyday word: meeting the consultant neither.
NOT_ASKED_APART = frozenset({"library", "contact", "meet"})

STEMMERS = {"nl": "dutch", "en": "english", "ar": "arabic", "tr": "turkish", "pl": "polish",
            "fa": "persian"}

# Arabic-script letters written in more than one way, and Latin letters NFKD cannot split.
_FOLD = str.maketrans({
    "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ک": "ك", "ڪ": "ك", "ة": "ه", "ۀ": "ه", "ە": "ه",
    "ـ": None, "\u200c": " ", "\u200d": None, "\u200f": None, "\u200e": None,
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "œ": "oe", "æ": "ae",
    # apostrophes join a word rather than split it: комп'ютер, baby's, DigiD'm
    "'": None, "’": None, "ʼ": None, "`": None, "´": None,
    "ґ": "г", "ё": "е",
    # Ukrainian typed on a Russian keyboard: yery for i, e for ie, the hard sign for an apostrophe
    "ы": "и", "э": "е", "ъ": None,
    # Arabic-Indic and Persian digits are the digits: "٣ سنين" is "3 سنين"
    **{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)},
})
# Ethiopic letters of one sound that Tigrinya typists use for each other (the three h, the two
# s, the two ts, glottal and pharyngeal a, q and qh, k and kh; the two forms of a): each family
# of seven vowel forms onto one, so ሕፃን, ህጻን and ሕጻን are one word.
_ETHIOPIC_ONE_SOUND = {0x1200: 0x1210, 0x1280: 0x1210, 0x1220: 0x1230, 0x1340: 0x1338,
                       0x12D0: 0x12A0, 0x1250: 0x1240, 0x12B8: 0x12A8}
_FOLD.update({source + order: chr(target + order)
              for source, target in _ETHIOPIC_ONE_SOUND.items() for order in range(7)})
_FOLD[0x12A0] = _FOLD[0x12D0] = "\u12a3"  # both first forms of a: the Tigrinya a, in one step
# ... and the labialised ዅ typed for ኹ (ንዅሉ), and ዉ for ው (ደዉሉለይ)
_FOLD.update({0x12C5: "\u12a9", 0x12C9: "\u12cd"})
_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "عال", "لل", "ال")  # عال: "on the", Levantine
# Amharic "for", "by, with" and "of" (ለልጆች, በነፃ, የመጽሐፍ), which Tigrinya writers mix in.
AMHARIC_PREFIXES = frozenset("ለበየ")
_TIGRINYA_PREFIXES = frozenset("ብን") | AMHARIC_PREFIXES
# Chat alphabet for Arabic and Persian in Latin letters: 3 = ع, 7 = ح, 2 = ء, 5 = خ, 9 = ق.
# Only inside a word with letters, so "3 maanden" keeps its number.
_CHAT_DIGITS = {"2": "", "3": "a", "5": "kh", "6": "t", "7": "h", "8": "gh", "9": "q"}
_CHAT_WORD = re.compile(r"(?=\w*[a-z])(?=\w*[235-9])[a-z0-9]+")


# A letter typed three times or more is one letter stretched: "thaaanks", "okkk", "дякуюююю"
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")


def normalise(text: str) -> str:
    """Lower case, no accents or diacritics, one spelling per Arabic-script letter, chat
    digits inside Latin words spelled out, stretched letters once."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = _STRETCHED.sub(r"\1", unicodedata.normalize("NFC", text).translate(_FOLD))
    words = _join_persian_affixes(_WORD.findall(text.replace("_", " ")))
    return " ".join(_spell_chat_digits(_cyrillic_lookalikes(word)) for word in words)


# Latin letters that look like Cyrillic ones, typed inside a Cyrillic word (a Latin i in a
# Ukrainian word, from a keyboard switched halfway or a phone's autocorrect)
_LATIN_AS_CYRILLIC = str.maketrans("aeiopcxy", "\u0430\u0435\u0456\u043e\u0440\u0441\u0445\u0443")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")


def _cyrillic_lookalikes(word: str) -> str:
    """A mostly Cyrillic word's Latin lookalikes in Cyrillic (DigiD with a Cyrillic ending
    stays Latin)."""
    latin = len(_LATIN.findall(word))
    if latin and len(_CYRILLIC.findall(word)) > latin:
        return word.translate(_LATIN_AS_CYRILLIC)
    return word


# Persian verb prefixes and plural endings are typed joined, apart or with a zero-width
# non-joiner (which becomes a space): "mi kham" is "mikham"; "bache ha" (children) is "bache".
_PERSIAN_BEFORE = frozenset({"مي", "نمي"})
_PERSIAN_AFTER = frozenset({"ها", "هاي", "هايي", "هام", "هات", "هاش", "هامون", "هاتون", "هاشون",
                            "هارو", "هاشو"})


def _join_persian_affixes(words: list[str]) -> list[str]:
    joined: list[str] = []
    pending = ""
    for typed in words:
        word, pending = pending + typed, ""
        if word in _PERSIAN_BEFORE:
            pending = word
            continue
        if word in _PERSIAN_AFTER and joined and _script(joined[-1]) == "ARABIC":
            continue  # the plural apart: the word alone
        joined.append(word)
    if pending:
        joined.append(pending)
    return joined


_LANGUAGE_LEVEL = re.compile(r"[abc][12]")  # A2, B1: the levels of a Dutch course, not chat


def _spell_chat_digits(word: str) -> str:
    if not _CHAT_WORD.fullmatch(word) or _LANGUAGE_LEVEL.fullmatch(word):
        return word
    spelled = "".join(_CHAT_DIGITS.get(ch, ch) for ch in word)
    return re.sub(r"(.)\1+", r"\1", spelled)  # "3a" and "aa" are one sound


def _variants(token: str) -> tuple[str, ...]:
    """A word and the word without an Arabic article or conjunction in front, or without the
    Tigrinya "by, with" or "for, to" in front (ብዲጂድ, ንቆልዑ)."""
    for prefix in _ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= MIN_STEM:
            return token, token[len(prefix):]
    if token[:1] in _TIGRINYA_PREFIXES and len(token) - 1 >= MIN_STEM:
        return token, token[1:]
    return (token,)


@cache
def _typos_allowed(keyword: str) -> int:
    # Arabic script writes no short vowels: five letters are a short word, and many such
    # words are one letter apart (كلموني, علموني), so a typo is forgiven from six.
    one = ONE_TYPO_FROM + 1 if _script(keyword) == "ARABIC" else ONE_TYPO_FROM
    if len(keyword) >= TWO_TYPOS_FROM:
        return 2
    if len(keyword) >= one:
        return 1
    return 0


def _script(word: str) -> str:
    return unicodedata.name(word[0], "").split(" ")[0] if word else ""


@cache
def _min_inside(keyword: str) -> int:
    return (MIN_INSIDE_PREFIXED_SCRIPTS if _script(keyword) in ("ARABIC", "ETHIOPIC")
            else MIN_INSIDE)


@lru_cache(maxsize=1 << 16)  # parents use the same words again and again
def word_matches(keyword: str, token: str, typos: bool = True, whole: bool = False) -> bool:
    """Same word, the keyword starting (or, when long, inside) a longer word (inflection,
    compound), or a small typo. A `whole` keyword matches only the word itself (an Arabic
    article may come off), without typos: for short words that are one letter from others."""
    for form in _variants(token):
        if form == keyword:
            return True
        if whole:
            continue
        if len(form) > len(keyword):
            if len(keyword) >= _min_inside(keyword) and keyword in form:
                return True
            if len(keyword) >= MIN_PREFIX and form.startswith(keyword):
                return True
        allowed = _typos_allowed(keyword) if typos else 0
        if allowed:
            if OSA.distance(form, keyword, score_cutoff=allowed) <= allowed:
                return True
            # an inflected word with a typo: compare the word's start
            if len(form) > len(keyword) and OSA.distance(
                    form[:len(keyword)], keyword, score_cutoff=allowed) <= allowed:
                return True
    return False


@dataclass(frozen=True)
class Keyword:
    words: tuple[str, ...]  # a phrase matches when each of its words does
    weight: float
    naming: bool = False  # names the thing itself: counts even when another place is named
    whole: bool = False  # written "=word": exactly the word, not inside a longer one, no typos
    stems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A question's words as one language's lists see them: for every keyword word, the
    positions of the question's words it matches (`word_matches`, found through an index
    instead of comparing every pair)."""
    tokens: tuple[str, ...]
    typos: bool
    matched: dict[str, frozenset[int]]  # keyword word -> positions (start, inside, typo, stem)
    exact: dict[str, frozenset[int]]  # keyword word -> positions of the very same word

    def positions(self, keyword: Keyword, word_index: int) -> frozenset[int]:
        table = self.exact if keyword.whole else self.matched
        return table.get(keyword.words[word_index], frozenset())

    def found(self, keyword: Keyword, turned: frozenset[int] = frozenset()) -> set[int] | None:
        """The positions of the keyword's words, or None when one of them is missing (a
        turned-down word does not count)."""
        placed = self.placed(keyword, turned)
        return placed[0] if placed is not None else None

    def placed(self, keyword: Keyword, turned: frozenset[int] = frozenset()
               ) -> tuple[set[int], bool] | None:
        """The positions of the keyword's words, and whether they stand near each other (in
        any order, at most PHRASE_GAP other words between them); None when one is missing."""
        where: list[frozenset[int]] = []
        for index in range(len(keyword.words)):
            found = self.positions(keyword, index) - turned
            if not found:
                return None
            where.append(found)
        hits = set().union(*where)
        if len(where) == 1:
            return hits, True
        span = len(where) + PHRASE_GAP
        near = any(all(any(start <= p < start + span for p in found) for found in where)
                   for start in hits)
        return hits, near

    def in_order(self, keyword: Keyword) -> set[int]:
        """The positions of the keyword's words in their own order, at most one other word
        between two of them ("I don't want to live": not "I don't want the course, I want to
        live normally")."""
        where = [self.positions(keyword, index) for index in range(len(keyword.words))]
        for start in sorted(where[0]):
            chosen = [start]
            for found in where[1:]:
                after = [p for p in found if chosen[-1] < p <= chosen[-1] + 2]
                if not after:
                    break
                chosen.append(min(after))
            else:
                return set(chosen)
        return set()

    def near(self, keyword: Keyword) -> set[int]:
        """The positions of the keyword's words where they stand near each other: a phrase
        covers its own words, not the same word elsewhere in the message ("sorry I asked so
        much, ..., one more question": the second "question" asks)."""
        where = [self.positions(keyword, index) for index in range(len(keyword.words))]
        if not all(where):
            return set()
        if len(where) == 1:
            return set(where[0])
        span = len(where) + PHRASE_GAP
        covered: set[int] = set()
        rarest = min(range(len(where)), key=lambda index: len(where[index]))
        for anchor in where[rarest]:
            # each word's place nearest to the rarest one's, on its side of it in the phrase
            # when that is near enough ("how are you, how is your health": each "how" once)
            for in_order in (True, False):
                places = {min(found, key=partial(_from_anchor, anchor, in_order and (
                    -1 if index < rarest else 1))) for index, found in enumerate(where)}
                if max(places) - min(places) < span:
                    covered |= places
                    break
        return covered


def _from_anchor(anchor: int, side: int, place: int) -> tuple[bool, int]:
    """How far a place is from an anchor, the wrong side (`side` -1: before it, 1: after
    it, 0: either) farthest."""
    return side * (place - anchor) < 0, abs(place - anchor)


@dataclass(frozen=True)
class Pieces:
    """A question word's forms (with and without an Arabic article), and the parts of them a
    keyword may be: its starts (from MIN_PREFIX letters) and its inner parts."""
    forms: frozenset[str]
    starts: frozenset[str]
    insides: frozenset[str]


def pieces(token: str) -> Pieces:
    forms = _variants(token)
    starts = {form[:k] for form in forms for k in range(MIN_PREFIX, len(form))}
    insides = {form[i:j] for form in forms for i in range(len(form))
               for j in range(i + MIN_INSIDE_PREFIXED_SCRIPTS, len(form) + 1)
               if j - i < len(form)}
    return Pieces(frozenset(forms), frozenset(starts), frozenset(insides))


@dataclass
class Vocabulary:
    """Every word of one language's lists, arranged to find a question's matches fast."""
    words: set[str] = field(default_factory=set)  # may match a longer word or with a typo
    whole: set[str] = field(default_factory=set)  # "=word": the very word only
    inside: set[str] = field(default_factory=set)  # long enough to count inside a word
    by_length: dict[int, list[str]] = field(default_factory=dict)  # long enough for a typo
    stems: dict[str, set[str]] = field(default_factory=dict)  # stem -> words with that stem

    def add(self, keyword: Keyword) -> None:
        for index, word in enumerate(keyword.words):
            if keyword.whole:
                self.whole.add(word)
                continue
            if word not in self.words:
                self.words.add(word)
                if len(word) >= _min_inside(word):
                    self.inside.add(word)
                if _typos_allowed(word):
                    self.by_length.setdefault(len(word), []).append(word)
            stem = keyword.stems[index] if keyword.stems else ""
            if len(stem) >= MIN_PREFIX:
                self.stems.setdefault(stem, set()).add(word)

    def typo_matches(self, form: str) -> Iterable[str]:
        """Words within their allowed typos of this form, or of its start (inflection)."""
        for length, words in self.by_length.items():
            if abs(length - len(form)) <= MOST_TYPOS:
                for word, distance, _index in process.extract(
                        form, words, scorer=OSA.distance, score_cutoff=MOST_TYPOS, limit=None):
                    if distance <= _typos_allowed(word):
                        yield word
            if length < len(form):
                start = form[:length]
                for word, distance, _index in process.extract(
                        start, words, scorer=OSA.distance, score_cutoff=MOST_TYPOS,
                        limit=None):
                    if distance <= _typos_allowed(word):
                        yield word


def _neither_nor(cue: tuple[str, ...], start: int, tokens: tuple[str, ...],
                 clauses: tuple[int, ...]) -> bool:
    """A one-word cue said twice in one clause is "neither ... nor" (Persian "نه رمزشو دارم
    نه بلدم": I have neither the password nor the know-how), a lack, not a refusal: it
    turns nothing down."""
    return len(cue) == 1 and any(
        token == cue[0] and clauses[i] == clauses[start] and i != start
        for i, token in enumerate(tokens))


@dataclass
class Keywords:
    language: str = ""
    by_topic: dict[str, list[Keyword]] = field(default_factory=dict)
    smalltalk: dict[str, list[Keyword]] = field(default_factory=dict)  # hello, thanks
    guards: dict[str, list[Keyword]] = field(default_factory=dict)  # elsewhere, medical
    negation_before: tuple[tuple[str, ...], ...] = ()
    negation_after: tuple[tuple[str, ...], ...] = ()
    negation_naming: frozenset[tuple[str, ...]] = frozenset()  # "before" cues with a topic word
    # "but", "only": a negation reaches no further ("not the course for children but the hours")
    negation_stop: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()  # when, where, how: one word each
    contrast: frozenset[str] = frozenset()  # a plain "not": two topics set against each other
    # "mother of", "ام", "мама": the word after it is a name ("mother of Yusuf", "ام ليان")
    introduce: tuple[tuple[str, ...], ...] = ()
    stem: Callable[[str], str] | None = None
    vocabulary: Vocabulary = field(default_factory=Vocabulary)

    # keyword word -> (section, place in its list) of the keywords that hold it
    sections: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def index(self) -> None:
        """Arrange every word of the lists for `question` (once, after loading)."""
        every = {**self.smalltalk, **self.guards, **self.by_topic}
        for section, keywords in every.items():
            for place, keyword in enumerate(keywords):
                self.vocabulary.add(keyword)
                for word in set(keyword.words):
                    self.sections.setdefault(word, []).append((section, place))

    def candidates(self, lists: dict[str, list[Keyword]], question: Question
                   ) -> dict[str, list[Keyword]]:
        """Per section of `lists`, in their order, the keywords one of whose words the
        question has: only these can match."""
        places: dict[str, set[int]] = {}
        for word in question.matched.keys() | question.exact.keys():
            for section, place in self.sections.get(word, ()):
                if section in lists:
                    places.setdefault(section, set()).add(place)
        return {section: [lists[section][p] for p in sorted(found)]
                for section, found in places.items()}

    def question(self, tokens: Iterable[str], typos: bool,
                 parts: Sequence[Pieces] | None = None) -> Question:
        tokens = tuple(tokens)
        parts = parts if parts is not None else [pieces(t) for t in tokens]
        vocabulary = self.vocabulary
        matched: dict[str, set[int]] = {}
        exact: dict[str, set[int]] = {}
        for position, (token, part) in enumerate(zip(tokens, parts, strict=True)):
            for word in part.forms & vocabulary.whole:
                exact.setdefault(word, set()).add(position)
            found = set((part.forms | part.starts) & vocabulary.words)
            found |= part.insides & vocabulary.inside
            if typos:
                slips = {w for form in part.forms for w in vocabulary.typo_matches(form)}
                # a word the lists hold as it is was meant as that word: a slip for a word of
                # another section it is not (مواليد is "newborns", not مواعيد, "opening
                # hours"), another spelling of a word of its own section it may be
                known = (part.forms & vocabulary.words or part.forms & vocabulary.whole
                         or part.forms & self.question_words)  # "vraagje" is no "graag"
                if known:
                    own = {section for word in known
                           for section, _ in self.sections.get(word, ())}
                    slips = {w for w in slips
                             if any(section in own for section, _ in self.sections[w])}
                found |= slips
            if typos and self.stem is not None:  # one language's stemmer on another's
                found.update(vocabulary.stems.get(self.stem(token), ()))  # words misleads
            for word in found:
                matched.setdefault(word, set()).add(position)
        return Question(tokens, typos, {w: frozenset(p) for w, p in matched.items()},
                        {w: frozenset(p) for w, p in exact.items()})

    def _says_not(self, keyword: Keyword) -> bool:
        """A phrase that holds a whole negation cue ("without", "zonder afspraak")."""
        words = keyword.words
        return len(words) > 1 and any(
            words[i:i + len(cue)] == cue
            for cue in (*self.negation_before, *self.negation_after)
            for i in range(len(words) - len(cue) + 1))

    def negated(self, tokens: tuple[str, ...], clauses: tuple[int, ...]) -> set[int]:
        """The positions this language's negation words turn down: a few words, never past
        a comma or the end of a sentence ("not the course, the lessons")."""
        turned: set[int] = set()
        at: dict[str, list[int]] = {}
        for position, token in enumerate(tokens):
            at.setdefault(token, []).append(position)
        for cue, start in _cue_starts(tokens, self.negation_before, at):
            if _neither_nor(cue, start, tokens, clauses):
                continue
            end = start + len(cue)
            if cue in self.negation_naming:  # "не компютер", "already a member": the
                turned.update(range(start, end))  # cue names what is not wanted
                continue
            for i in range(end, min(end + NEGATION_REACH, len(tokens))):
                if (clauses[i] != clauses[start] or _cue_word(cue[-1], tokens[i])
                        or tokens[i] in self.negation_stop):
                    break  # "I don't want a robot, I want a person": "want" again
                turned.add(i)
        for cue, start in _cue_starts(tokens, self.negation_after, at):
            if _neither_nor(cue, start, tokens, clauses):
                continue
            for i in range(start - 1, max(0, start - NEGATION_REACH) - 1, -1):
                if clauses[i] != clauses[start] or tokens[i] in self.negation_stop:
                    break
                turned.add(i)
        return turned

    def score(self, question: Question, turned: frozenset[int] = frozenset(),
              guarded: bool = False) -> dict[str, float]:
        return self.evidence(question, turned, guarded)[0]

    def evidence(self, question: Question, turned: frozenset[int] = frozenset(),
                 guarded: bool = False, shielded: frozenset[int] | None = None
                 ) -> tuple[dict[str, float], set[str], set[str]]:
        """Points per topic, the topics a strong word or a name points to, and those a strong
        word that is not a name points to (asked about, not only named). A word of the
        question counts once per topic through single-word keywords (so "library" and the
        typo "libary" do not add up); phrases add on top. Turned-down words do not count;
        when `guarded`, only naming keywords count."""
        scores: dict[str, float] = {}
        strong: set[str] = set()
        asked: set[str] = set()
        candidates = self.candidates(self.by_topic, question)
        library = self._named_library(candidates.get("library", []), question, turned)
        for topic, keywords in candidates.items():
            used: set[int] = set()
            phrases: set[frozenset[int]] = set()
            total = 0.0
            for keyword in keywords:  # strongest first, see load_keywords
                # a phrase that holds a "not" itself means it: "without an appointment"
                off = frozenset() if self._says_not(keyword) else turned
                placed = question.placed(keyword, off)
                if placed is None or (guarded and not (keyword.naming and placed[1]) and not (
                        shielded is not None and keyword.weight >= STRONG and placed[1]
                        and not _closest(question, keyword, off) & shielded)):
                    continue  # far from another place in a long story, a strong word asks
                if topic != "library" and _splits(question, keyword, off, library):
                    continue
                hits, near = placed
                weight = keyword.weight if near else WEAK  # far apart: two thoughts, a hint
                if weight >= STRONG:
                    strong.add(topic)
                    if not keyword.naming:
                        asked.add(topic)
                if len(keyword.words) > 1:
                    if frozenset(hits) not in phrases:  # two spellings, same words
                        total += weight
                        phrases.add(frozenset(hits))
                elif hits - used:
                    total += keyword.weight
                    used |= hits
            if total:
                scores[topic] = total
        return scores, strong, asked

    @staticmethod
    def _named_library(keywords: list[Keyword], question: Question, turned: frozenset[int]
                       ) -> list[set[int]]:
        """Where the library's name stands when it is more than one word ("ቤት መጻሕፍቲ", house
        of books): those words name the library, and are no "books" for another topic's
        phrase (a phrase that holds the whole name, "the library's lady", may have them)."""
        named: list[set[int]] = []
        for keyword in keywords:
            if keyword.naming and len(keyword.words) > 1:
                placed = question.placed(keyword, turned)
                where = _closest(question, keyword, turned) if placed is not None else set()
                if where and max(where) - min(where) == len(keyword.words) - 1:
                    named.append(where)  # its words side by side, not a phrase matched apart
        return named

    def guarded_at(self, question: Question, turned: frozenset[int]) -> dict[str, set[int]]:
        """Per guard named ("elsewhere" first), where its words are."""
        found: dict[str, set[int]] = {}
        guards = self.candidates(self.guards, question)
        for name, keywords in sorted(guards.items(), key=lambda item: GUARDS.index(item[0])):
            for keyword in keywords:
                if self._says_not(keyword):
                    found.setdefault(name, set()).update(question.in_order(keyword))
                    continue
                placed = question.placed(keyword, turned)
                if placed is not None and placed[1]:
                    found.setdefault(name, set()).update(_closest(question, keyword, turned))
            if not found.get(name, True):
                del found[name]
        return found

    def guard(self, question: Question, turned: frozenset[int], latin_only: bool = False
              ) -> str | None:
        """"despair", "distress", "elsewhere" or "medical" when the question names not
        wanting to live, violence or not being safe at home, another place, or health
        (`latin_only`: only by the Dutch and English words a list holds, "gemeente"). Another
        place first, whatever order the question's words come in: Persian "دارو", medicine,
        starts "داروخانه", the pharmacy."""
        found = self.candidates(self.guards, question)
        for name, keywords in sorted(found.items(), key=lambda item: GUARDS.index(item[0])):
            # "طبيب اسنان": its words together; a phrase that holds a "not" itself means it
            # when it stands in its own order ("I don't want to live")
            if any((not latin_only or all(_script(w) == "LATIN" for w in keyword.words))
                   and (bool(question.in_order(keyword)) if self._says_not(keyword) else (
                       (placed := question.placed(keyword, turned)) is not None and placed[1]))
                   for keyword in keywords):
                return name
        return None

    def smalltalk_phrases(self, question: Question) -> set[int]:
        """The positions of the greetings and thanks of more than one word, each phrase's
        words side by side and in order ("see you next week", "for the help")."""
        covered: set[int] = set()
        for keywords in self.candidates(self.smalltalk, question).values():
            for keyword in keywords:
                size = len(keyword.words)
                if size > 1:
                    places = [question.positions(keyword, i) for i in range(size)]
                    for start in places[0]:
                        if all(start + i in places[i] for i in range(1, size)):
                            covered.update(range(start, start + size))
        return covered

    def smalltalk_kind(self, question: Question, closings: bool = True
                       ) -> tuple[set[int], str | None]:
        """The positions that are greetings or thanks, and which kind ("thanks" wins; a
        closing, "it worked", "no more questions", is thanks). Without `closings`: not those
        ("it worked?" asks)."""
        covered: set[int] = set()
        kind = None
        found = self.candidates(self.smalltalk, question)
        for name in ("hello", "closing", "thanks") if closings else ("hello", "thanks"):
            for keyword in found.get(name, []):
                near = question.near(keyword)
                if near:
                    covered |= near
                    kind = "thanks" if name == "closing" else name
        # a word said again right beside itself ("rain rain rain", "thanks thanks")
        tokens = question.tokens
        for start in sorted(covered):
            for step in (-1, 1):
                at = start + step
                while 0 <= at < len(tokens) and tokens[at] == tokens[start]:
                    covered.add(at)
                    at += step
        return covered, kind


def _cue_word(cue: str, token: str) -> bool:
    """A negation cue's word is the word itself, or, from MIN_CUE_STEM letters, the start of
    its other forms: "не потріб" is не потрібно, не потрібна, не потрібні."""
    return token == cue or (len(cue) >= MIN_CUE_STEM and token.startswith(cue))


def _cue_starts(tokens: tuple[str, ...], cues: Iterable[tuple[str, ...]],
                at: dict[str, list[int]]) -> list[tuple[tuple[str, ...], int]]:
    """Each cue found in the question, with where it starts (most cues are not there: a cue
    whose first word is absent costs one look-up)."""
    return [(cue, start) for cue in cues
            if len(cue[0]) >= MIN_CUE_STEM or cue[0] in at
            for start in _phrase_starts(tokens, cue, at)]


def _phrase_starts(tokens: tuple[str, ...], phrase: tuple[str, ...],
                   at: dict[str, list[int]] | None = None) -> list[int]:
    """Where a negation cue starts; `at` (each word's positions) saves a pass per cue."""
    size = len(phrase)
    first, rest = phrase[0], phrase[1:]
    if len(first) >= MIN_CUE_STEM:
        starts = [i for i, token in enumerate(tokens) if token.startswith(first)]
    elif at is not None:
        starts = at.get(first, [])
    else:
        starts = [i for i, token in enumerate(tokens) if token == first]
    return [i for i in starts if i + size <= len(tokens)
            and all(_cue_word(cue, token) for cue, token in zip(rest, tokens[i + 1:i + size],
                                                                strict=True))]


class KeywordFileError(ValueError):
    pass


def _keywords(entries: Iterable[str], weight: float, naming: bool,
              stem: Callable[[str], str] | None) -> list[Keyword]:
    result = []
    for phrase in entries:
        whole = phrase.startswith("=")
        words = tuple(normalise(phrase.lstrip("=")).split())
        if words:
            stems = tuple(stem(w) for w in words) if stem and not whole else ()
            result.append(Keyword(words, weight, naming, whole, stems))
    return result


def _cues(entries: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(words for words in (tuple(normalise(e).split()) for e in entries) if words)


def load_keywords(path: Path, language: str = "") -> Keywords:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    stem = _stemmer(language)
    result = Keywords(language=language, stem=stem)
    for section, entry in raw.items():
        if section == SMALLTALK:
            for kind in ("hello", "thanks", "closing"):
                result.smalltalk[kind] = _keywords(entry.get(kind, []), WEAK, False, None)
            result.introduce = _cues(entry.get("introduce", []))
        elif section in GUARDS:
            result.guards[section] = _keywords(entry.get("words", []), WEAK, False, stem)
        elif section == "negation":
            result.negation_before = _cues(entry.get("before", []))
            result.negation_after = _cues(entry.get("after", []))
            result.negation_stop = frozenset(
                word for cue in _cues(entry.get("stop", [])) for word in cue)
        elif section == QUESTION_WORDS:
            result.question_words = frozenset(
                word for cue in _cues(entry.get("words", [])) for word in cue)
            result.contrast = frozenset(
                word for cue in _cues(entry.get("not", [])) for word in cue)
        elif section in TOPICS:
            keywords = (_keywords(entry.get("names", []), STRONG, True, stem)
                        + _keywords(entry.get("strong", []), STRONG, False, stem)
                        + _keywords(entry.get("words", []), WEAK, False, stem))
            keywords.sort(key=lambda k: (-k.weight, -len(k.words)))
            result.by_topic[section] = keywords
        else:
            known = ", ".join((*TOPICS, SMALLTALK, *GUARDS, "negation", QUESTION_WORDS))
            raise KeywordFileError(f"{path}: unknown section [{section}]; use {known}")
    result.index()
    result.negation_naming = frozenset(
        cue for cue in result.negation_before if result.score(result.question(cue, False)))
    return result


def _stemmer(language: str) -> Callable[[str], str] | None:
    algorithm = STEMMERS.get(language)
    if algorithm is None:
        return None
    stemmer = snowballstemmer.stemmer(algorithm)
    stem: Callable[[str], str] = cache(stemmer.stemWord)
    return stem


@cache
def keywords_for(language: str, directory: Path = LOCALES_DIR) -> Keywords:
    path = directory / language / "keywords.toml"
    return load_keywords(path, language) if path.exists() else Keywords(language=language)


# ---- which language a message is in ---------------------------------------------------------
@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([lang for lang in LANGUAGES if lang != "ti"])
    return identifier


_PERSIAN_LETTERS = frozenset("پچژگ")


def detect_language(text: str) -> str | None:
    """The language a message is written in, when the script or the words make it clear.
    Ethiopic script is Tigrinya here; Arabic script is Farsi when it has Persian letters."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    names = [unicodedata.name(ch, "") for ch in letters]

    def mostly(script: str) -> bool:
        return sum(name.startswith(script) for name in names) * 2 > len(names)

    if mostly("ETHIOPIC"):
        return "ti"
    if mostly("ARABIC") and _PERSIAN_LETTERS & set(text):
        return "fa"
    if mostly("CYRILLIC"):
        return "uk"
    language, confidence = _identifier().classify(text)
    return str(language) if confidence >= DETECT_CONFIDENCE else None


# ---- deciding -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    topic: str | None  # a topic, or None: the question goes to a person
    scores: dict[str, float]
    smalltalk: str | None = None  # "hello" or "thanks": a friendly reply, no case
    # small talk with a word the lists do not know, or a long one: the reply offers to pass
    # the message on, in case it asked something after all
    unsure: bool = False
    guard: str | None = None  # "despair", "distress", "elsewhere", "medical": why no topic
    language: str = ""  # the language the words were found in
    example: str | None = None  # the earlier question whose topic it took (bot.examples)
    open: bool = False  # the words left it open: earlier questions may decide (bot.examples)

    @property
    def label(self) -> str:
        """What `main.py ask` prints: the topic, "smalltalk" or "none"."""
        if self.smalltalk:
            return SMALLTALK
        return self.topic or "none"


def _clear_winner(scores: dict[str, float], strong: set[str], careful: bool) -> str | None:
    """The topic that scores enough and beats the runner-up; when `careful`, by a wider
    margin if only hints (weak words) point to it: two hints against one is too close."""
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < MIN_SCORE:
        return None
    margin = HINTS_MARGIN if careful and ranked[0][0] not in strong else MIN_MARGIN
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < margin:
        return None
    return ranked[0][0]


def _decide(scores: dict[str, float], strong: set[str], careful: bool,
            asked: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The clear winner. Everything happens at the library, so the library's name (and a
    "when" or "where" with it) does not beat a specific topic that is also clearly asked
    about ("when is the taalcafe at the library"); the library's own business (renewing
    books, a membership) that clearly wins does ("renew my books on the internet"), and
    one that ties with a specific topic leaves the question to a person."""
    winner = _clear_winner(scores, strong, careful)
    if "library" not in scores or winner not in ("library", None):
        return winner
    if winner == "library" and "library" in asked:
        return winner
    own_business = scores["library"] if "library" in asked else 0.0
    specific = _clear_winner({t: v for t, v in scores.items() if t != "library"}, strong,
                             careful)
    if (specific is not None and scores["library"] - scores[specific] <= LIBRARY_LEAD
            and scores[specific] > own_business):
        return specific
    return winner


def _asks_two_things(keywords: Keywords, question: Question, turned: frozenset[int],
                     guarded: bool, strong: set[str]) -> bool:
    """Two topics besides the library, "call me" and meeting, each with a strong word or a
    name of its own (not the same words read two ways: "a book reading hour for babies"), in
    a short message ("the Dutch course and the computer course"): the parent asks two things,
    and a person answers both. (Points do not tell which one dominates: a topic with many
    listed phrases collects more points for the same words.)"""
    asked = [topic for topic in strong if topic not in NOT_ASKED_APART]
    if len(asked) <= 1 or len(question.tokens) > TWO_TOPICS_MOST_WORDS:
        return False
    if any(token in keywords.contrast for token in question.tokens):
        return False  # "not the computer course, the Dutch lessons": one thing asked
    where: dict[str, set[int]] = {}
    for topic, found in keywords.candidates(keywords.by_topic, question).items():
        if topic in asked:
            for keyword in found:
                if keyword.weight >= STRONG and (keyword.naming or not guarded):
                    where.setdefault(topic, set()).update(_closest(question, keyword, turned))
    spots = [positions for positions in where.values() if positions]
    return any(not first & second for i, first in enumerate(spots) for second in spots[i + 1:])


def _asks_besides_smalltalk(text: str, tokens: tuple[str, ...],
                            questions: list[tuple[Keywords, Question]]) -> bool:
    """A question word of any language, or a question mark at the end, beside greetings and
    thanks ("ok, when?", "tamam, kaçta?"): a question too short to name its topic, not small
    talk. A greeting that is itself a question ("hello?", "how are you?") stays small talk;
    a closing does not ("it worked?", "حل شد؟", is it solved?)."""
    asked = _ends_with_question_mark(text)
    covered: set[int] = set()
    for keywords, question in questions:
        covered |= keywords.smalltalk_kind(question, closings=not asked)[0]
    others = [tokens[i] for i in range(len(tokens)) if i not in covered]
    if not others:
        return False
    if asked:
        return True
    return any(form in keywords.question_words
               for keywords, _question in questions for token in others
               for form in _variants(token))


def _splits(question: Question, keyword: Keyword, turned: frozenset[int],
            names: list[set[int]]) -> bool:
    """The keyword's words take part of a name and not the whole of it."""
    if not names:
        return False
    used = _closest(question, keyword, turned)
    return any(used & name and not name <= used for name in names)


def _closest(question: Question, keyword: Keyword, turned: frozenset[int]) -> set[int]:
    """Where a keyword's words stand together: for a phrase whose word is twice in the
    question ("Dutch course and computer course"), the place nearest its other words."""
    places = [sorted(question.positions(keyword, i) - turned) for i in range(len(keyword.words))]
    if not all(places):
        return set()
    anchor = min(places, key=len)[0]
    return {min(where, key=lambda p: abs(p - anchor)) for where in places}


def _ends_with_question_mark(text: str) -> bool:
    """"when?", "when? 🙏": the last sign that is no space and no emoji."""
    shown = [ch for ch in text if not ch.isspace() and ch not in "\u200d\ufe0f"
             and unicodedata.category(ch)[0] != "S"]
    return bool(shown) and shown[-1] in QUESTION_MARKS


def _only_symbols(text: str) -> bool:
    """Emoji, hearts, a thumbs up: no letters or digits, but something."""
    shown = [ch for ch in text if not ch.isspace()]
    return bool(shown) and all(unicodedata.category(ch)[0] in "SP" or ch in "\u200d\ufe0f"
                               for ch in shown)


def _passes(language: str, detected: str | None) -> list[tuple[Keywords, bool]]:
    """The word lists to try, in order, with typo tolerance or not."""
    passes = [(keywords_for(language), True)]
    if detected and detected != language:
        passes.append((keywords_for(detected), True))
    passes += [(keywords_for(other), False) for other in LANGUAGES
               if other not in (language, detected)]
    return passes


def _smalltalk(text: str, tokens: tuple[str, ...], questions: list[tuple[Keywords, Question]],
               lenient: bool = False, hinted: frozenset[int] = frozenset()
               ) -> tuple[str, bool] | None:
    """"hello" or "thanks" when the message is only greetings and thanks, and whether that is
    unsure (an other word, or a long message). `lenient` (no topic word, see _no_hint): one other
    word may be among them ("thanks Bertine", "all clear, thanks"), one per three words in a
    longer message, when a greeting or thanks of the parent's own language, not a short word
    and not one of the `hinted` topic words ("help Amira" asks), is there, and no other word is
    a "not". A short number beside them is no other word."""
    covered: set[int] = set()
    own: set[int] = set()
    kinds: set[str] = set()
    for keywords, question in questions:
        found, kind = keywords.smalltalk_kind(question)
        covered |= found
        if question.typos:
            own |= found
        if kind:
            kinds.add(kind)
    introduced = _introductions(text, tokens, questions) if kinds else set()
    covered |= introduced
    own |= introduced
    if not covered:
        return None
    covered |= {i for i, token in enumerate(tokens)
                if token.isdigit() and len(token) <= SMALLTALK_NUMBER_DIGITS}
    missing = len(tokens) - len(covered)
    if missing and not (
            lenient and len(tokens) <= SMALLTALK_LENIENT_MOST
            and missing <= max(SMALLTALK_OTHER_WORDS, len(tokens) // SMALLTALK_WORDS_PER_OTHER)
            and any(len(tokens[i]) >= SMALLTALK_OWN_LETTERS.get(_script(tokens[i]), MIN_PREFIX)
                    for i in own - hinted)
            and not any(_says_not(keywords, tokens[i]) for keywords, question in questions
                        if question.typos for i in range(len(tokens)) if i not in covered)):
        return None
    return ("thanks" if "thanks" in kinds else "hello",
            bool(missing or introduced) or len(tokens) > SMALLTALK_MOST_WORDS)


def _introductions(text: str, tokens: tuple[str, ...],
                   questions: list[tuple[Keywords, Question]]) -> set[int]:
    """A parent saying who she is ("mother of Yusuf", "ام ليان", "мама Марка"), in her own
    or the message's language: the kinship words, and the name after them when no list knows
    that word (not "mother of a baby", "ام مريضة") and, in a script with capitals, it is
    written with one ("мама Марка", not "мама померла")."""
    capitals = {normalise(word) for word in _WORD.findall(text) if word[:1].isupper()}
    found: set[int] = set()
    at: dict[str, list[int]] = {}
    for position, token in enumerate(tokens):
        at.setdefault(token, []).append(position)
    for keywords, question in questions:
        if not question.typos or not keywords.introduce:
            continue
        for cue, start in _cue_starts(tokens, keywords.introduce, at):
            name = start + len(cue)
            if name < len(tokens) and not _known(name, questions) and (
                    tokens[name] in capitals or _script(tokens[name]) in CASELESS_SCRIPTS):
                found.update(range(start, name + 1))
    return found


CASELESS_SCRIPTS = frozenset({"ARABIC", "ETHIOPIC"})


def _known(position: int, questions: list[tuple[Keywords, Question]]) -> bool:
    """Whether a word of any list, a question word or a "not" of any language is there."""
    return any(position in places for _keywords, question in questions
               for table in (question.matched, question.exact) for places in table.values()
               ) or any(_says_not(keywords, question.tokens[position])
                        or question.tokens[position] in keywords.question_words
                        for keywords, question in questions)


def _no_hint(questions: list[tuple[Keywords, Question]], scores: dict[str, float],
             turned: frozenset[int]) -> bool:
    """No word of any topic, no more than one weak one ("rain again today"), or only inside a
    greeting or thanks of more than one word of the parent's own or the message's language
    ("до зустрічі", see you, holds a meeting word; "شكرا على المساعدة", thanks for the help, a
    word for help): small talk may then hold other words."""
    if not scores or max(scores.values()) <= SMALLTALK_HINT_FLOOR:
        return True
    chat = frozenset().union(*(keywords.smalltalk_phrases(question)
                               for keywords, question in questions if question.typos))
    return bool(chat) and not any(keywords.evidence(question, turned | chat)[0]
                                  for keywords, question in questions)


def _topic_places(questions: list[tuple[Keywords, Question]], turned: frozenset[int]
                  ) -> frozenset[int]:
    """Where the words of any topic stand."""
    places: set[int] = set()
    for keywords, question in questions:
        for found in keywords.candidates(keywords.by_topic, question).values():
            for keyword in found:
                placed = question.placed(keyword, turned)
                if placed is not None and placed[1]:
                    places |= _closest(question, keyword, turned)
    return frozenset(places)


def _says_not(keywords: Keywords, token: str) -> bool:
    """"not", "niet", "değil", "مو": the other word beside "ok" or "good" turns it round ("not
    good", "tamam değil"): a person reads it."""
    return token in keywords.contrast or bool(_TIGRINYA_NOT.fullmatch(token)) or any(
        cue == (token,) for cue in (*keywords.negation_before, *keywords.negation_after))


# A Tigrinya verb said "not": ኣይ- before it, -ን after it ("ኣይተረዳኣንን", I did not understand)
_TIGRINYA_NOT = re.compile(r"ኣይ\w+ን")


_CLAUSE_END = re.compile(r"[,.;:!?¿¡\n،؛؟።፣፤፥፧]+")


def _words_and_clauses(question: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The question's normalised words, and for each the number of its clause."""
    tokens: list[str] = []
    clauses: list[int] = []
    for number, part in enumerate(_CLAUSE_END.split(question)):
        words = normalise(part).split()
        tokens += words
        clauses += [number] * len(words)
    return tuple(tokens), tuple(clauses)


def match(question: str, language: str, examples: bool = True) -> Match:
    """The topic a question is about, small talk, or no topic when not confident.

    A story told before a question ("my daughter loved story hour, is the pharmacy open on
    Sunday?"): when only the last clause asks (a question word, a question mark), another
    topic or another place named there decides over the story's words. It never turns a
    question handed to a person into a topic, and the library, "call me" and meeting named
    last do not override ("..., is there something at the library?").
    """
    whole = _match(question, language, examples)
    # each clause with the signs that end it ("is it open?" keeps its question mark)
    pieces = _CLAUSE_END.split(question)
    ends = [*_CLAUSE_END.findall(question), ""]
    clauses = [part + end for part, end in zip(pieces, ends, strict=True)
               if normalise(part).split()]
    clauses = [piece for clause in clauses for piece in _after_thanks(clause, language)]
    if (whole.topic is None or not clauses[:-1] or not _asks(clauses[-1], language)
            or any(_asks(clause, language) for clause in clauses[:-1])):
        return whole
    last = _match(clauses[-1], language, examples=False)
    if last.topic is not None and last.topic not in NOT_ASKED_APART and last.topic != whole.topic:
        return last  # "we got the BoekStart bag, thanks; is there a Dutch course too?"
    if last.guard is not None and last.topic is None:
        return last  # "we borrowed books yesterday, lovely; when does the town hall open?"
    return whole


THANKS_SPLIT_MIN_LETTERS = 6  # "bedankt", "teşekkürler": not "ok", "the", "you" of the lists


@cache
def _closing_thanks(language: str) -> frozenset[str]:
    """The language's one-word thanks long enough to be nothing else."""
    return frozenset(keyword.words[0]
                     for keyword in keywords_for(language).smalltalk.get("thanks", [])
                     if len(keyword.words) == 1
                     and len(keyword.words[0]) >= THANKS_SPLIT_MIN_LETTERS)


def _after_thanks(clause: str, language: str) -> list[str]:
    """A clause split after a "thanks" between words, for messages typed without commas
    ("we got the book bag thanks now when is the baby clinic open"): what came before is
    thanked for, what follows is asked."""
    thanks = _closing_thanks(language)
    words = clause.split()
    pieces: list[str] = []
    start = 0
    for i, word in enumerate(words[:-1]):
        if i > start and any(form in thanks for form in _variants(normalise(word).strip())):
            pieces.append(" ".join(words[start:i + 1]))
            start = i + 1
    pieces.append(" ".join(words[start:]))
    return [piece for piece in pieces if normalise(piece).split()]


def _asks(clause: str, language: str) -> bool:
    """A question word of the language, or a question mark at the end."""
    words = keywords_for(language).question_words
    return _ends_with_question_mark(clause) or any(
        form in words for token in normalise(clause).split() for form in _variants(token))


def _match(question: str, language: str, examples: bool = True) -> Match:
    """The topic a question (or one clause of it) is about, small talk, or no topic.

    The parent's own language first; then the language the message is written in; then every
    language, without typo tolerance there: a typo in one language is too often a different
    word in another. A question the words leave open, with nothing turned down and no other
    place or health matter named, takes the topic of the earlier questions nearest to it,
    when they are near and agree (`examples`, bot.examples).
    """
    tokens, clauses = _words_and_clauses(question)
    if not tokens:
        return Match(None, {}, smalltalk="thanks" if _only_symbols(question) else None)
    detected = detect_language(question)
    passes = _passes(language, detected)
    parts = [pieces(token) for token in tokens]
    questions = [(keywords, keywords.question(tokens, typos, parts))
                 for keywords, typos in passes]
    # "not", "geen", "değil": the negation words of the chosen and the detected language only
    # (a short cue of one language is an everyday word in another: Polish "na")
    turned = frozenset().union(*(keywords.negated(tokens, clauses)
                                 for keywords, typos in passes if typos))
    # Another language's words for places and health only when they are Dutch or English
    # words it holds: its own words are everyday words elsewhere (Persian معلم مدرسه, a
    # teacher at school, in an Arabic question about the school app; Arabic صفر, jaundice,
    # is Persian "zero")
    guard = next((found for keywords, q in questions
                  if (found := keywords.guard(q, turned, latin_only=not (
                      q.typos or keywords.language in LATIN_GUARDS)))), None)
    shielded = _shielded(questions, turned, clauses) if guard is not None else None
    health = guard in HEALTH_GUARDS or (guard is not None and _health_apart(questions, turned))
    combined: dict[str, float] = {}
    strong_anywhere: set[str] = set()
    for keywords, q in questions:
        if guard is not None and not q.typos:
            # another place or health named: only the names in the chosen or the message's
            # own language count, not a word shared by every list ("schoolapp")
            continue
        scores, strong, asked = keywords.evidence(q, turned, guarded=guard is not None,
                                                  shielded=shielded)
        if health:  # "he played at the library, now he has a fever": a person
            scores.pop("library", None)
            strong.discard("library")
            asked.discard("library")
        if q.typos:  # the chosen or the detected language decides on its own words
            if _asks_two_things(keywords, q, turned, guard is not None, strong):
                return Match(None, scores, guard=guard, language=keywords.language)
            topic = _decide(scores, strong, keywords.language in CAREFUL_LANGUAGES, asked)
            if topic is not None:
                return Match(topic, scores, guard=guard, language=keywords.language)
        for name, value in scores.items():
            combined[name] = max(combined.get(name, 0.0), value)
        strong_anywhere |= strong
    topic = _decide(combined, strong_anywhere, language in CAREFUL_LANGUAGES)
    if topic is not None:
        return Match(topic, combined, guard=guard)
    weak = bool(combined) and max(combined.values()) <= SMALLTALK_HINT_FLOOR
    talk = _smalltalk(question, tokens, questions, lenient=guard is None and _no_hint(
        questions, combined, turned), hinted=_topic_places(questions, turned) if weak else
        frozenset())
    if talk is not None and not _asks_besides_smalltalk(question, tokens, questions):
        # with another place or a health word, only when the lists' greetings and thanks
        # hold every word, the word inside a wish or an apology ("get well soon", "sorry, I
        # was ill, late reply"); and the reply offers to pass it on
        return Match(None, combined, smalltalk=talk[0], unsure=talk[1] or guard is not None,
                     guard=guard)
    return (Match(None, combined, guard=guard) if guard is not None
            else _left_open(question, (language, detected), combined, turned, examples,
                            news=_plain_news(question, tokens, questions)))


# Another place named in a message of GUARD_LONG_MESSAGE words or more covers GUARD_REACH
# words either side (on the tuning questions: four sent two stories to a topic, six none).
GUARD_REACH = 6
LATIN_GUARDS = frozenset({"nl", "en"})  # their place and health words count in every message
GUARD_LONG_MESSAGE = 10


def _health_apart(questions: list[tuple[Keywords, Question]], turned: frozenset[int]) -> bool:
    """A health word where no other place is named: "she has a fever, where is the pharmacy
    on duty" (not Persian "دارو", medicine, inside "داروخانه", the pharmacy)."""
    for keywords, question in questions:
        if question.typos:
            found = keywords.guarded_at(question, turned)
            if set().union(*(found.get(name, set()) for name in HEALTH_GUARDS)) - found.get(
                    "elsewhere", set()):
                return True
    return False


def _shielded(questions: list[tuple[Keywords, Question]], turned: frozenset[int],
              clauses: tuple[int, ...]) -> frozenset[int] | None:
    """The words another place covers in a long message: GUARD_REACH words either side.
    Further off, a strong word is the question and the place the story around it ("my son
    struggles at school ..., I need Dutch lessons myself"). A health matter, or a short
    message, is covered whole (None)."""
    if len(clauses) < GUARD_LONG_MESSAGE:
        return None
    places: set[int] = set()
    for keywords, question in questions:
        if not question.typos:
            continue
        found = keywords.guarded_at(question, turned)
        if HEALTH_GUARDS & found.keys():
            return None
        places |= found.get("elsewhere", set())
    if not places:
        return None
    return frozenset(p for p in range(len(clauses))
                     if any(abs(p - g) <= GUARD_REACH for g in places))


def _words(text: str) -> tuple[str, ...]:
    return _words_and_clauses(text)[0]


def _plain_news(text: str, tokens: tuple[str, ...],
                questions: list[tuple[Keywords, Question]]) -> bool:
    """No greeting or thanks, no question mark or question word, no "not": a message that
    only tells something."""
    return not (_ends_with_question_mark(text) or any(
        keywords.smalltalk_kind(question)[0] or any(
            form in keywords.question_words for token in tokens for form in _variants(token))
        or (question.typos and any(_says_not(keywords, token) for token in tokens))
        for keywords, question in questions))


def _left_open(question: str, languages: tuple[str, str | None], scores: dict[str, float],
               turned: frozenset[int], examples: bool, news: bool = False) -> Match:
    """No topic won by its words, no other place, no small talk: the topic of the earlier
    questions nearest to this one (`examples`), when a word of this one hints at it; those
    asked in the parent's language (in any script) first, then those in the language the
    message is written in. Not with a word turned down ("not the computer"): what is wanted
    instead is for a person to read."""
    if turned:
        return Match(None, scores)
    if not examples:
        return Match(None, scores, open=True)
    for language in dict.fromkeys(filter(None, languages)):
        nearest = examples_for(language, _words).nearest(question)
        if nearest is not None:
            if news and not scores and nearest.expect == SMALLTALK:
                # "the kids loved the bear book 😍": news like earlier small talk, no word
                # of a topic, a question, a "not" or a greeting (beside which a need hides:
                # "good morning, I lost my job"); the reply offers to pass it on
                return Match(None, scores, smalltalk="hello", unsure=True, language=language,
                             example=nearest.example, open=True)
            if nearest.expect not in TOPICS or nearest.expect not in scores:
                # nearest to a question about the pharmacy, a rash, "thanks"; or to one about a
                # topic no word of this one hints at ("computer class for beginners" for "an
                # easy Dutch book for beginners"): a person
                break
            return Match(nearest.expect, scores, language=language, example=nearest.example,
                         open=True)
    return Match(None, scores, open=True)
