"""Templates are compiled once per process: the cached loader, which Django puts in front of the
filesystem and app loaders when TEMPLATES names no loaders (as config/settings.py does)."""

from django.template import engines

from config import settings as production

CACHED = "django.template.loaders.cached.Loader"


def test_production_names_no_loaders_so_django_caches_compiled_templates():
    [backend] = production.TEMPLATES
    assert "loaders" not in backend["OPTIONS"]
    assert backend["APP_DIRS"] is True
    [(loader, wrapped)] = engines["django"].engine.loaders
    assert loader == CACHED
    assert wrapped == ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]


def test_a_template_is_compiled_once_and_then_served_from_the_cache():
    engine = engines["django"].engine
    first = engine.get_template("ping.html")
    assert engine.get_template("ping.html") is first
