# Pinned to a patch release and a Debian suite, so two builds start from the same image.
# Same Python minor version as the tests run on (see .ci/run).
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/app/data \
    # Health and metrics inside the container; compose publishes them on the host's loopback.
    METRICS_ADDR=0.0.0.0:9108

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. The lock pins every
# transitive package with its hash: the same install on every build.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

RUN useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

# The code belongs to root and is read-only to the bot user; only /app/data is writable.
COPY bot.py ./
COPY config ./config
COPY cogs ./cogs
COPY imagecore ./imagecore
COPY runtime ./runtime
COPY locales ./locales

USER bot
VOLUME ["/app/data"]
EXPOSE 9108

# /healthz is 200 while the bot is connected to Discord and its database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4)"]

# docker stop sends SIGTERM: running images finish within the grace period.
STOPSIGNAL SIGTERM
CMD ["python", "bot.py"]
