"""The answers to parents' questions and menu buttons, in the current language: short
sentences from the catalog around the library's own facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.facts import LibraryFacts, Place, ReadingTent, date_text, hours_lines, names_list
from bot.i18n import N_, _, current_language, ngettext

MENU_LABELS: dict[str, str] = {
    "library": N_("🏛️ Library"),
    "boekstart": N_("👶 BoekStart"),
    "dutch": N_("🗣️ Learn Dutch"),
    "digital": N_("💻 Computer & DigiD"),
    "activities": N_("📖 Reading & activities"),
    "contact": N_("📞 Contact me"),
    "ask": N_("❓ Ask a question"),
    "language": N_("🌍 Language"),
}


@dataclass(frozen=True)
class Answer:
    """An answer's text, and the library's branches (positions in `facts.places`) it offers
    as buttons, one per village."""

    text: str
    choices: tuple[int, ...] = ()


def library_intro() -> str:
    return _("🏛️ The library is for everyone. Children up to 18 can join for free.")


def branch_text(place: Place, language: str) -> str:
    """One branch: its name, address and opening hours."""
    return f"📍 {place.name}\n{place.address}\n🕐 {hours_lines(place.hours, language)}"


def place_label(place: Place) -> str:
    """A branch's button: its village."""
    return f"📍 {place.village}"


def library_answer(facts: LibraryFacts, *, village: str | None = None,
                   shown: int | None = None, lead: str | None = None) -> Answer:
    """Which village first, instead of every branch's week in one long message: a short
    line and a button per village. A known village (`village`, e.g. from the family's
    referral) or a chosen branch (`shown`) gets that branch's address and hours at once,
    with buttons for the others. `lead` replaces the first line (a prepared answer)."""
    places = facts.places
    if shown is None and village is not None:
        shown = next((i for i, place in enumerate(places) if place.village == village), None)
    if shown is None and len(places) == 1:
        shown = 0
    lead = lead or library_intro()
    if shown is None:
        return Answer(lead + "\n" + _("Which village is nearest to you? Tap it 👇"),
                             tuple(range(len(places))))
    others = tuple(i for i in range(len(places)) if i != shown)
    text = lead + "\n\n" + branch_text(places[shown], current_language())
    if others:
        text += "\n\n" + _("Another village? Tap it 👇")
    return Answer(text, others)


def _where_and_when(facts: LibraryFacts, village: str, hours: dict[str, str]) -> str:
    place = facts.place(village)
    return f"📍 {place.name}, {place.address}\n🕐 {hours_lines(hours, current_language())}"


def answer_text(topic: str, facts: LibraryFacts, today: dt.date | None = None) -> str:
    """A topic's answer: short sentences from the catalog, facts from the library's file.
    The library's asks which village (`library_answer` has the buttons)."""
    language = current_language()
    today = today or dt.date.today()
    if topic == "library":
        return library_answer(facts).text
    if topic == "boekstart":
        return _("👶 BoekStart is a free bag with books for your baby. You get it from the "
                 "nurse at the baby clinic (consultatiebureau), or at the library.\n"
                 "Reading to your baby helps your baby learn to talk.")
    if topic == "dutch":
        return (_("🗣️ Learn Dutch at the Taalpunt (help with language) in the library. "
                  "Volunteers help you to speak, read and write Dutch. It is free.") + "\n\n"
                + _where_and_when(facts, facts.taalpunt.village, facts.taalpunt.hours))
    if topic == "digital":
        return (_("💻 We help you with the computer, the school app and DigiD (your login for "
                  "the government). Bring your phone or laptop. It is free.") + "\n\n"
                + _where_and_when(facts, facts.digital_help.village, facts.digital_help.hours))
    if topic == "activities":
        tent = facts.reading_tent
        return (_("📖 We read stories to young children in the library. Everyone is welcome. "
                  "It is free.") + "\n"
                + _where_and_when(facts, facts.reading_aloud.village, facts.reading_aloud.hours)
                + "\n\n" + _reading_tent(tent, language, today))
    # "meet" here is without the database (`main.py ask`): no sessions known.
    others: dict[str, Callable[[], str]] = {
        "contact": contact_question, "meet": lambda: meet_answer(facts, [])}
    if topic in others:
        return others[topic]()
    raise KeyError(topic)


def meet_answer(facts: LibraryFacts, sessions: list[str]) -> str:
    """Where and when to meet the consultant: the next presence hours, one line each
    (`bot.presence.parent_where` makes them from the database)."""
    name = facts.consultant.name
    if not sessions:
        return _("🤝 {name} helps families with reading and with learning Dutch. At the moment "
                 "she has no hours at the baby clinic planned. Tap 📞 Contact me and she will "
                 "get in touch.").format(name=name)
    return "\n".join([
        _("🤝 {name} helps families with reading and with learning Dutch. You can meet her, "
          "without an appointment:").format(name=name),
        *sessions,
    ])


def _reading_tent(tent: ReadingTent, language: str, today: dt.date) -> str:
    villages = names_list(tent.villages, language)
    if today > tent.last_day:  # the file still holds last summer's dates: do not show them
        return _("⛺ In the summer holidays there is a reading tent with books and stories. "
                 "It comes to {villages}, once a week. The new dates will be here soon."
                 ).format(villages=villages)
    return _("⛺ In the summer holidays there is a reading tent with books and stories. "
             "It comes to {villages}, once a week, from {first} to {last}.").format(
                 villages=villages,
                                               first=date_text(tent.first_day, language),
                                               last=date_text(tent.last_day, language))


def contact_question() -> str:
    return _("📞 How can the library reach you?\nTap 📱 and we call you.\n"
             "Or tap ✍️ and we write to you here.")


def who_answers(facts: LibraryFacts) -> str:
    """Who will answer and roughly when, e.g. "Bertine will answer within 3 working days."."""
    days = facts.consultant.answer_within_days
    return ngettext("{name} of the library will answer you within {days} working day.",
                    "{name} of the library will answer you within {days} working days.",
                    days).format(name=facts.consultant.name, days=days)


def not_sure_text(facts: LibraryFacts, guard: str | None = None) -> str:
    """The answer when the bot hands a question to the library. A question about health gets
    the right place first: the library is not it; not wanting to live or violence at home,
    where to get help now."""
    text = _("🤔 I do not know the answer. I sent your question to the library.") + "\n" + \
        who_answers(facts)
    if guard == "despair":
        return _("💛 Thinking of ending your life? You are not alone. In an emergency, call "
                 "112. 113 Zelfmoordpreventie (help when you want to die) listens day and "
                 "night, for free: 0800 0113.") + "\n\n" + text
    if guard == "distress":
        return _("💛 Not safe at home? In an emergency, call 112. Veilig Thuis (help with "
                 "violence at home) listens day and night, for free: 0800 2000.") + "\n\n" + text
    if guard == "medical":
        return _("🩺 For your child's health, call your family doctor (huisarts) or the baby "
                 "clinic (consultatiebureau). In an emergency, call 112.") + "\n\n" + text
    return text


# under the reply to small talk the bot was unsure of: it may have asked something after all
PASS_ON = N_("📨 Send my message to the library")


def smalltalk_text(kind: str) -> str:
    """A friendly word back to "hello" or "thank you": no case, nobody is notified."""
    if kind == "thanks":
        return _("😊 You are welcome! Tap a button 👇 or type your question.")
    return _("👋 Hello! I am the library's helper. Tap a button 👇 or type your question.")
