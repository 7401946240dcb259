"""The rules a request must pass before anything is queued or paid for: a server's
settings merged with the bot's defaults, channels, roles, blocked words, budgets, sizes."""
