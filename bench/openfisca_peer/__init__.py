"""The OpenFisca peer of tsme-2017 and above-scale-2019 (issue 14), a small country package.

- `entities`: the enterprise entity; `variables`: the panel inputs and the vectorised formulas;
  `parameters/`: the policies' thresholds and bands in OpenFisca's YAML; `system`: the
  TaxBenefitSystem that assembles them;
- `run`: read the year's rows of a Parquet panel (pyarrow), simulate, write a CSV shaped like
  `kechuang screen --out R.csv` (`python -m bench.openfisca_peer PANEL YEAR OUT.csv`);
- `compare`: count the verdicts that differ from Kechuang's CSV.

Needs `pip install 'kechuang[bench]'`; nothing under src/ imports it.
"""
