from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "wuzha.notices"
    label = "notices"
    verbose_name = "家校告知与回执"

    def ready(self) -> None:
        from wuzha.core import coverage

        from .coverage import APP_CHANNEL, CHANNEL

        coverage.register(CHANNEL)
        coverage.register(APP_CHANNEL)
