"""Who may do what: admins, officers (city-wide or for one commune or ward) and citizens.

A rule of the domain, free of Telegram: handlers ask `Access` before acting, at every use.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN, OFFICER, CITIZEN = "admin", "officer", "citizen"


def narrows(
    before_role: str | None, before_ward: int | None, role: str, ward_code: int | None
) -> bool:
    """Whether a new role leaves someone with less than before: an admin or a city-wide officer
    made one ward's officer, or an officer moved to another ward. What they announced beyond
    the new scope must wait for an administrator."""
    if before_role is None or role != OFFICER or ward_code is None:
        return False
    return before_role == ADMIN or before_ward != ward_code


@dataclass(frozen=True)
class Access:
    person_id: int
    role: str = CITIZEN
    ward_code: int | None = None  # an officer's commune or ward; None: city-wide
    ward_name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_officer(self) -> bool:
        """Admins and officers, city-wide or scoped."""
        return self.role in (ADMIN, OFFICER)

    @property
    def city_wide(self) -> bool:
        return self.is_admin or (self.role == OFFICER and self.ward_code is None)

    @property
    def scope(self) -> int | None:
        """The ward every query of this officer is limited to; None: no limit."""
        return None if self.city_wide else self.ward_code

    @property
    def own_segment(self) -> str | None:
        """The only audience a ward's officer may write to (their ward); None: any."""
        scope = self.scope
        return f"ward:{scope}" if scope is not None else None

    def may_see_ward(self, ward_code: int | None) -> bool:
        """A city-wide officer sees every ward; a scoped one only their own."""
        return self.is_officer and (self.city_wide or ward_code == self.ward_code)
