from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "wuzha.risk"
    label = "risk"
    verbose_name = "隐患摸排与重点人员"

    def ready(self) -> None:
        from wuzha.core import coverage

        from .channels import SCREENING_CHANNEL

        coverage.register(SCREENING_CHANNEL)
