"""The buttons under a digest: **Shorter**, **More points** and **Quotes**.

Their state lives in their ``custom_id`` (what is shown now, who asked, the cached article's
key), so they keep working across restarts and processes; a press re-renders the digest from
the cached article (``PrecisBot.press``). A button that would change nothing is left out.
"""

from __future__ import annotations

import logging
import re
from typing import Literal

import discord

from bot.core.service import MAX_POINTS

__all__ = ["POINTS_MAX", "POINTS_MIN", "DigestButton", "digest_view"]

log = logging.getLogger(__name__)

POINTS_MIN, POINTS_MAX = 1, MAX_POINTS
POINTS_STEP = 2  # Shorter / More points change the number of key points by this much
CUSTOM_ID_MAX = 100  # Discord's limit on a component's custom_id

Action = Literal["s", "m", "q"]
_LABELS: dict[str, str] = {"s": "Shorter", "m": "More points", "q": "Quotes"}


class DigestButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pr:(?P<action>[smq]):(?P<points>[1-8]):(?P<quotes>[01]):(?P<owner>[0-9]+):(?P<key>.+)",
):
    """Shorter / More points / Quotes. The ``custom_id`` holds everything a press needs (what is
    shown now, who asked, the cached article's key), so no state lives in this process."""

    def __init__(self, action: Action, *, points: int, quotes: bool, owner: int, key: str) -> None:
        self.action: Action = action
        self.points = points
        self.quotes = quotes
        self.owner = owner
        self.key = key
        label = _LABELS[action]
        if action == "q":
            label = "Hide quotes" if quotes else "Quotes"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"pr:{action}:{points}:{int(quotes)}:{owner}:{key}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> DigestButton:
        return cls(
            match["action"],  # type: ignore[arg-type]
            points=int(match["points"]),
            quotes=match["quotes"] == "1",
            owner=int(match["owner"]),
            key=match["key"],
        )

    def target(self) -> tuple[int, bool]:
        """(points, quotes) after this press."""
        if self.action == "s":
            return max(POINTS_MIN, self.points - POINTS_STEP), self.quotes
        if self.action == "m":
            return min(POINTS_MAX, self.points + POINTS_STEP), self.quotes
        return self.points, not self.quotes

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_chat.bot import PrecisBot  # the client imports this module

        client = interaction.client
        if isinstance(client, PrecisBot):
            await client.press(interaction, self)


def digest_view(
    article_key: str,
    *,
    owner: int,
    points: int,
    quotes: bool,
    asked: int | None = None,
    has_quotes: bool = True,
) -> discord.ui.View | None:
    """The buttons under a digest showing ``points`` key points, each only where a press changes
    something: Shorter above one point; More points below the maximum, and not when the article
    gave fewer than the ``asked`` number (it has no more); Hide quotes only when quotes are shown
    (``has_quotes``). None when no button is left, or the key does not fit a ``custom_id``."""
    points = min(POINTS_MAX, max(POINTS_MIN, points))
    actions: list[Action] = []
    if points > POINTS_MIN:
        actions.append("s")
    if points < POINTS_MAX and (asked is None or points >= asked):
        actions.append("m")
    if not quotes or has_quotes:
        actions.append("q")
    buttons = [DigestButton(a, points=points, quotes=quotes, owner=owner, key=article_key) for a in actions]
    if not buttons:
        return None
    if any(len(b.custom_id) > CUSTOM_ID_MAX for b in buttons):
        log.warning("article key %r is too long for a button's custom_id: no buttons", article_key)
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(b)
    return view
