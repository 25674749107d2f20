import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from hmac import compare_digest

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from knox.crypto import hash_token
from knox.models import AuthToken

from config.celery import enqueue_on_commit
from org.audit import delete_audited, save_audited
from org.inputs import clean_username, in_range, range_message, validate_visible_text
from org.models import ApiKey, CompanyDay, Notification, Role, User

logger = logging.getLogger(__name__)


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(
            {
                "role": [
                    _("Unknown role %(role)r; choose one of: %(roles)s.")
                    % {"role": role, "roles": ", ".join(Role.values)}
                ]
            }
        )


@transaction.atomic
def user_set_role(*, user: User, role: str, head: bool | None = None) -> User:
    """Put the user in one department: the role column and the matching permission group."""
    _check_role(role)
    user.role = role
    if head is not None:
        user.is_head = head
    user.save(update_fields=["role", "is_head"])
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*role_groups.exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
    return user


def _checked(*, username: str, first_name: str, last_name: str) -> str:
    """The normalised username; look-alike usernames and invisible names are refused."""
    errors: dict[str, list[str]] = {}
    try:
        username = clean_username(username)
    except ValidationError as exc:
        errors["username"] = exc.messages
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        try:
            validate_visible_text(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return username


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    head: bool = False,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    _check_role(role)
    username = _checked(username=username, first_name=first_name, last_name=last_name)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("A user with that username already exists.")]})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=True,  # every role has its own (permission-limited) view of the admin
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user_set_role(user=user, role=role, head=head)


def heads_of(role: str) -> list[User]:
    """Active heads of a department, falling back to every active member when it has none."""
    members = User.objects.filter(is_active=True, role=role)
    heads = list(members.filter(is_head=True))
    return heads or list(members)


def managers() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.MANAGEMENT))


# A notification's text: a plain string is stored as given (a person's own words, data); a
# callable is called once per recipient language, inside ``translation.override``, so each
# recipient reads the message in the language they use Tandem in.
Text = str | Callable[[], str]


@dataclass(frozen=True)
class Message:
    recipients: Sequence[User]
    subject: Text
    body: Text = ""
    link: str = ""


def _render(text: Text) -> str:
    return text() if callable(text) else text


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """Create in-app notifications in one insert and have their e-mails sent after commit.

    Each recipient gets the text written in their language (``User.preferred_language``):
    the message's callables are rendered once per language among its recipients.

    The rows are the source of truth: if the broker is down, ``notifications_flush`` sends
    the e-mails later, so nothing is lost.
    """
    from org.tasks import notifications_send_email

    rows = []
    for message in messages:
        by_language: dict[str, list[User]] = defaultdict(list)
        for user in {user.pk: user for user in message.recipients}.values():
            by_language[user.preferred_language].append(user)
        for language, users in by_language.items():
            with translation.override(language):
                subject, body = _render(message.subject), _render(message.body)
            rows += [
                Notification(
                    recipient=user,
                    subject=subject[:200],
                    body=body,
                    link=message.link,
                    send_email=bool(user.email),
                )
                for user in users
            ]
    created = Notification.objects.bulk_create(rows)
    to_email = [n.pk for n in created if n.send_email]
    if to_email:
        enqueue_on_commit(notifications_send_email, to_email)
    return created


def notify(
    *, recipients: Sequence[User], subject: Text, body: Text = "", link: str = ""
) -> list[Notification]:
    return notify_many([Message(recipients, subject, body, link)])


def notification_send_email(*, notification_id: int) -> bool:
    """Send one notification's e-mail exactly once; returns whether this call sent it.

    The row is claimed with a conditional update before sending, so a task delivered twice
    (or racing the flush sweeper) sends at most one e-mail per notification.
    """
    from django.core.mail import send_mail
    from django.utils import timezone

    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, send_email=True, emailed_at__isnull=True
    ).update(emailed_at=now)
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        send_mail(
            subject=notification.subject,
            message=f"{notification.body}\n\n{notification.link}".strip(),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except Exception:
        # Give the row back so the next flush retries it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.warning(
            "e-mail for notification %s failed; will retry", notification_id, exc_info=True
        )
        return False
    return True


def notifications_pending_email_ids(*, limit: int = 500) -> list[int]:
    return list(
        Notification.objects.filter(send_email=True, emailed_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Login tokens and integration API keys ---------------------------------------------------


def token_issue(*, user: User) -> str:
    """A new login token (django-rest-knox): stored as a digest, expiring after
    ``TOKEN_TTL_HOURS``. Returns the token itself, which only the caller ever sees."""
    _, token = AuthToken.objects.create(user=user)
    return token


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


def tokens_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the login tokens past their expiry (one statement); how many went. API keys
    never expire and are not tokens of this kind."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()
    return deleted


def _key_digest(key: str) -> str:
    return hash_token(key)


@transaction.atomic
def api_key_create(*, by: User, name: str, purpose: str) -> tuple[ApiKey, str]:
    """Management creates a key for one purpose; the key is returned once, its digest kept."""
    if not by.has_role(Role.MANAGEMENT):
        raise PermissionDenied(_("Only management creates API keys."))
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Give the key a name of up to 100 characters.")]
    if purpose not in ApiKey.Purpose.values:
        errors["purpose"] = [
            _("Unknown purpose; choose one of: %(purposes)s.")
            % {"purposes": ", ".join(ApiKey.Purpose.values)}
        ]
    if errors:
        raise ValidationError(errors)
    key = ApiKey.PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name,
        purpose=purpose,
        token_key=key[: len(ApiKey.PREFIX) + 8],
        digest=_key_digest(key),
        created_by=by,
    )
    logger.info("API key %s (%s) created by %s", api_key.pk, purpose, by.pk)
    return api_key, key


def api_key_revoke(*, api_key: ApiKey, by: User) -> ApiKey:
    if not by.has_role(Role.MANAGEMENT):
        raise PermissionDenied(_("Only management revokes API keys."))
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db()
    logger.info("API key %s revoked by %s", api_key.pk, by.pk)
    return api_key


def api_key_find(key: str) -> ApiKey | None:
    """The live key matching ``key`` (constant-time digest comparison), else None."""
    digest = _key_digest(key)
    for candidate in ApiKey.objects.filter(
        token_key=key[: len(ApiKey.PREFIX) + 8], revoked_at__isnull=True
    ).select_related("created_by"):
        if compare_digest(candidate.digest, digest):
            return candidate
    return None


# --- The company calendar ----------------------------------------------------------------


def _ensure_management(by: User) -> None:
    if not by.has_role(Role.MANAGEMENT):
        raise PermissionDenied(_("Only management edits the company calendar."))


@transaction.atomic
def company_day_set(*, by: User, day: date | None, kind: str, note: str = "") -> CompanyDay:
    """Mark ``day`` as a company day off or a worked day (replacing what it was), audited.

    Deadlines already set are kept; leads entering the queue from now on read the change.
    """
    _ensure_management(by)
    errors: dict[str, list[str]] = {}
    if day is None:
        errors["date"] = [_("Enter a date.")]
    elif not in_range(day):
        errors["date"] = [range_message()]
    if kind not in CompanyDay.Kind.values:
        errors["kind"] = [
            _("Choose one of: %(kinds)s.")
            % {"kinds": ", ".join(str(label) for label in CompanyDay.Kind.labels)}
        ]
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = [_("Keep the note under 200 characters.")]
    if errors:
        raise ValidationError(errors)
    assert day is not None
    existing = CompanyDay.objects.select_for_update().filter(date=day).first()
    company_day = existing or CompanyDay(date=day)
    company_day.kind, company_day.note = kind, note
    try:
        with transaction.atomic():
            save_audited(company_day, by=by, reason="changed" if existing else "added")
    except IntegrityError:  # another manager set this date meanwhile: the constraint decides
        raise ValidationError(
            {"date": [_("Someone has just set this day; reload the calendar and try again.")]}
        ) from None
    return company_day


def company_day_delete(*, by: User, company_day: CompanyDay) -> None:
    _ensure_management(by)
    delete_audited(company_day, by=by, reason="removed")
