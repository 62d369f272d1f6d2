# Holomap app image: Python deps + frontend packages from npm (served locally, no CDN).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY frontend/package.json frontend/package-lock.json frontend/
RUN cd frontend && npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY pyproject.toml alembic.ini ./
COPY api api
COPY geo geo
COPY seed seed
COPY migrations migrations
COPY frontend frontend
RUN pip install --no-cache-dir --config-settings editable_mode=compat -e .
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=12 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=2)" || exit 1
CMD ["sh", "-c", "holomap migrate && holomap seed --if-empty && holomap serve --host 0.0.0.0 --port 8000"]
