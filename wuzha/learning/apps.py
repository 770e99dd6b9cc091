from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "wuzha.learning"
    label = "learning"
    verbose_name = _("反诈知识")

    def ready(self) -> None:
        from wuzha.core import coverage

        from .coverage import CHANNEL

        coverage.register(CHANNEL)
