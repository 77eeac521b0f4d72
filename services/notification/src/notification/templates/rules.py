"""Pure helpers about templates that other sub-packages use too."""

from collections.abc import Sequence

from notification.templates.models import Template


def choose_templates(templates: Sequence[Template], locale: str) -> dict[str, Template]:
    """Per channel the template in `locale`, the other locale where that one is missing."""
    chosen: dict[str, Template] = {}
    for template in sorted(templates, key=lambda t: t.locale == locale):
        chosen[template.channel] = template  # the wanted locale sorts last and wins
    return chosen
