import os
import shutil

import pytest

from wuzha.testing import World, build_world

# A fast hasher, and tasks run inside the request; for every test and for the module-wide demo.
FAST = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
}


@pytest.fixture(autouse=True)
def _rate_limit_clock(monkeypatch):
    """Pin the rate limiter's clock: a burst a test sends must land in one fixed window, not
    straddle a minute boundary and start counting again."""
    from django.utils import timezone

    from wuzha.core import ratelimit

    pinned = timezone.now()
    monkeypatch.setattr(ratelimit, "_clock", lambda: pinned)


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    for name, value in FAST.items():
        setattr(settings, name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(scope="module")
def _demo_seed_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """`seed_demo --scale small` once per test module (it takes seconds); emptied afterwards."""
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    fast = override_settings(**FAST, MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"))
    out = StringIO()
    with fast, django_db_blocker.unblock():
        call_command("seed_demo", "--scale", "small", stdout=out)
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo_world(_demo_seed_module, db) -> str:
    """The small demo world, seeded once per module; each test's changes are rolled back.

    Returns what `seed_demo` printed.
    """
    return _demo_seed_module


def pytest_sessionfinish(session, exitstatus):
    """Under CI (WUZHA_FAIL_ON_SKIP=1) a skipped test fails the run: nothing may silently skip."""
    import os

    if os.environ.get("WUZHA_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        if reporter:
            reporter.write_line(f"FAIL: {len(skipped)} test(s) skipped under CI", red=True)
        session.exitstatus = 1


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def _single_threaded_live_server():
    """Serve the browser tests one request at a time.

    The test database is an in-memory SQLite shared by the server's threads; a page loading its
    thumbnails while a form posts would use that one connection from two threads at once
    ("bad parameter or other API misuse"). Django closes each connection of a non-threaded server.
    """
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialServer(WSGIServer):
        # The server thread itself already uses the shared connections.
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    LiveServerThread.server_class = SerialServer  # type: ignore[assignment]


@pytest.fixture(scope="session")
def browser(_single_threaded_live_server):
    """The system Chromium driven by Playwright (Debian's package; Playwright cannot download)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("未安装 Chromium：apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make around it
    # are still synchronous, so Django's async-safety guard would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page on a phone-sized viewport, with the live server's URL as base."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
