"""Which commands each role has: the help text and Telegram's command menu come from here."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from bot.people import Role

STAFF = (Role.CONSULTANT, Role.PARTNER)
EVERYONE = (Role.CONSULTANT, Role.PARTNER, Role.PARENT, Role.STRANGER)
FAMILY = (Role.PARENT, Role.STRANGER)


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str  # marked with N_, translated when shown
    roles: tuple[Role, ...]


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", N_("start again"), EVERYONE),
    CommandInfo("language", N_("choose your language"), EVERYONE),
    CommandInfo("help", N_("what I can do for you"), EVERYONE),
    CommandInfo("privacy", N_("what we keep about you"), FAMILY),
    CommandInfo("mydata", N_("see all we keep about you"), FAMILY),
    CommandInfo("forget", N_("delete what we keep about you"), FAMILY),
    CommandInfo("refer", N_("refer a family to the library"), (Role.PARTNER,)),
    CommandInfo("myreferrals", N_("your referrals and what became of them"), (Role.PARTNER,)),
    CommandInfo("invite", N_("invite professionals of an organisation (/invite NAME)"),
                (Role.CONSULTANT,)),
    CommandInfo("partners", N_("list or remove partner professionals"), (Role.CONSULTANT,)),
    CommandInfo("cases", N_("the inbox: open cases, with filters"), (Role.CONSULTANT,)),
    CommandInfo("case", N_("open one case (/case 2026-0001)"), (Role.CONSULTANT,)),
    CommandInfo("stats", N_("figures (/stats 2026 or /stats 2026-11)"), (Role.CONSULTANT,)),
    CommandInfo("export", N_("cases without personal data as a CSV file"), (Role.CONSULTANT,)),
    CommandInfo("recording", N_("answers parents can hear: list or record them "
                                "(/recording library ar)"), (Role.CONSULTANT,)),
    CommandInfo("news", N_("news and tips for partners: send one, see who received it"),
                (Role.CONSULTANT,)),
    CommandInfo("news", N_("news from the library: /news off or /news on"), (Role.PARTNER,)),
    CommandInfo("activities", N_("the library's activities: sign-ups, who came"),
                (Role.CONSULTANT, Role.PARTNER)),
    CommandInfo("newactivity", N_("plan an activity or a weekly series"), (Role.CONSULTANT,)),
    CommandInfo("boekstart", N_("record a BoekStart bag handed out"), (Role.PARTNER,)),
    CommandInfo("bags", N_("BoekStart bags: stock per organisation (/bags GGD +20)"),
                (Role.CONSULTANT,)),
    CommandInfo("presence", N_("your presence hours at the baby clinics"), (Role.CONSULTANT,)),
    CommandInfo("consultant", N_("when and where the library's consultant is next"), STAFF),
    CommandInfo("report", N_("the yearly report as a PDF (/report 2026)"), (Role.CONSULTANT,)),
)


def commands_for(role: Role) -> list[CommandInfo]:
    return [c for c in COMMANDS if role in c.roles]
