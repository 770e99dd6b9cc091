from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "wuzha.outreach"
    label = "outreach"
    verbose_name = "宣传教育与覆盖"

    def ready(self) -> None:
        from wuzha.core import coverage

        from . import channels

        coverage.register(channels.ACTIVITY_CHANNEL)
        coverage.register(channels.HOME_VISIT_CHANNEL)
