"""Fixtures for the e-Factura transport: a fake ANAF over HTTP and the app pointed at it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from hostico.db import db
from tests.efactura.fake_anaf import FakeAnaf


@pytest.fixture
def anaf():
    server = FakeAnaf().start()
    yield server
    server.stop()


@pytest.fixture
def anaf_config(app, anaf):
    """The app in `test` mode against the fake ANAF, bootstrapped with a refresh token."""
    app.config.update(
        EFACTURA="test", ANAF_API_URL=anaf.url, ANAF_OAUTH_URL=anaf.url + "/anaf-oauth2/v1",
        ANAF_CLIENT_ID=anaf.client_id, ANAF_CLIENT_SECRET=anaf.client_secret,
        ANAF_REFRESH_TOKEN="bootstrap-refresh", ANAF_TIMEOUT=2.0, EFACTURA_RETRY_BASE_SECONDS=60,
        EFACTURA_RECHECK_MINUTES=30,
    )
    return app.config


@pytest.fixture
def session_factory(app):
    return lambda: Session(bind=db.engine, expire_on_commit=False)
