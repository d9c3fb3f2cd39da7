"""Fluxo dashboards entrypoint: `streamlit run dashboards/app.py`."""

import streamlit as st

st.set_page_config(page_title="Fluxo", page_icon=":material/account_balance:", layout="wide")

pages = [
    st.Page(
        "app_pages/cash_flow.py", title="Fluxo de caixa", icon=":material/show_chart:", default=True
    ),
]
st.navigation(pages).run()
