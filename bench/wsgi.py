"""WSGI entry point that honours DJANGO_SETTINGS_MODULE, for the benchmark's three servers."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
