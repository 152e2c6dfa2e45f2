# Production image: gunicorn serving onecua.wsgi; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=onecua.settings.prod
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt -e .
COPY . .
# Build-time values only: the production settings refuse a short secret key or no https PUBLIC_BASE_URL.
RUN export DJANGO_SECRET_KEY="build-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        DJANGO_ALLOWED_HOSTS=localhost PUBLIC_BASE_URL=https://build.invalid CACHE_URL=redis://build.invalid:6379/0 \
    && python manage.py collectstatic --noinput && python manage.py compilemessages --ignore=.venv
EXPOSE 8000
# onecua/gunicorn.conf.py: the access log goes through the filter that masks tokens and personal data.
CMD ["gunicorn", "onecua.wsgi:application", "--config", "onecua/gunicorn.conf.py", "--bind", "0.0.0.0:8000", \
     "--workers", "3"]
