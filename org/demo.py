"""Demo users, one per role and department head. Passwords are published in README.md."""

from org.models import Role, User
from org.services import user_create, user_set_role

DEMO_PASSWORD = "tandem-demo"  # noqa: S105 - published demo credentials, DEBUG only

DEMO_USERS = [
    # username, first name, last name, role, head
    ("manager", "Olga", "Smirnova", Role.MANAGEMENT, True),
    ("mhead", "Maria", "Ivanova", Role.MARKETING, True),
    ("marketer", "Pavel", "Kuznetsov", Role.MARKETING, False),
    ("shead", "Sergey", "Volkov", Role.SALES, True),
    ("sales1", "Anna", "Petrova", Role.SALES, False),
    ("sales2", "Dmitry", "Sokolov", Role.SALES, False),
    ("sales3", "Elena", "Morozova", Role.SALES, False),
]


def seed() -> str:
    created = 0
    for username, first, last, role, head in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                head=head,
                email=f"{username}@example.com",
                first_name=first,
                last_name=last,
            )
            created += 1
        else:
            user_set_role(user=user, role=role, head=head)
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD)
        created += 1
    return f"{created} demo users created ({len(DEMO_USERS) + 1} in all)"
