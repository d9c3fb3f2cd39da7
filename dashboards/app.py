"""Fluxo dashboards entrypoint: `streamlit run dashboards/app.py`. Only the login form until a
user logs in; then the pages that user's role may open (dashboards/roles.py)."""

import streamlit as st

from dashboards.components.empty_state import BUILD_HINT
from dashboards.components.session import checked_user, login_page, sidebar_user
from dashboards.queries.warehouse import MartsNotBuilt
from dashboards.roles import pages_for

st.set_page_config(page_title="Fluxo", page_icon=":material/account_balance:", layout="wide")

user = checked_user()
if user is None:
    st.navigation([st.Page(login_page, title="Entrar", url_path="entrar")], position="hidden").run()
else:
    sidebar_user(user)
    navigation = st.navigation(
        [
            st.Page(page.path, title=page.title, icon=page.icon, url_path=page.url_path)
            for page in pages_for(user.role)
        ]
    )
    try:
        navigation.run()
    except MartsNotBuilt:
        # A partly built warehouse: a later section of the page reads a mart not built yet.
        st.info(f"O warehouse ainda não tem todas as tabelas desta página. {BUILD_HINT}")
