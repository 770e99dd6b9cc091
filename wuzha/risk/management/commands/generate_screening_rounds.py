from typing import Any

from django.core.management.base import BaseCommand

from wuzha.risk.services import screening_rounds_generate


class Command(BaseCommand):
    help = "Create the current period's screening round for every class, community and village."

    def handle(self, *args: Any, **options: Any) -> None:
        created = screening_rounds_generate()
        self.stdout.write(f"screening rounds created: {created}")
