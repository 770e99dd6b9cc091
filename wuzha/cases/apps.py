from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "wuzha.cases"
    label = "cases"
    verbose_name = "案件台账与紧急止付"
