"""Driving the dashboard as a user does in AppTest: log in through the real form, open a page."""

from streamlit.testing.v1 import AppTest

from fluxo.servers import REPO_ROOT

DASHBOARD_APP = str(REPO_ROOT / "dashboards" / "app.py")
TEST_PASSWORD = "senha-de-teste-123"


def log_in(username: str, password: str = TEST_PASSWORD, timeout: float = 60) -> AppTest:
    app = AppTest.from_file(DASHBOARD_APP, default_timeout=timeout).run()
    assert not app.exception, app.exception
    app.text_input(key="login_username").input(username)
    app.text_input(key="login_password").input(password)
    app.button[0].click().run()  # the form's submit button, "Entrar"
    assert not app.exception, app.exception
    return app


def open_page(app: AppTest, page: str) -> AppTest:
    """`page` as in dashboards/roles.py, e.g. "app_pages/compliance.py"."""
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def titles(app: AppTest) -> list[str]:
    return [title.value for title in app.title]
