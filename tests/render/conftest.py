from __future__ import annotations

from pathlib import Path

import pytest

from communet.inventory import LoadedInventory, load_inventory

from ..conftest import DEMO

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
# Set COMMUNET_UPDATE_GOLDEN=1 to rewrite tests/render/golden/*.cfg from the current renderer
# (then review the diff with git before committing it).
UPDATE_ENV = "COMMUNET_UPDATE_GOLDEN"

FAKE_ENV = {
    "COMMUNET_USERNAME": "opsadmin",
    "COMMUNET_PASSWORD": "Pw-Secret-123",
    "COMMUNET_ENABLE": "En-Secret-456",
}
FAKE_VAULT = {
    "snmp_user": "nocuser",
    "snmp_auth_key": "AuthKey-789",
    "snmp_priv_key": "PrivKey-012",
}
SECRET_VALUES = ("Pw-Secret-123", "En-Secret-456", "AuthKey-789", "PrivKey-012")


@pytest.fixture(scope="session")
def demo() -> LoadedInventory:
    return load_inventory(DEMO)
