# Lantai on the embedded default (SQLite): one container, no search server needed. The
# PostgreSQL driver is included, so LANTAI_DATABASE_URL can point nodes at one catalog.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANTAI_DATA_DIR=/var/lib/lantai \
    LANTAI_HOST=0.0.0.0

WORKDIR /opt/lantai
COPY pyproject.toml README.md ./
COPY app ./app
COPY analyzers ./analyzers
COPY catalog ./catalog
COPY config ./config
COPY indexer ./indexer
COPY search ./search
COPY samples ./samples
# The analysis run once as root: the entity model's compiled loops are kept beside the
# installed code (numba's cache), so no container compiles them again.
RUN pip install --no-cache-dir ".[postgres]" \
    && python -c "import analyzers; analyzers.analyze('兰台档案馆藏1949年的报告')" \
    && useradd --system --home-dir /var/lib/lantai --create-home lantai

USER lantai
EXPOSE 8000
VOLUME ["/var/lib/lantai"]
CMD ["gunicorn", "--workers", "2", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "app:create_app()"]
