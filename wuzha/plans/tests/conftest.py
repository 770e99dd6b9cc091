import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files go to a throwaway folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
