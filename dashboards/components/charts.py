"""Charts of the daily consolidation."""

import altair as alt
import pandas as pd


def closing_balance_chart(days: pd.DataFrame) -> alt.Chart:
    # Reais as a float only for the chart's axis; every figure shown as text comes from centavos.
    data = days.assign(saldo_reais=days["closing_balance_minor"] / 100)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("business_date:T", title="Dia", axis=alt.Axis(format="%d/%m")),
            y=alt.Y("saldo_reais:Q", title="Saldo de fechamento (R$)"),
            tooltip=[
                alt.Tooltip("business_date:T", title="Dia", format="%d/%m/%Y"),
                alt.Tooltip("saldo_reais:Q", title="Saldo (R$)", format=",.2f"),
            ],
        )
        .properties(height=320)
    )
    return chart
