"""Exit 0 when the test PostgreSQL answers (HOSTICO_TEST_POSTGRES_URL or 127.0.0.1:5432), else 1."""

import os
import sys

try:
    import psycopg
except ImportError:  # pragma: no cover
    sys.exit(1)

url = os.environ.get("HOSTICO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
try:
    psycopg.connect(url.replace("+psycopg", ""), connect_timeout=2).close()
except Exception:
    sys.exit(1)
sys.exit(0)
