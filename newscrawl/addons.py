"""Add-ons that finish the settings once the command line is known.

Scrapy applies add-ons after ``-s`` options are in, so values derived from other settings
belong here rather than in ``settings.py`` (where they would be computed at import, before
the command line, and ``-s NEWSCRAWL_CONTACT_URL=...`` would have no effect).
"""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, Settings

from newscrawl import __version__

#: The crawler's name and version in its User-Agent.
PRODUCT = f"newscrawl/{__version__}"


def user_agent(contact_url: str) -> str:
    """An honest User-Agent: who we are and where a site owner reads about the crawl."""
    return f"{PRODUCT} (+{contact_url})"


class UserAgentAddon:
    """``USER_AGENT`` from ``NEWSCRAWL_CONTACT_URL``, unless the user set ``USER_AGENT`` themselves."""

    def update_settings(self, settings: Settings) -> None:
        if (settings.getpriority("USER_AGENT") or 0) > SETTINGS_PRIORITIES["default"]:
            return  # set in settings.py, by -s or by a spider: the user's choice stands
        settings.set("USER_AGENT", user_agent(settings["NEWSCRAWL_CONTACT_URL"]), priority="addon")
