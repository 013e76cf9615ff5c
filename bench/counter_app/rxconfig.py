import reflex as rx
from reflex.plugins import RadixThemesPlugin, SitemapPlugin

# Same plugins as the LMS (Radix themes, no sitemap) so the two builds differ only in the app.
config = rx.Config(
    app_name="counter_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[RadixThemesPlugin(theme=rx.theme(appearance="inherit"))],
    disable_plugins=[SitemapPlugin],
)
