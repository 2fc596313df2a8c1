"""Browser tests: Playwright driving Debian's Chromium against the live server.

Playwright's sync API runs an asyncio loop in the thread that starts it. Django's
connection handling then sees "async context" in that thread and hands out other
connection objects (losing, among others, what serialized_rollback restores). So the
browser lives in a thread of its own: tests pass it the steps to run, and keep every
ORM call in the test's own thread.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

CHROMIUM = "/usr/bin/chromium"
# Chromium's own connections are refused on this closed network; keep it quiet.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class BrowserThread:
    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="browser")
        self._playwright = None
        self._browser = None

    def _start(self):
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

    def run(self, steps, *, width=1200, height=900, **context_options):
        """Run `steps(page)` in a fresh browser context; return what it returns.
        `context_options` go to Playwright's new_context (bypass_csp=True, say)."""

        def job():
            self._start()
            context = self._browser.new_context(
                locale="zh-CN", viewport={"width": width, "height": height}, **context_options
            )
            try:
                return steps(context.new_page())
            finally:
                context.close()

        return self._executor.submit(job).result(timeout=180)

    def close(self):
        def stop():
            if self._browser is not None:
                self._browser.close()
                self._playwright.stop()

        self._executor.submit(stop).result(timeout=60)
        self._executor.shutdown()


@pytest.fixture(scope="session")
def browser():
    thread = BrowserThread()
    yield thread
    thread.close()


def log_in(page, base_url: str, login: str, password: str):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")  # not the header's elder-mode switch
    page.wait_for_load_state()
    return page
