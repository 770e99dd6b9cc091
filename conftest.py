import pytest

from wuzha.testing import World, build_world


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db) -> World:
    return build_world()


def pytest_sessionfinish(session, exitstatus):
    """Under CI (WUZHA_FAIL_ON_SKIP=1) a skipped test fails the run: nothing may silently not run."""
    import os

    if os.environ.get("WUZHA_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        if reporter:
            reporter.write_line(f"FAIL: {len(skipped)} test(s) skipped under CI", red=True)
        session.exitstatus = 1
