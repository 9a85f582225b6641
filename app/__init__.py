"""信访工作台 core: models, rules and services. Imports no Qt (tests/test_no_qt.py checks)."""

__version__ = "0.1.0"
