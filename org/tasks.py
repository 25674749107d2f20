from celery import shared_task

from org import services


@shared_task(name="org.tasks.notifications_send_email", ignore_result=True)
def notifications_send_email(notification_ids: list[int]) -> int:
    """Messenger: send the e-mail copies of freshly created notifications (safe to run twice)."""
    return sum(services.notification_send_email(notification_id=pk) for pk in notification_ids)


@shared_task(name="org.tasks.expired_tokens_sweep", ignore_result=True)
def expired_tokens_sweep() -> int:
    """Sweeper: delete expired login tokens (each request checks only its own)."""
    return services.tokens_delete_expired()


@shared_task(name="org.tasks.notifications_flush", ignore_result=True)
def notifications_flush() -> int:
    """Sweeper: send e-mails whose task was never delivered (broker down, worker died)."""
    return notifications_send_email(services.notifications_pending_email_ids())
