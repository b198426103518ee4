"""kechuang.finance: risk-shared tech loans, guarantees, compensation and the fund of funds.

Products are data (finance/products/*.yaml) with an admission rule in the policy language; a
loan runs through a state machine (lifecycle) and every money movement is a ledger entry with
an idempotency key (books). Amounts are integer fen; rates and shares are Decimal.
"""
