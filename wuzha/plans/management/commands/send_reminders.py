from typing import Any

from django.core.management.base import BaseCommand

from wuzha.plans.services import reminders_send


class Command(BaseCommand):
    help = "Queue today's duty reminders (email, WeCom, DingTalk) and deliver due notifications."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = reminders_send()
        self.stdout.write(f"reminders queued: email={queued['email']} robot={queued['robot']}")
