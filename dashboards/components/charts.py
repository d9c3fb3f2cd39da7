"""Charts shared by the pages. Reais become floats only for an axis; every figure shown as text
comes from centavos."""

import altair as alt
import pandas as pd

# Vega formats numbers the US way; the axes show 1.234.567 as Brazilians write it.
BRAZILIAN_THOUSANDS = "replace(format(datum.value, ',.0f'), regexp(',', 'g'), '.')"
# One tick a day at most, labelled dd/mm (the default puts ticks at noon too).
DAYS_AXIS = alt.Axis(format="%d/%m", tickCount={"interval": "day", "step": 1})


def closing_balance_chart(days: pd.DataFrame) -> alt.Chart:
    data = days.assign(saldo_reais=days["closing_balance_minor"] / 100)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("business_date:T", title="Dia", axis=DAYS_AXIS),
            y=alt.Y(
                "saldo_reais:Q",
                title="Saldo de fechamento (R$)",
                axis=alt.Axis(labelExpr=BRAZILIAN_THOUSANDS),
            ),
            tooltip=[
                alt.Tooltip("business_date:T", title="Dia", format="%d/%m/%Y"),
                alt.Tooltip("saldo_reais:Q", title="Saldo (R$)", format=",.2f"),
            ],
        )
        .properties(height=320)
    )
    return chart


def credits_debits_chart(days: pd.DataFrame) -> alt.Chart:
    data = pd.concat(
        [
            pd.DataFrame(
                {
                    "business_date": days["business_date"],
                    "tipo": "Entradas",
                    "reais": days["credits_minor"] / 100,
                }
            ),
            pd.DataFrame(
                {
                    "business_date": days["business_date"],
                    "tipo": "Saídas",
                    "reais": days["debits_minor"] / 100,
                }
            ),
        ]
    )
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            # Days as categories, so each day's pair of bars has the day's width.
            x=alt.X(
                "yearmonthdate(business_date):O",
                title="Dia",
                axis=alt.Axis(labelExpr="timeFormat(datum.value, '%d/%m')", labelAngle=0),
            ),
            xOffset="tipo:N",
            y=alt.Y("reais:Q", title="R$", axis=alt.Axis(labelExpr=BRAZILIAN_THOUSANDS)),
            color=alt.Color(
                "tipo:N",
                title=None,
                scale=alt.Scale(domain=["Entradas", "Saídas"], range=["#2e7d32", "#c62828"]),
            ),
            tooltip=[
                alt.Tooltip("business_date:T", title="Dia", format="%d/%m/%Y"),
                alt.Tooltip("tipo:N", title="Tipo"),
                alt.Tooltip("reais:Q", title="R$", format=",.2f"),
            ],
        )
        .properties(height=280)
    )
    return chart


def match_rate_chart(days: pd.DataFrame) -> alt.Chart:
    data = days.assign(taxa=days["matched_items"] / days["items"])
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("business_date:T", title="Dia", axis=DAYS_AXIS),
            y=alt.Y("taxa:Q", title="Taxa de conciliação", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("business_date:T", title="Dia", format="%d/%m/%Y"),
                alt.Tooltip("taxa:Q", title="Conciliados", format=".1%"),
                alt.Tooltip("items:Q", title="Itens"),
            ],
        )
        .properties(height=260)
    )
    return chart


def count_bars(counts: pd.DataFrame, category: str, title: str) -> alt.Chart:
    """Bars of `count` per `category` (a column of `counts`)."""
    chart: alt.Chart = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title="Quantidade", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y(f"{category}:N", title=title, sort="-x"),
            tooltip=[alt.Tooltip(f"{category}:N", title=title), alt.Tooltip("count:Q")],
        )
        .properties(height=alt.Step(28))
    )
    return chart
