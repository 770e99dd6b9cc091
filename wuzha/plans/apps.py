from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "wuzha.plans"
    label = "plans"
    verbose_name = "工作方案与任务"
