"""The peer's TaxBenefitSystem: the enterprise entity, the variables and the YAML parameters."""

from __future__ import annotations

from pathlib import Path

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from bench.openfisca_peer.entities import entities
from bench.openfisca_peer.variables import formula_variables, input_variables

PARAMETERS = Path(__file__).parent / "parameters"


class KechuangPeer(TaxBenefitSystem):
    """tsme-2017 and above-scale-2019 as an OpenFisca country package."""

    def __init__(self) -> None:
        super().__init__(entities)
        for variable in (*input_variables, *formula_variables):
            self.add_variable(variable)
        self.load_parameters(str(PARAMETERS))
