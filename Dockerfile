# The bot as a container image: the dependencies exactly as pinned in requirements.lock
# (hashes checked), the translation catalogs compiled, run by a user without privileges.
# `docker compose up` (compose.yaml) runs it in webhook mode with PostgreSQL; docs/deploy.md.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/bieb
# The lock first: this layer is rebuilt only when the dependencies change.
COPY requirements.lock /tmp/requirements.lock
RUN /opt/bieb/bin/pip install --require-hashes -r /tmp/requirements.lock
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY storage/ storage/
COPY locales/ locales/
COPY facts/ facts/
RUN /opt/bieb/bin/pybabel compile -d locales -D messages \
 && /opt/bieb/bin/pybabel compile -d locales -D staff \
 && /opt/bieb/bin/pip install --no-deps . \
 && /opt/bieb/bin/bieb-bot --help > /dev/null

FROM python:3.11-slim
RUN groupadd --system bieb \
 && useradd --system --gid bieb --home-dir /srv/bieb --create-home --shell /usr/sbin/nologin bieb
COPY --from=build /opt/bieb /opt/bieb
ENV PATH=/opt/bieb/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8080 \
    HEALTH_PORT=8081 \
    MPLCONFIGDIR=/srv/bieb/.matplotlib
USER bieb
# matplotlib's font list (the charts and the yearly report), made once in the image.
RUN python -c "import bot.charts, matplotlib.font_manager"
# Also where a SQLite database would go (data/bot.sqlite3) if DATABASE_URL is not set.
WORKDIR /srv/bieb
EXPOSE 8080 8081
# `bieb-bot health` asks GET /healthz on HEALTH_PORT (the slim image has no curl):
# healthy when the database and Telegram answer.
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["bieb-bot", "health"]
# Applies new migrations, then serves the webhook; stops cleanly on SIGTERM.
CMD ["bieb-bot", "run", "--webhook"]
