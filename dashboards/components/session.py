"""The logged-in user of this browser session: the login form, the user, and logging out."""

import psycopg
import streamlit as st

from dashboards.queries.warehouse import dashboard_connection
from dashboards.users import DashboardUser, authenticate, is_current

USER_KEY = "fluxo_user"


def current_user() -> DashboardUser | None:
    """The session's user, as app.py checked it at the start of this run."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, DashboardUser) else None


def checked_user() -> DashboardUser | None:
    """The session's user if still unchanged in the users table, checked on every run (never
    cached): a user an admin removed, or whose role or password they replaced, is logged out at
    their next click rather than keeping the access they had."""
    user = current_user()
    if user is None:
        return None
    with dashboard_connection() as warehouse:
        still_valid = is_current(warehouse, user)
    if not still_valid:
        del st.session_state[USER_KEY]
        return None
    return user


def login_page() -> None:
    st.title("Fluxo")
    st.caption("Entre com o usuário e a senha que o administrador criou para você.")
    with st.form("login"):
        username = st.text_input("Usuário", key="login_username")
        password = st.text_input("Senha", type="password", key="login_password")
        submitted = st.form_submit_button("Entrar")
    if not submitted:
        return
    try:
        # Never cached: each attempt checks the stored hash.
        with dashboard_connection() as warehouse:
            user = authenticate(warehouse, username, password)
    except psycopg.errors.UndefinedTable:
        st.error(
            "O painel ainda não tem usuários: rode `fluxo migrate` e crie um com "
            "`fluxo dashboard users add`."
        )
        return
    if user is None:
        st.error("Usuário ou senha incorretos.")
        return
    st.session_state[USER_KEY] = user
    st.rerun()


def sidebar_user(user: DashboardUser) -> None:
    with st.sidebar:
        st.caption(f"{user.username} · {ROLE_LABELS[user.role]}")
        if st.button("Sair", key="logout"):
            del st.session_state[USER_KEY]
            st.rerun()


ROLE_LABELS = {"finance": "Financeiro", "compliance": "Compliance", "admin": "Administrador"}
