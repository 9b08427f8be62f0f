"""hrdpg: a Postgres-native modeling engine for horse racing."""

__version__ = "0.1.0"
