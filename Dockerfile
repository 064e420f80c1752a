# civicfutures: `docker build -t civicfutures .` then
# `docker run -p 8000:8000 -e CIVICFUTURES_DATABASE_URL=postgresql://user:pass@db:5432/civicfutures civicfutures`
# Without a database URL it runs on SQLite in the /data volume. Python packages come from
# uv.lock alone (the runtime, without the test group), checked against the lock's hashes.
# /data/exports exists owned by the server's user, so a named volume mounted there (as
# compose.yaml does) starts writable by it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CIVICFUTURES_DATABASE_URL=sqlite:////data/civicfutures.db \
    CIVICFUTURES_LOCALES_DIR=/app/locales \
    CIVICFUTURES_MIGRATIONS_DIR=/app/migrations \
    CIVICFUTURES_EXPORTS_DIR=/data/exports

RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-client graphviz \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 civicfutures \
    && mkdir -p /data/exports && chown -R civicfutures /data

WORKDIR /app
# The same uv as the Makefile's; the lock becomes a hashed requirements file for pip.
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock ./
RUN uv export --frozen --no-default-groups --no-emit-project --format requirements-txt \
        -o /tmp/requirements.txt \
    && pip install --no-cache-dir --require-hashes -r /tmp/requirements.txt \
    && pip uninstall -y -q uv && rm /tmp/requirements.txt
COPY README.md babel.cfg ./
COPY platform ./platform
COPY locales ./locales
COPY migrations ./migrations
RUN pip install --no-cache-dir --no-deps .

USER civicfutures
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live').status != 200)"
CMD ["civicfutures", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
