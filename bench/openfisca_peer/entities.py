"""The one entity of the peer: an enterprise (OpenFisca needs a 'person' entity; this is it)."""

from __future__ import annotations

from openfisca_core.entities import build_entity

Enterprise = build_entity(
    key="enterprise",
    plural="enterprises",
    label="An enterprise of the panel, one row per enterprise for the evaluation year",
    is_person=True,
)

entities = [Enterprise]
