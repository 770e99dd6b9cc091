from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "wuzha.stats"
    label = "stats"
    verbose_name = "统计、排名与简报"
