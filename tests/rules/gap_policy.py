"""A small HNTE-like policy shared by the explanation tests."""

GAP_POLICY = """\
parameters:
  min_st_staff_ratio:
    label: {zh: 科技人员占比下限, en: Minimum S&T staff share}
    unit: ratio
    reference: 第十一条（四）
    values:
      - {from: 2016-01-01, value: 0.10}
  amount:
    label: {zh: 奖励金额, en: Reward}
    unit: yuan
    values:
      - {from: 2016-01-01, value: 300000}
definitions:
  - id: rd_ratio_3y
    label: {zh: 近三年研发费用占比, en: R&D ratio over three years}
    expr: ratio(sum_years(rd_expense, 3), sum_years(revenue, 3))
scores:
  - id: ip_points
    label: {zh: 知识产权, en: IP}
    clause: 工作指引 四（三）1
    max_points: 30
    expr: band(ip_class1 * 7 + ip_class2, [[6, 30], [4, 22], [2, 14], [1, 7]])
  - id: org_points
    label: {zh: 组织管理, en: Organisation}
    max_points: 20
    manual: true
conditions:
  - id: st_staff_share
    label: {zh: 科技人员占比不低于10%, en: S&T staff at least 10%}
    clause: 第十一条（四）
    expr: ratio(st_staff, employees) >= min_st_staff_ratio
  - id: rd_share
    label: {zh: 研发费用占比不低于5%, en: R&D at least 5%}
    clause: 第十一条（五）
    expr: rd_ratio_3y >= 0.05
  - id: no_banned
    kind: attestation
    label: {zh: 不生产禁止类产品, en: No banned products}
    clause: 第六条（二）
  - id: innovation
    kind: manual_review
    label: {zh: 创新能力评价, en: Innovation capability}
    clause: 第十一条（六）
    expr: score + score_manual_max >= 20
benefit:
  label: {zh: 奖励, en: Reward}
  clause: 第三条
  amount: amount
  cap: 500000
  once: ever
"""
