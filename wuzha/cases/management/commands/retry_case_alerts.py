from typing import Any

from django.core.management.base import BaseCommand

from wuzha.cases.services import case_alerts_retry_due


class Command(BaseCommand):
    help = "Retry emergency-case alerts (email, robots, SMS) whose next attempt is due."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = case_alerts_retry_due()
        self.stdout.write(f"case alerts sent: {sent}")
