"""Import the settings early so that bad configuration ends in one readable line."""

import importlib
import os
import sys

from config.env import ConfigError


def load_settings_or_exit() -> None:
    try:
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ConfigError as exc:
        sys.exit(f"配置错误 (configuration error): {exc}")
