from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wuzha.core"
    label = "core"
    verbose_name = "核心"
