"""Benchmarks (`make bench`). Only bench/urls.py is ever loaded by a server, and only by the bench's own
gunicorn (ROOT_URLCONF=bench.urls); nothing here is part of the service."""
