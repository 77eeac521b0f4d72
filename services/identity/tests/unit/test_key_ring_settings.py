"""The personal-data key ring in identity's settings."""

import pytest
from pydantic import ValidationError

from educert_common.crypto import key_id_of
from educert_common.settings import PlatformSettings
from identity.config import IdentitySettings
from identity.crypto import secrets_for

VAULT = "s3cr3t-from-vault"


def production(**values: object) -> IdentitySettings:
    platform = PlatformSettings(
        environment="production", internal_token=VAULT, id_number_index_secret=VAULT
    )
    return IdentitySettings(
        platform=platform,
        secret_key=VAULT,
        personal_data_secret=VAULT + "-2",
        face_app_secret=VAULT,
        registry_adapter="disabled",
        captcha_adapter="disabled",
        **values,
    )


def test_production_refuses_a_development_value_among_the_retired_secrets() -> None:
    with pytest.raises(ValidationError, match=r"personal_data_retired_secrets\[1\]"):
        production(personal_data_key_id=2, personal_data_retired_secrets={1: "dev-only-old"})
    assert production(personal_data_key_id=2, personal_data_retired_secrets={1: VAULT})


@pytest.mark.parametrize(
    ("key_id", "retired", "named"),
    [
        (2, {2: "old"}, "also listed"),
        (2, {0: "old"}, "key ids 1-255"),
        (2, {1: ""}, "non-empty"),
    ],
)
def test_a_ring_that_cannot_work_is_refused_at_start(
    key_id: int, retired: dict[int, str], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        IdentitySettings(personal_data_key_id=key_id, personal_data_retired_secrets=retired)


def test_the_ring_encrypts_with_the_current_id_and_reads_the_retired_ones() -> None:
    old = secrets_for(IdentitySettings(personal_data_secret="secret-one"))
    blob = old.personal.encrypt("110105", context="users.id_number")
    new = secrets_for(
        IdentitySettings(
            personal_data_secret="secret-two",
            personal_data_key_id=2,
            personal_data_retired_secrets={1: "secret-one"},
        )
    )

    assert key_id_of(blob) == 1
    assert new.personal.decrypt(blob, context="users.id_number") == "110105"
    assert key_id_of(new.personal.encrypt("x", context="users.id_number")) == 2
