from typing import Any

from django.core.management.base import BaseCommand

from wuzha.risk.services import followup_reminders_send


class Command(BaseCommand):
    help = "Email key-person follow-ups due today or overdue (one digest per person per day)."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = followup_reminders_send()
        self.stdout.write(f"follow-up reminders queued: {queued}")
