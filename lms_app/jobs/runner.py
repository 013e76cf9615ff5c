"""Placeholder replaced by the job runner."""


async def run_in_app():
    return None
