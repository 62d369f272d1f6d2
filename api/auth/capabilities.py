"""Who may do what: the one table of roles → capabilities.

Every access decision that depends on the role reads this table: the Python checks
(`require_capability`, `CurrentUser.can`, `api/scope.py`), `GET /api/me` (`capabilities`, which the web
app's `can()` reads to offer only what the user may do), and the database's row-level security policies
and SECURITY DEFINER functions, whose role lists are tested against it (tests/security/
test_capabilities_rls.py: behaviourally as each role's demo user, and by reading the role lists of the
policies and functions). A change here that the database does not follow fails that test: change the
policy in its file (api/auth/sql/policies.sql) too.

Scope is separate: a capability says *what kind of thing* a role may do; the beats in the user's scope
(`api/scope.py`, `holomap_scope_beats()`) say *where*.

Roles: of = officer, au = auxiliary, gm = grid_member, sc = station_chief, pl = planner, le = leader,
ad = admin.

capability                of au gm sc pl le ad  what it allows
map.view                  x  x  x  x  .  .  x  the map screen (layers; personal panels need `person.read`)
person.read               x  x  x  x  .  .  .  personal data in scope: lookup, search, 楼盘表, worklist, records
person.reveal             x  x  .  x  .  .  .  a full ID number (reveal with a reason, exports with reveal)
person.register           x  x  .  x  .  .  .  register/correct persons and vehicles (信息采集)
person.register_floating  x  x  x  x  .  .  .  register floating residents (流动人口登记)
organisation.read         x  x  x  x  .  .  .  实有单位 in scope and their employees (identities masked)
organisation.register     x  x  x  x  .  .  .  register/correct organisations and their employees
quality.read              x  x  x  x  x  x  x  the data-quality board: counts and scores (aggregates)
quality.items             x  x  x  x  .  .  .  the records failing a check, in scope (to fix them)
visit.create              x  x  x  x  .  .  .  record a visit (and correct one's own)
dispute.report            x  x  x  x  .  .  .  report a dispute, add parties, correct its details
dispute.record            x  x  x  x  .  .  .  record events: mediation, agreement, return visit, note
dispute.mediate           x  x  x  x  .  .  .  start mediation (open/escalated → mediating)
dispute.resolve           x  x  .  x  .  .  .  every other status change: resolve (化解), close, reopen
dispute.escalate          x  x  .  x  .  .  .  escalate to the next level (上报)
plan.read                 .  .  .  x  x  x  x  published beat plans of the station, their checks and diffs
plan.edit                 .  .  .  x  x  .  .  create, edit, propose and check drafts (and read them)
plan.publish              .  .  .  x  .  .  .  publish a draft (the chief's approval); reassigns households
plan.diff.households      .  .  .  x  .  .  .  the households behind a plan's diff
analytics.read            x  x  .  x  x  x  x  heatmaps, hotspots, per-beat statistics of the own station
analytics.officers        .  .  .  x  .  x  x  officer statistics (visits, disputes, collections vs targets)
dashboard.view            .  .  .  x  x  x  x  the dashboard screen
report.weekly             .  .  .  x  .  x  .  the 研判周报: own station (chief), any station or the bureau (leader)
bureau.read               .  .  .  .  .  x  x  analytics, exports, beat maps of every station
audit.read                .  .  .  .  .  .  x  the audit log
import.run                .  .  .  .  .  .  x  imports of households, residents and boundaries
user.manage               .  .  .  .  .  .  x  accounts: create, change, disable, reset passwords
beat.members.assign       .  .  .  x  .  .  x  beat membership (1+1+N); the chief for the own station
settings.manage           .  .  .  .  .  .  x  settings: which person tags count as key persons (worklist)
offline.pack              x  x  x  x  .  .  .  download the own beats for offline work (masked identities only)
incident.record           x  x  .  x  .  .  .  record a 警情 in an own beat (may issue a near-repeat warning zone)
warning.read              x  x  x  x  .  .  .  near-repeat warning zones touching the own beats (map, 我的任务)
"""
from types import MappingProxyType

from api.auth.models import ROLES

_PERSONAL = ("officer", "auxiliary", "grid_member", "station_chief")
_POLICE = ("officer", "auxiliary", "station_chief")  # the officers of a beat and their chief
_BUREAU = ("leader", "admin")

# capability → roles; read it as a column of the docstring's table
_ROLES_OF: dict[str, tuple[str, ...]] = {
    "map.view": (*_PERSONAL, "admin"),
    "person.read": _PERSONAL,
    "person.reveal": _POLICE,
    "person.register": _POLICE,
    "person.register_floating": _PERSONAL,
    "organisation.read": _PERSONAL,
    "organisation.register": _PERSONAL,
    "quality.read": (*_PERSONAL, "planner", *_BUREAU),
    "quality.items": _PERSONAL,
    "visit.create": _PERSONAL,
    "dispute.report": _PERSONAL,
    "dispute.record": _PERSONAL,
    "dispute.mediate": _PERSONAL,
    "dispute.resolve": _POLICE,
    "dispute.escalate": _POLICE,
    "plan.read": ("planner", "station_chief", *_BUREAU),
    "plan.edit": ("planner", "station_chief"),
    "plan.publish": ("station_chief",),
    "plan.diff.households": ("station_chief",),
    "analytics.read": ("officer", "auxiliary", "station_chief", "planner", *_BUREAU),
    "analytics.officers": ("station_chief", *_BUREAU),
    "dashboard.view": ("station_chief", "planner", *_BUREAU),
    "report.weekly": ("station_chief", "leader"),
    "bureau.read": _BUREAU,
    "incident.record": _POLICE,
    "warning.read": _PERSONAL,
    "audit.read": ("admin",),
    "import.run": ("admin",),
    "user.manage": ("admin",),
    "beat.members.assign": ("station_chief", "admin"),
    "settings.manage": ("admin",),
    "offline.pack": _PERSONAL,
}

ALL_CAPABILITIES: frozenset[str] = frozenset(_ROLES_OF)

# role → capabilities: the table
CAPABILITIES: MappingProxyType[str, frozenset[str]] = MappingProxyType({
    role: frozenset(cap for cap, roles in _ROLES_OF.items() if role in roles) for role in ROLES
})


def capabilities_of(role: str) -> frozenset[str]:
    """The capabilities of a role (none for an unknown role)."""
    return CAPABILITIES.get(role, frozenset())


def roles_with(capability: str) -> tuple[str, ...]:
    """The roles that hold a capability, in the order of `ROLES`; KeyError for an unknown capability."""
    if capability not in ALL_CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}: add it to api/auth/capabilities.py")
    return tuple(role for role in ROLES if capability in CAPABILITIES[role])


def role_can(role: str, capability: str) -> bool:
    """Whether a role holds a capability; KeyError for an unknown capability (a typo must not deny quietly)."""
    if capability not in ALL_CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}: add it to api/auth/capabilities.py")
    return capability in capabilities_of(role)
