"""The smallest Reflex app with a server round trip: the baseline of the foundation bench."""

import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading(CounterState.count, id="count"),
            rx.button("Increment", on_click=CounterState.increment, id="increment"),
            align="center",
        ),
        padding="4em",
    )


app = rx.App()
app.add_page(index, route="/")
