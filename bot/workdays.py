"""Working days: Monday to Friday, except the public holidays of the library's country
(`HOLIDAYS_COUNTRY`, default NL, from the `holidays` package). They count the two working
days in which a family should hear from the consultant (bot.figures), and the days the
morning reminder goes out (bot.schedule).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

WORKING_DAYS_TO_CONTACT = 2
_WEEKEND = 5  # date.weekday(): Saturday and Sunday are 5 and 6


def known_country(code: str) -> bool:
    """A country the `holidays` package knows ("NL", "BE", ...); "" means none."""
    return code == "" or code.upper() in holidays.list_supported_countries()


class Calendar:
    """The working days of one country (or, without one, Monday to Friday)."""

    def __init__(self, country: str = "") -> None:
        self.country = country.upper()
        self._years: dict[int, frozenset[date]] = {}

    def holidays_in(self, year: int) -> frozenset[date]:
        found = self._years.get(year)
        if found is None:
            found = frozenset(holidays.country_holidays(self.country, years=year)
                              if self.country else ())
            self._years[year] = found
        return found

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < _WEEKEND and day not in self.holidays_in(day.year)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days from `first` (counted) to `last` (not counted): from a Friday to the
        Tuesday after, 2 (Friday, Monday), or 1 when that Monday is Easter Monday."""
        count, day = 0, first
        while day < last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def contact_deadline(self, created: date) -> date:
        """The first day on which first contact is late: after the second working day
        following `created` (the day itself counts when it is a working day)."""
        day, counted = created, 0
        while counted <= WORKING_DAYS_TO_CONTACT:  # up to the day after the third one
            counted += self.is_working_day(day)
            day += timedelta(days=1)
        return day


@cache
def calendar(country: str) -> Calendar:
    return Calendar(country)


DUTCH = calendar("NL")
