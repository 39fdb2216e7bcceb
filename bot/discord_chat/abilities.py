"""What the bot may do in a Discord channel, read from its permissions before any work.

The digest goes in a thread on the message (the thread it already has, if any), else as a reply
(with ``reference`` only given Read Message History), as plain text without Embed Links; with
no way to post, the message gets a ❌ reaction at most.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

__all__ = ["EVERYTHING", "REQUIRED_PERMISSIONS", "Abilities", "abilities", "interaction_abilities"]

REQUIRED_PERMISSIONS = discord.Permissions(
    send_messages=True,
    create_public_threads=True,
    send_messages_in_threads=True,
    embed_links=True,
    add_reactions=True,
    read_message_history=True,
)
"""What the invite asks for, and nothing more (value 309237729344)."""


@dataclass(frozen=True, slots=True)
class Abilities:
    """What the bot may do in one channel, read from its permissions before any work."""

    send: bool
    """Post in the channel itself (a reply, a notice); in a thread, post in that thread."""
    thread: bool
    """Open a thread on a message and post in it."""
    embed: bool
    """Embeds (else the digest is plain text)."""
    history: bool
    """Reply with a ``reference`` to the message (Discord refuses one without Read Message History)."""
    react: bool
    """Put ⏳ and ❌ on the message."""

    @property
    def answer(self) -> bool:
        return self.send or self.thread


EVERYTHING = Abilities(send=True, thread=False, embed=True, history=True, react=True)
"""In a DM (and wherever permissions cannot be read): no threads, everything else."""


def abilities(channel: object, me: discord.Member | None) -> Abilities:
    """What ``me`` may do in ``channel``."""
    if me is None or not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return EVERYTHING
    perms = channel.permissions_for(me)
    react = perms.add_reactions and perms.read_message_history
    if isinstance(channel, discord.Thread):
        send = perms.send_messages_in_threads and not (channel.locked or channel.archived)
        return Abilities(send, False, perms.embed_links, perms.read_message_history, react)
    thread = (
        isinstance(channel, discord.TextChannel)
        and perms.create_public_threads
        and perms.send_messages_in_threads
    )
    return Abilities(perms.send_messages, thread, perms.embed_links, perms.read_message_history, react)


def interaction_abilities(interaction: discord.Interaction) -> Abilities:
    """For a command's digests: the app's permissions in the channel (its followups need none)."""
    if interaction.guild is None:
        return EVERYTHING
    perms = interaction.app_permissions
    thread = perms.create_public_threads and perms.send_messages_in_threads
    return Abilities(True, thread, perms.embed_links, perms.read_message_history, False)
