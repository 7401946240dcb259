# Same Python minor version as the tests run on (see .ci/run).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/app/data

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

COPY --chown=bot:bot bot.py ./
COPY --chown=bot:bot config ./config
COPY --chown=bot:bot cogs ./cogs
COPY --chown=bot:bot imagecore ./imagecore
COPY --chown=bot:bot runtime ./runtime

USER bot
VOLUME ["/app/data"]

CMD ["python", "bot.py"]
