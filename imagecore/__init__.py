"""Discord-free core of the bot: API client, payloads, errors, scheduling."""
