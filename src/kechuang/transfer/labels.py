"""How the transfer forms and pages name things for people (zh, en), in kechuang.http.labels.

`field`: the label of each input of the transfer steps (the forms made from transfer.steps);
`choice`: the options of their select boxes (result kinds, deal kinds, income kinds, agreement
kinds, pricing methods). The states and the other codes the pages show are in the kit's registry.
"""

from __future__ import annotations

from kechuang.http import labels

_B = "（万分比，10000 = 100%）"
_BE = " (basis points, 10000 = 100%)"

labels.register("field", {
    "kind": ("类型", "Kind"), "title_zh": ("中文名称", "Title (Chinese)"),
    "title_en": ("英文名称", "Title (English)"), "abstract_zh": ("中文摘要", "Abstract (Chinese)"),
    "abstract_en": ("英文摘要（跨境挂牌）", "Abstract (English, cross-border listing)"),
    "keywords": ("关键词", "Keywords"),
    "application_number": ("专利申请号（如 2023 1 0123456.X）", "CN application number"),
    "ipc_codes": ("IPC 分类号（以;分隔，如 G06T 7/00）", "IPC codes (';'-separated)"),
    "industry_code": ("行业代码（GB/T 4754）", "Industry code (GB/T 4754)"),
    "disclosed_on": ("披露日期", "Disclosed on"),
    "inventors": ("完成人（姓名:贡献比例%[:main]，以;分隔，合计100%）",
                  "Inventors (name:share%[:main], ';'-separated, adding to 100%)"),
    "listed": ("公开挂牌", "Publish to the listing"),
    "licence_bp": ("许可收入完成人比例" + _B, "Inventors' share of licence income" + _BE),
    "transfer_bp": ("转让收入完成人比例" + _B, "Inventors' share of transfer income" + _BE),
    "equity_bp": ("作价投资完成人比例" + _B, "Inventors' share of equity" + _BE),
    "operating_profit_bp": ("自行实施营业利润比例" + _B, "Share of operating profit" + _BE),
    "main_contributors_bp": ("主要贡献人所得比例" + _B, "Main contributors' part" + _BE),
    "note": ("说明", "Note"), "pricing_method": ("定价方式", "Pricing method"),
    "notice_days": ("公示天数", "Days of public notice"), "venue": ("交易场所", "Venue"),
    "collective_decision": ("已经集体决策", "Decided collectively"),
    "conflict_of_interest_declared": ("已申报利益冲突", "Conflicts of interest declared"),
    "security_review": ("已完成保密审查", "Security review done"),
    "inventors_consent": ("全体完成人同意", "All inventors consent"),
    "inventor_ownership_bp": ("完成人所有权比例" + _B, "Inventors' ownership" + _BE),
    "term_years": ("使用权年限", "Term (years)"),
    "decision_rights": ("转化决策权约定", "Decision rights"), "costs": ("费用承担约定", "Costs"),
    "agreed_on": ("协议签订日期", "Agreed on"),
    "registration_number": ("权属变更登记号", "Registration number"),
    "registered_on": ("登记日期", "Registered on"), "reason": ("理由", "Reason"),
    "counterparty_name": ("受让/被许可方", "Counterparty"),
    "counterparty_uscc": ("对方统一社会信用代码", "Counterparty USCC"),
    "counterparty_country": ("对方国家/地区（ISO 两位代码）", "Counterparty country (ISO)"),
    "exclusive": ("独占许可", "Exclusive"), "territory": ("地域范围", "Territory"),
    "currency": ("币种（ISO 4217）", "Currency (ISO 4217)"),
    "fx_rate": ("当日汇率（每单位外币折人民币）", "Rate of the day (CNY per unit)"),
    "contract_amount_minor": ("合同金额（最小货币单位，人民币为分）",
                              "Contract amount (minor units: fen for CNY)"),
    "upfront_minor": ("入门费（最小货币单位）", "Upfront fee (minor units)"),
    "milestones": ("里程碑（JSON：[{\"name\":…,\"amount_minor\":…}]）", "Milestones (JSON)"),
    "royalty_bp": ("提成比例" + _B, "Royalty" + _BE), "signed_on": ("签订日期", "Signed on"),
    "company_uscc": ("新设公司统一社会信用代码", "New company's USCC"),
    "company_name": ("新设公司名称", "New company's name"),
    "company_founded_on": ("公司设立日期", "Company founded on"), "shares": ("股份数", "Shares"),
    "reward_years": ("奖励年限", "Reward years"),
    "licence_number": ("出口许可证号", "Export licence number"),
    "receipt": ("收款凭证号", "Receipt"), "received_on": ("到账日期", "Received on"),
    "amount_minor": ("金额（最小货币单位，人民币为分）", "Amount (minor units: fen for CNY)"),
    "costs_fen": ("可扣除成本", "Deductible costs"), "year_index": ("实施第几年", "Year of use"),
    "round_name": ("融资轮次", "Round"), "amount_fen": ("金额", "Amount"),
    "raised_on": ("融资日期", "Raised on"), "description_zh": ("需求描述", "Description"),
    "description_en": ("英文描述", "Description (English)"), "budget_fen": ("预算", "Budget"),
    "problem_zh": ("榜单问题", "The problem"), "deadline": ("截止日期", "Deadline"),
    "team_name": ("团队名称", "Team"), "proposal_zh": ("解决方案", "Proposal"),
    "asked_fen": ("报价", "Price asked"), "score": ("评分（0-100）", "Score (0-100)"),
    "comment": ("评语", "Comment"), "answer_id": ("中榜方案编号", "Winning answer id"),
    "institution": ("单位代码", "Institution code"), "name_zh": ("中文名称", "Name (Chinese)"),
    "name_en": ("英文名称", "Name (English)"), "since_year": ("试点起始年度", "Pilot since"),
    "name": ("姓名", "Name"), "share_bp": ("贡献比例" + _B, "Share" + _BE),
    "main": ("主要贡献人", "Main contributor"),
})  # fmt: skip

labels.register("choice", {
    **labels.known("result_kind"), **labels.known("deal_kind"), **labels.known("income_kind"),
    **labels.known("agreement_kind"), **labels.known("pricing_method"),
})  # fmt: skip

labels.register("event", {
    "disclose": ("披露登记", "Disclosed"), "empower": ("赋权", "Empowered"),
    "transform": ("转化", "Transformed"), "withdraw": ("撤回", "Withdrawn"),
    "request": ("申请赋权", "Requested"), "review": ("开始审查", "Review started"),
    "reject": ("不予赋权", "Rejected"), "agree": ("签订协议", "Agreed"),
    "register": ("登记权属变更", "Registered"), "post": ("发布", "Posted"),
    "evaluate": ("开始阅卷", "Evaluation started"), "award": ("揭榜成功", "Awarded"),
    "close": ("关闭", "Closed"),
})  # fmt: skip
