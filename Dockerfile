# SkillsMatch in production: gunicorn over create_app(), PostgreSQL and Redis outside the image.
#   docker build -t skillsmatch .
#   docker run -p 8000:8000 \
#     -e SKILLSMATCH_SECRET_KEY=... \
#     -e SKILLSMATCH_SQLALCHEMY_DATABASE_URI=postgresql+psycopg://user@db/skillsmatch \
#     -e SKILLSMATCH_RATELIMIT_STORAGE_URI=redis://redis:6379 \
#     skillsmatch
# Load the data once with `docker run ... skillsmatch load-all`.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    OPENBLAS_NUM_THREADS=1 \
    SKILLSMATCH_CACHE_DIR=/app/var/cache

# PyTorch's CPU build first, so that nothing later pulls the CUDA one.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml requirements.lock README.md ./
COPY skillsmatch skillsmatch
COPY ml ml
COPY web web
COPY data data
# Editable, so that data/, web/templates and web/static are read from /app.
RUN pip install -c requirements.lock -e .

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=optional && npm run build \
    && rm -rf node_modules

RUN useradd --create-home skillsmatch && mkdir -p instance var/cache \
    && chown -R skillsmatch instance var
USER skillsmatch
EXPOSE 8000

# Migrations first, then the server; each worker loads the embedding model on first use.
CMD ["sh", "-c", "skillsmatch init-db && exec gunicorn --workers 2 --bind 0.0.0.0:8000 --access-logfile - 'skillsmatch:create_app()'"]
