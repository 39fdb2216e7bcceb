"""The buttons under a digest: **Shorter**, **More points** and **Quotes**, as Discord components.

Which buttons show, and what a press leads to, is ``bot.core.flow``'s (``buttons``, ``after``).
Here each lives in its ``custom_id`` (the press, the view it applies to, who asked, the reply
language when it is not English, the cached article's key), so it keeps working across restarts
and processes; a press re-renders the digest from the cached article (``interactions.press``), in
the language it was posted in. An English button's ``custom_id`` is what it was before languages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Literal

import discord

from bot.core.flow import MIN_POINTS, Button, Control, View
from bot.core.service import MAX_POINTS
from bot.core.strings import DEFAULT_LANGUAGE, words_for

__all__ = ["DigestButton", "digest_view"]

log = logging.getLogger(__name__)

CUSTOM_ID_MAX = 100  # Discord's limit on a component's custom_id

Action = Literal["s", "m", "q"]
_ACTIONS: dict[Control, Action] = {Control.SHORTER: "s", Control.MORE: "m", Control.QUOTES: "q"}
_CONTROLS: dict[str, Control] = {action: control for control, action in _ACTIONS.items()}


class DigestButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"pr:(?P<action>[smq]):(?P<points>[1-8]):(?P<quotes>[01]):(?P<owner>[0-9]+):"
        r"(?:(?P<language>[a-z]{2}):)?(?P<key>.+)"
    ),
):
    """Shorter / More points / Quotes. The ``custom_id`` holds everything a press needs (the view
    the press applies to, who asked, the reply language, the cached article's key), so no state
    lives in this process."""

    def __init__(
        self,
        action: Action,
        *,
        points: int,
        quotes: bool,
        owner: int,
        key: str,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.action: Action = action
        self.points = points
        self.quotes = quotes
        self.owner = owner
        self.key = key
        self.language = language
        label = self.button.label_in(words_for(language))
        lang = "" if language == DEFAULT_LANGUAGE else f"{language}:"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"pr:{action}:{points}:{int(quotes)}:{owner}:{lang}{key}",
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
            language=match["language"] or DEFAULT_LANGUAGE,
        )

    @property
    def button(self) -> Button:
        return Button(_CONTROLS[self.action], View(self.points, self.quotes))

    def target(self) -> View:
        """The view after this press."""
        return self.button.target

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_chat.bot import PrecisBot  # the client imports this module

        client = interaction.client
        if isinstance(client, PrecisBot):
            await client.press(interaction, self)


def digest_view(
    article_key: str, *, owner: int, buttons: Sequence[Button], language: str = DEFAULT_LANGUAGE
) -> discord.ui.View | None:
    """``buttons`` (``bot.core.flow.buttons``) as a view, labelled in reply ``language``; None when
    there are none, or the key does not fit a ``custom_id``."""
    items = [
        DigestButton(
            _ACTIONS[b.control],
            points=min(MAX_POINTS, max(MIN_POINTS, b.state.points)),  # the custom_id holds one digit
            quotes=b.state.quotes,
            owner=owner,
            key=article_key,
            language=language,
        )
        for b in buttons
    ]
    if not items:
        return None
    if any(len(b.custom_id) > CUSTOM_ID_MAX for b in items):
        log.warning("article key %r is too long for a button's custom_id: no buttons", article_key)
        return None
    view = discord.ui.View(timeout=None)
    for b in items:
        view.add_item(b)
    return view
