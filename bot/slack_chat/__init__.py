"""The Slack adapter (slack-bolt, async): Slack events in, digests in threads out.

``build_app`` / ``serve`` wire it; ``digest_message`` is the payload the bot posts
(``precis summarize --format slack`` prints it).
"""

from bot.slack_chat.app import SlackBot, build_app, serve
from bot.slack_chat.render import Controls, digest_message

__all__ = ["Controls", "SlackBot", "build_app", "digest_message", "serve"]
