import pytest

from wuzha.checker.model import get_model


@pytest.fixture(scope="session", autouse=True)
def _checker_model():
    """Load the shipped model once for the whole session."""
    get_model()
