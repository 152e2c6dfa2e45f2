# Một Cửa – one command to run, one to test. Works on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= onecua.settings.dev

.PHONY: run install system system-test migrate demo serve test lint check worker messages clean backup restore

# Debian packages a fresh machine lacks (installed when run as root, otherwise the apt-get line to run is printed).
system:
	@bash .ci/system-packages
system-test:
	@bash .ci/system-packages test

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: system $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

# Links printed by the demo and carried by its SMS and e-mail point at the address `make run` serves.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(PY) manage.py load_demo

# Embedded default: SQLite, eager Celery, console e-mail, local private storage. No PostgreSQL or Redis needed.
run: demo
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

# SQLite by default; PostgreSQL when DATABASE_URL is set.
test: install system-test
	DJANGO_SETTINGS_MODULE=onecua.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l en --ignore=.venv

worker: install
	DB_CONN_MAX_AGE=$${DB_CONN_MAX_AGE:-600} $(VENV)/bin/celery -A onecua worker -B --loglevel=INFO

# Backups (docs/operations.md): pg_dump + every object of the private storage, with a SHA-256 manifest, into
# BACKUP (default var/backups/<date-time>); restore only into an empty database and an empty storage.
backup: $(VENV)/.installed
	$(PY) manage.py backup $(if $(BACKUP),--output "$(BACKUP)")

restore: $(VENV)/.installed
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=<backup directory>" >&2; exit 2; }
	$(PY) manage.py restore --input "$(BACKUP)"

clean:
	rm -rf $(VENV) var db.sqlite3
