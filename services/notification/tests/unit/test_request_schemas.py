"""Request schemas refuse what the service cannot store, so a schema-valid edit never fails."""

import pytest
from pydantic import ValidationError

from notification.templates.schemas import TemplateUpdate


@pytest.mark.parametrize("field", ["body", "sample_data"])
def test_a_template_edit_cannot_remove_the_body_or_the_sample_data(field: str) -> None:
    # A null sample_data used to be stored, and the edited template then failed to serialise (500).
    with pytest.raises(ValidationError):
        TemplateUpdate.model_validate({field: None})
    assert "null" not in str(TemplateUpdate.model_json_schema()["properties"][field])


def test_an_edit_changes_only_the_fields_it_names() -> None:
    update = TemplateUpdate.model_validate({"subject": "Hello"})
    assert update.model_fields_set == {"subject"}
