"""Engine code that runs inside PostgreSQL (PL/Python), importable and unit-testable outside it.

SQL functions in sql/ are thin shims that import from this package.
"""

__version__ = "0.1.0"
