# HUSK web and worker image (the same image runs gunicorn or the task worker).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . .

# Editable install: templates, static files and translations stay beside the code.
RUN pip install -e . \
    && python -m core.translations \
    && SECRET_KEY=image-build DATABASE_URL=postgres://unused/husk \
       python manage.py collectstatic --no-input \
    && useradd --system --home-dir /app husk \
    && mkdir -p /exports \
    && chown -R husk /app/var /exports

USER husk
EXPOSE 8000
CMD ["gunicorn", "husk.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
