"""What each role's permission group may do in the admin (Django model permissions).

The groups are created by a data migration; their permissions are (re)applied after every
``migrate`` because a model's permissions exist only once its app has been migrated.
"""

from django.apps import apps as global_apps
from django.db.models import Q

from org.models import Role

# app_label -> {role: actions}; "view" alone means read-only in the admin.
_ALL = ("view", "add", "change", "delete")
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "leads": {
        "channel": {Role.MARKETING: _ALL, Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "campaign": {Role.MARKETING: _ALL, Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "webform": {Role.MARKETING: _ALL, Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "disqualificationreason": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: _ALL,
        },
        "lead": {
            Role.MARKETING: ("view", "add"),
            Role.SALES: ("view", "change"),
            Role.MANAGEMENT: _ALL,
        },
        "leaddefinition": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view",),
        },
        "touch": {Role.MARKETING: ("view",), Role.SALES: ("view", "add"), Role.MANAGEMENT: _ALL},
        "slapolicy": {Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "escalation": {Role.SALES: ("view",), Role.MANAGEMENT: ("view",)},
        # who receives round-robin leads, in which segments and regions, up to what capacity:
        # management configures it; salespeople see how the work is shared
        "salesprofile": {Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        # Written by the application only (trainings, flags, CSV imports): read-only.
        "scoringmodel": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view",),
        },
        "scoringflag": {Role.MARKETING: ("view",), Role.MANAGEMENT: ("view",)},
        "importjob": {Role.MANAGEMENT: ("view",)},
    },
    "deals": {
        "deal": {Role.MARKETING: ("view",), Role.SALES: ("view", "change"), Role.MANAGEMENT: _ALL},
        "dealstage": {Role.MARKETING: ("view",), Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "lostreason": {Role.MARKETING: ("view",), Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "payment": {Role.MARKETING: ("view",), Role.SALES: ("view", "add"), Role.MANAGEMENT: _ALL},
        "stageapproval": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view",),
        },
    },
    "feedback": {
        "feedbacktag": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "add", "change"),  # retired by switching off, not deleted
        },
        "leadfeedback": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "change", "delete"),
        },
        "dispute": {Role.MARKETING: ("view",), Role.SALES: ("view",), Role.MANAGEMENT: ("view",)},
        "objection": {
            Role.MARKETING: ("view", "add", "change"),  # archived, so its history stays
            Role.SALES: ("view", "add"),
            Role.MANAGEMENT: _ALL,
        },
        "objectionanswer": {
            Role.MARKETING: ("view", "change"),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "change", "delete"),
        },
        "objectionheard": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "delete"),
        },
        "reviewmeeting": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "change"),
        },
        "actionitem": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "change"),
        },
        "brief": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "change"),
        },
    },
    "kpi": {
        # Periods are edited through the service; a period is never deleted (its statements
        # stay). Ratings and statements are read-only in the admin for everyone.
        "period": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "add", "change"),
        },
        "attainmentstep": {Role.MANAGEMENT: ("view", "add", "change", "delete")},
        "rating": {Role.MANAGEMENT: ("view",)},
        "statement": {Role.MANAGEMENT: ("view",)},
        "statementline": {Role.MANAGEMENT: ("view",)},
    },
    "org": {
        "user": {Role.MANAGEMENT: _ALL},
        "notification": {Role.MANAGEMENT: ("view",)},
        "funnelstage": {Role.MARKETING: ("view",), Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "responsibility": {
            Role.MARKETING: ("view",),
            Role.SALES: ("view",),
            Role.MANAGEMENT: ("view", "change"),
        },
        "handoff": {Role.MARKETING: ("view",), Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "reportingline": {Role.MARKETING: ("view",), Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
        "apikey": {Role.MANAGEMENT: ("view", "add", "change")},  # change = revoke
        "companyday": {Role.MARKETING: ("view",), Role.SALES: ("view",), Role.MANAGEMENT: _ALL},
    },
    "knox": {"authtoken": {Role.MANAGEMENT: ("view", "delete")}},  # delete = log out
    "axes": {"accessattempt": {Role.MANAGEMENT: ("view", "delete")}},  # delete = lift a lockout
}


def sync_role_permissions(apps=global_apps, using: str = "default") -> None:
    """Give each role group exactly the permissions declared above (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in Role.values:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = Q(pk__in=[])
        for app_label, models in ROLE_PERMISSIONS.items():
            for model, by_role in models.items():
                for action in by_role.get(role, ()):
                    wanted |= Q(content_type__app_label=app_label, codename=f"{action}_{model}")
        group.permissions.set(Permission.objects.using(using).filter(wanted))
