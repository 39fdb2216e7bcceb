"""Interactions in, answers out: the flow glue for ``/summarize``, the message menu and the
buttons under a digest.

Commands and the menu think privately (``defer(ephemeral=True)``), so their errors and notices
reach only the person who asked, and the channel sees only digests (in a thread on a public
"Summary of ... for @user" when the app may open one). A button re-renders the digest from the
cached article, in place. Each request has a deadline (``ChatFlow.deadline_s``, well inside the
15 minutes of an interaction's token): past it the person gets "took too long", never an endless
"thinking…".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.core.flow import may_change, split_new
from bot.core.service import DigestRequest, Requester, queue_notice
from bot.core.types import Source
from bot.discord_chat.abilities import interaction_abilities
from bot.discord_chat.buttons import DigestButton
from bot.discord_chat.messages import home_channel_id
from bot.discord_chat.render import intro_payload, notice_payload, notices_payload, send_kwargs
from bot.discord_chat.replies import (
    PLATFORM,
    Poster,
    Send,
    notice,
    rendered,
    sender,
    thread_name_for,
    user_message,
)

if TYPE_CHECKING:
    from bot.discord_chat.bot import PrecisBot

__all__ = ["DONE_TEXT", "answer_error", "press", "requester", "summarize_interaction"]

log = logging.getLogger(__name__)

DONE_TEXT = "Done: the summary is below, for everyone here."
"""What the private "thinking…" of a command becomes when every link got its digest."""
NOT_YOURS_TEXT = "Only the person who asked can change this digest: ask for your own with /summarize."


def requester(interaction: discord.Interaction) -> Requester:
    return Requester(
        PLATFORM,
        str(interaction.guild_id) if interaction.guild_id else None,
        str(home_channel_id(interaction.channel, interaction.channel_id)),
        str(interaction.user.id),
    )


async def summarize_interaction(
    bot: PrecisBot,
    interaction: discord.Interaction,
    sources: Sequence[Source],
    *,
    points: int | None,
    quotes: bool | None,
) -> None:
    """Slash command and message menu: think privately at once, then answer once (then the thread)."""
    # Private: what goes wrong is for the person who asked, and the first answer after a defer
    # keeps the defer's visibility. The digests go public once that answer is given.
    await interaction.response.defer(ephemeral=True, thinking=True)
    asker = requester(interaction)
    channel_settings = await bot.service.get_settings(asker.platform, asker.workspace, asker.channel)
    requests = [DigestRequest(s, asker, points=points, quotes=quotes) for s in sources]

    async def tell_wait(seconds: float) -> None:  # in the private "thinking…", replaced below
        told = notices_payload([queue_notice(seconds)])
        await interaction.edit_original_response(**send_kwargs(told, None))

    outcomes = await bot.flow.prepare_all(requests, channel_settings, on_wait=tell_wait)
    digests, rest = split_new(outcomes)
    private = notices_payload([notice(o) for o in rest] or [DONE_TEXT])
    await interaction.edit_original_response(**send_kwargs(private, None))
    if not digests:
        return
    language = await bot.service.reply_language(asker.platform, asker.workspace)

    async def followup(payload: dict[str, Any], view: discord.ui.View | None) -> discord.Message:
        return await interaction.followup.send(**send_kwargs(payload, view), wait=True)

    channel = interaction.channel
    can = interaction_abilities(interaction)
    send: Send = followup
    embed = True
    if interaction.guild is not None and isinstance(channel, discord.TextChannel) and can.thread:
        first = digests[0].result
        assert first is not None
        intro = intro_payload(
            first.digest.article.meta.title, interaction.user.id, more=len(digests) - 1, language=language
        )
        top = await followup(intro, None)
        try:
            thread = await channel.create_thread(name=thread_name_for(digests, language), message=top)
            send, embed = sender(thread, need="Send Messages in Threads"), can.embed
        except discord.HTTPException as exc:
            log.warning("could not open a thread on message %s: %s", top.id, exc)
    await bot.flow.deliver(digests, Poster(send, owner=interaction.user.id, embed=embed, language=language))


async def press(bot: PrecisBot, interaction: discord.Interaction, button: DigestButton) -> None:
    """Shorter / More points / Quotes: re-render from the cached article, edit in place, in the
    language the digest was posted in (the button's)."""
    try:
        anyone = bot.settings.buttons_for_anyone
        if not may_change(str(interaction.user.id), str(button.owner), anyone=anyone):
            await interaction.response.send_message(
                **send_kwargs(notice_payload(NOT_YOURS_TEXT), None), ephemeral=True
            )
            return
        await interaction.response.defer()
        shown = await bot.flow.rerender(button.key, requester(interaction), button.target())
        embed = interaction.message is None or bool(interaction.message.embeds)
        payload, view = rendered(shown, owner=button.owner, embed=embed, language=button.language)
        kwargs = send_kwargs(payload, view)
        kwargs.setdefault("view", None)
        kwargs.setdefault("embeds", [])
        await interaction.edit_original_response(**kwargs)
    except Exception as exc:
        await answer_error(interaction, exc)


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Every interaction error ends here: the user always gets an answer, only them."""
    payload = notice_payload(user_message(error))
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**send_kwargs(payload, None), ephemeral=True)
        else:
            await interaction.response.send_message(**send_kwargs(payload, None), ephemeral=True)
    except discord.HTTPException:
        log.exception("could not tell the user about an error")
