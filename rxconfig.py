import reflex as rx
from reflex.plugins import RadixThemesPlugin, SitemapPlugin

from lms_app import settings

config = rx.Config(
    app_name="lms_app",
    telemetry_enabled=False,
    db_url=settings.DATABASE_URL,
    redis_url=settings.REDIS_URL or None,
    state_manager_mode="redis" if settings.REDIS_URL else "disk",
    cors_allowed_origins=[settings.PUBLIC_URL],
    trusted_proxy_hops=settings.TRUSTED_PROXY_HOPS,
    show_built_with_reflex=False,
    plugins=[RadixThemesPlugin(theme=rx.theme(appearance="inherit", accent_color="teal", gray_color="slate", radius="medium"))],
    # A sitemap would list private pages to crawlers; the LMS has nothing public to index.
    disable_plugins=[SitemapPlugin],
)
