"""Every console label in Chinese and English, and how a request picks its language.

The language comes from `?lang=zh|en` (remembered in a cookie), else the cookie, else the
browser's Accept-Language; Chinese is the default.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_COOKIE = "puhui_lang"

#: key -> (Chinese, English)
TEXT: Mapping[str, tuple[str, str]] = {
    "app": ("普惠 控制台", "Puhui Console"),
    "tagline": ("普惠金融运营平台", "Inclusive lending operations"),
    "nav.dashboard": ("总览", "Dashboard"),
    "nav.customers": ("客户", "Customers"),
    "nav.decisions": ("决策审计", "Decision audit"),
    "nav.models": ("模型", "Models"),
    "nav.ledger": ("总账", "Ledger"),
    "nav.triangle": ("三角", "Triangle"),
    "nav.marketing": ("营销", "Marketing"),
    "nav.logout": ("退出登录", "Sign out"),
    "lang.switch": ("English", "中文"),
    "role": ("角色", "Role"),
    "role.agent": ("客服坐席", "Agent"),
    "role.risk_analyst": ("风险分析师", "Risk analyst"),
    "role.operator": ("运营人员", "Operator"),
    "role.admin": ("管理员", "Administrator"),
    "role.qa_supervisor": ("质检主管", "QA supervisor"),
    "login.title": ("登录", "Sign in"),
    "login.key": ("API 密钥", "API key"),
    "login.hint": (
        "请使用 `puhui keys create --role 角色` 创建的密钥登录。"
        "浏览器不保存密钥，只保存一个会话凭证；退出登录或密钥被吊销后会话即失效。",
        "Sign in with a key made by `puhui keys create --role ROLE`. Your browser keeps only a "
        "session token, never the key; signing out or revoking the key ends the session.",
    ),
    "login.submit": ("登录", "Sign in"),
    "login.invalid": ("密钥无效或已被吊销。", "That key is not valid or has been revoked."),
    "forbidden.title": ("无权访问", "Not available to your role"),
    "forbidden.body": (
        "您的角色无法查看此页面。如需访问，请联系管理员。",
        "Your role cannot see this page. Ask an administrator if you need access.",
    ),
    "notfound.title": ("未找到", "Not found"),
    "notfound.body": ("没有找到您要查看的记录。", "We could not find that record."),
    "nodata": ("暂无数据", "No data yet"),
    "nodata.pending": (
        "相关数据表尚未建立，业务开始运行后这里会显示数据。",
        "The tables behind this panel do not exist yet; it fills in once the business runs.",
    ),
    "masked.note": (
        "您的角色看不到客户身份信息，客户编号已脱敏。",
        "Customer identifiers are masked for your role.",
    ),
    # dashboard
    "dash.title": ("业务总览", "Business overview"),
    "dash.customers": ("客户数", "Customers"),
    "dash.active_lines": ("有效授信", "Active credit lines"),
    "dash.outstanding": ("在贷本金", "Outstanding principal"),
    "dash.loans": ("借据数", "Loans"),
    "dash.approval_rate": ("审批通过率", "Approval rate"),
    "dash.expected_loss": ("预期损失", "Expected loss"),
    "dash.expected_loss.note": (
        "预期损失 = 违约概率 × 违约损失率 × 违约风险暴露；"
        "暴露 = 已用余额 + 信用转换系数 × 未用额度。"
        "违约概率取授予该额度的最新决策（decision_audit），违约损失率与转换系数取该决策的策略"
        "（governance_strategies），余额取在贷借据（lending_loans），额度取 lending_lines；"
        "逾期 90 天及以上的借据按违约计（概率 1），冻结或到期的额度不计未用部分。",
        "Expected loss = PD × LGD × EAD, with EAD = drawn balance + CCF × undrawn limit. PD from "
        "the newest decision naming the line (decision_audit); LGD and CCF from that decision's "
        "strategy (governance_strategies); balances from active loans (lending_loans); limits "
        "from lending_lines. Loans 90+ days past due count as defaulted (PD 1); frozen or expired "
        "lines add no undrawn exposure.",
    ),
    "dash.el.drawn": ("已用部分", "Drawn"),
    "dash.el.undrawn": ("未用额度部分", "Undrawn"),
    "dash.el.ead": ("违约风险暴露", "EAD"),
    "dash.el.rate": ("占暴露", "of EAD"),
    "dash.el.params": ("违约损失率 {lgd}，信用转换系数 {ccf}", "LGD {lgd}, CCF {ccf}"),
    "dash.el.no_pd": (
        "{n} 个额度没有决策记录，未计入",
        "{n} lines have no decision and are left out",
    ),
    "dash.cost": ("单账户成本", "Cost per account"),
    "dash.cost.note": (
        "数据库占用的存储按客户数平均，以及每户平均的总账转账笔数（ledger_transfers）",
        "Database storage per customer account, and ledger transfers (ledger_transfers) "
        "per account",
    ),
    "dash.it_cost": ("每户每年 IT 成本", "IT cost per account-year"),
    "dash.it_cost.unit": ("元/户·年", "yuan / account-year"),
    "dash.it_cost.storage": ("存储", "storage"),
    "dash.it_cost.models": ("模型调用", "model calls"),
    "dash.it_cost.scale": (
        "{accounts} 户规模：需 {machines} 台 {cores} 核机器，按整年预置计 ¥{yuan}/户·年",
        "At {accounts} accounts: {machines} machines of {cores} cores, "
        "¥{yuan} per account-year provisioned",
    ),
    "dash.it_cost.none": (
        "运行 `puhui cost report --save` 后显示",
        "Shown after `puhui cost report --save`",
    ),
    "dash.it_cost.note": (
        "本机实测每笔工作的 CPU 秒数与每户、每笔转账的存储字节，按 prices.toml 的单价与业务量折算"
        "（cost_reports；模型调用取自 ai_calls）",
        "CPU-seconds per unit of work and bytes per account and per transfer measured on this "
        "machine, priced with prices.toml's unit prices and workload (cost_reports; model calls "
        "from ai_calls)",
    ),
    "dash.as_of": (
        "截至 {day} 日终（日终汇总 lending_daily_book、lending_daily_lines）",
        "As of the close of {day} (COB's summaries lending_daily_book, lending_daily_lines)",
    ),
    "dash.customers.note": (
        "客户资料、授信与决策中出现过的不同客户（platform_customers、lending_lines、decision_audit）",
        "Distinct customers in profiles, credit lines and decisions "
        "(platform_customers, lending_lines, decision_audit)",
    ),
    "dash.active_lines.note": (
        "状态为正常的授信额度（lending_lines）",
        "Credit lines whose status is active (lending_lines)",
    ),
    "dash.outstanding.note": (
        "未结清借据的剩余本金，不含利息与罚息（lending_loans）",
        "Principal outstanding on loans not closed, without interest or penalties (lending_loans)",
    ),
    "dash.approval_rate.note": (
        "全部决策中批准的比例，含批量预授信与实时申请（decision_audit）",
        "Approvals among all decisions, batch pre-approval and real-time alike (decision_audit)",
    ),
    "dash.dpd.note": (
        "未结清借据按当前逾期天数分档的笔数与本金（lending_loans）",
        "Loans not closed, by their current days past due: count and principal (lending_loans)",
    ),
    "dash.decisions.note": (
        "每日各结果的决策笔数，最近 30 个有决策的日期（decision_audit）",
        "Decisions per day by outcome, the newest 30 days that have any (decision_audit)",
    ),
    "dash.volume.note": (
        "主币种总账每日转账笔数与金额，最近 30 天（日终汇总 lending_daily_transfers，"
        "加上次日终后的 ledger_transfers）",
        "Transfers and their amount per day on the main currency's ledger, newest 30 days "
        "(COB's summary lending_daily_transfers, plus ledger_transfers since the last close)",
    ),
    "dash.bytes_per_account": ("字节/户", "bytes / account"),
    "dash.transfers_per_account": ("笔转账/户", "transfers / account"),
    "dash.dpd": ("逾期分布（DPD 分档）", "Days past due by bucket"),
    "dash.vintage": ("账龄曲线（Vintage）", "Vintage curves"),
    "dash.vintage.note": (
        "各放款月份的借据，在第 N 期到期后仍未还清的比例（lending_loans、lending_installments）",
        "Share of each disbursal month's loans with installment N past due and unpaid "
        "(lending_loans, lending_installments)",
    ),
    "dash.decisions": ("每日决策", "Decisions per day"),
    "dash.volume": ("每日转账金额", "Transfer volume per day"),
    "dash.ledger_balanced": ("总账借贷平衡", "Ledger in balance"),
    "dash.ledger_unbalanced": ("总账借贷不平衡！", "Ledger out of balance!"),
    "bucket": ("分档", "Bucket"),
    "installment_n": ("期数", "Installment"),
    "share_overdue": ("逾期比例", "Share overdue"),
    # customers / loans
    "cust.title": ("客户", "Customers"),
    "cust.id": ("客户编号", "Customer"),
    "cust.lines": ("授信", "Credit lines"),
    "cust.profile": ("客户资料", "Profile"),
    "cust.loans": ("借据", "Loans"),
    "cust.decisions": ("决策记录", "Decisions"),
    "cust.total_limit": ("授信总额", "Total limit"),
    "cust.last_decision": ("最近决策", "Last decision"),
    "line.id": ("授信编号", "Line"),
    "line.limit": ("额度", "Limit"),
    "line.rate": ("年利率", "Annual rate"),
    "line.expires": ("到期日", "Expires"),
    "status": ("状态", "Status"),
    "status.active": ("正常", "Active"),
    "status.frozen": ("已冻结", "Frozen"),
    "status.closed": ("已关闭", "Closed"),
    "status.written_off": ("已核销", "Written off"),
    "status.overdue": ("逾期", "Overdue"),
    "loan.title": ("借据", "Loan"),
    "loan.id": ("借据编号", "Loan"),
    "loan.principal": ("本金", "Principal"),
    "loan.outstanding": ("剩余本金", "Principal outstanding"),
    "loan.disbursed": ("放款日", "Disbursed"),
    "loan.maturity": ("到期日", "Maturity"),
    "loan.term": ("期数", "Installments"),
    "loan.dpd": ("逾期天数", "Days past due"),
    "loan.decision": ("授信决策", "Credit decision"),
    "loan.schedule": ("还款计划", "Repayment schedule"),
    "loan.transactions": ("交易流水", "Transactions"),
    "loan.apr": ("年化利率披露", "APR disclosure"),
    "loan.apr_nominal": ("名义年化利率", "Nominal APR"),
    "loan.apr_effective": ("实际年化利率（IRR）", "Effective APR (IRR)"),
    "loan.annual_rate": ("合同名义年利率", "Contract nominal rate"),
    "loan.upfront_fee": ("一次性费用", "Upfront fee"),
    "sched.n": ("期次", "No."),
    "sched.due": ("到期日", "Due"),
    "sched.principal": ("本金", "Principal"),
    "sched.interest": ("利息", "Interest"),
    "sched.fee": ("费用", "Fee"),
    "sched.paid": ("已还", "Paid"),
    "tx.day": ("营业日", "Business day"),
    "tx.kind": ("类型", "Type"),
    "tx.amount": ("金额", "Amount"),
    "tx.reversed": ("已冲正", "Reversed"),
    # decisions
    "dec.title": ("决策审计", "Decision audit"),
    "dec.id": ("决策编号", "Decision"),
    "dec.at": ("决策时间", "Decided at"),
    "dec.outcome": ("结果", "Outcome"),
    "dec.pd": ("违约概率", "PD"),
    "dec.score": ("评分", "Score"),
    "dec.limit": ("额度", "Limit"),
    "dec.apr": ("名义年利率", "Nominal rate"),
    "dec.strategy": ("策略版本", "Strategy version"),
    "dec.model": ("模型版本", "Model version"),
    "dec.arm": ("实验组", "Arm"),
    "dec.rules": ("触发的规则", "Rules fired"),
    "dec.reasons": ("原因码", "Reason codes"),
    "dec.reason": ("说明", "Explanation"),
    "dec.contribution": ("影响", "Contribution"),
    "dec.features": ("模型输入", "Model inputs"),
    "dec.fingerprint": ("输入指纹", "Input fingerprint"),
    "dec.pricing": ("定价构成", "Price components"),
    "dec.shadow": ("影子决策（挑战者）", "Shadow decision (challenger)"),
    "dec.filter": ("筛选", "Filter"),
    "dec.all": ("全部", "All"),
    "outcome.approve": ("批准", "Approved"),
    "outcome.refer": ("转人工", "Referred"),
    "outcome.decline": ("拒绝", "Declined"),
    "none": ("无", "None"),
    "dec.code": ("代码", "Code"),
    "price.cost_of_funds": ("资金成本", "Cost of funds"),
    "price.expected_loss": ("预期损失", "Expected loss"),
    "price.operating_cost": ("运营成本", "Operating cost"),
    "price.capital_charge": ("资本占用", "Capital charge"),
    "price.target_margin": ("目标利润", "Target margin"),
    "price.rounding": ("取整", "Rounding"),
    "price.clip": ("上下限调整", "Floor/cap adjustment"),
    "model.rows": ("样本数", "Rows"),
    "model.bad_rate_all": ("坏账率", "Bad rate"),
    "model.mean_pd_all": ("平均预测违约率", "Mean predicted PD"),
    # models
    "model.title": ("模型", "Models"),
    "model.one": ("模型", "Model"),
    "model.version": ("版本", "Version"),
    "model.name": ("名称", "Name"),
    "model.kind": ("类型", "Kind"),
    "model.registered": ("注册时间", "Registered"),
    "model.metrics": ("留出集表现", "Held-out performance"),
    "model.calibration": ("校准曲线", "Calibration"),
    "model.mean_pd": ("预测违约率", "Predicted PD"),
    "model.bad_rate": ("实际坏账率", "Observed bad rate"),
    "model.perfect": ("完美校准", "Perfect calibration"),
    "model.card": ("模型卡", "Model card"),
    # ledger
    "ledger.title": ("总账", "Ledger"),
    "ledger.trial_balance": ("试算平衡", "Trial balance"),
    "ledger.ledger": ("账簿", "Ledger"),
    "ledger.accounts": ("账户数", "Accounts"),
    "ledger.debits": ("借方发生额", "Debits posted"),
    "ledger.credits": ("贷方发生额", "Credits posted"),
    "ledger.pending": ("未决（借/贷）", "Pending (dr/cr)"),
    "ledger.balanced": ("平衡", "Balanced"),
    "ledger.by_code": ("按科目代码汇总", "Accounts by code"),
    "ledger.code": ("科目代码", "Code"),
    "ledger.net": ("借方净额", "Net debit"),
    "ledger.volumes": ("按交易代码统计转账", "Transfers by code"),
    "ledger.transfers": ("笔数", "Transfers"),
    "ledger.amount": ("金额", "Amount"),
    "ledger.day": ("日期", "Date"),
    # governance (AI 治理)
    "nav.governance": ("AI治理", "AI governance"),
    "role.approver": ("审批人", "Approver"),
    "gov.title": ("AI 治理：模型清单", "AI governance: the inventory"),
    "gov.models": ("模型", "Models"),
    "gov.strategies": ("策略", "Strategies"),
    "gov.ai_tasks": ("大模型任务", "Large-model tasks"),
    "gov.approvals": ("审批", "Approvals"),
    "gov.alerts": ("监控告警", "Monitoring alerts"),
    "gov.open_alerts": ("监控告警", "Monitoring alerts"),
    "gov.see": ("查看", "see them"),
    "gov.state": ("状态", "State"),
    "gov.state.unregistered": ("未登记", "Unregistered"),
    "gov.state.registered": ("已登记", "Registered"),
    "gov.state.validated": ("已验证", "Validated"),
    "gov.state.approved": ("已批准", "Approved"),
    "gov.state.promoted": ("已上线", "Promoted"),
    "gov.state.retired": ("已退役", "Retired"),
    "gov.owner": ("负责人", "Owner"),
    "gov.purpose": ("用途", "Purpose"),
    "gov.tier": ("风险等级", "Risk tier"),
    "gov.tier.high": ("高", "High"),
    "gov.tier.medium": ("中", "Medium"),
    "gov.tier.low": ("低", "Low"),
    "gov.validation": ("验证", "Validation"),
    "gov.approved_by": ("批准人", "Approved by"),
    "gov.champion": ("冠军", "Champion"),
    "gov.fairness_breach": ("公平性超阈值", "Fairness over threshold"),
    "gov.version": ("版本", "Version"),
    "gov.model": ("模型", "Model"),
    "gov.task": ("任务", "Task"),
    "gov.route": ("路由", "Route"),
    "gov.data_classes": ("数据类别", "Data classes"),
    "gov.may_leave": ("可外发", "May leave"),
    "gov.withheld": ("禁止外发", "Withheld"),
    "gov.redacted": ("脱敏后", "redacted"),
    "gov.calls": ("调用次数", "Calls"),
    "gov.model_title": ("模型治理", "Model governance"),
    "gov.report": ("验证报告", "Validation report"),
    "gov.last_day": ("最近监控日", "Last monitored day"),
    "gov.psi_score": ("评分 PSI", "Score PSI"),
    "gov.approval_rate": ("通过率", "Approval rate"),
    "gov.mean_pd": ("平均 PD", "Mean PD"),
    "gov.stability": ("评分稳定性（PSI，按日）", "Score stability (PSI by day)"),
    "gov.volume": ("通过率与平均 PD（按日）", "Approval rate and mean PD by day"),
    "gov.csi": ("特征稳定性（CSI，最近一日）", "Feature stability (CSI, latest day)"),
    "gov.outcomes": ("成熟表现", "Matured outcomes"),
    "gov.matured": ("成熟样本", "Matured outcomes"),
    "gov.vintage": ("批次", "Vintage"),
    "gov.fairness": ("公平性", "Fairness"),
    "gov.group": ("群体", "Group"),
    "gov.selection_rate": ("通过率", "Approval rate"),
    "gov.live": ("线上决策", "Live decisions"),
    "gov.events": ("生命周期事件", "Lifecycle events"),
    "gov.when": ("时间", "When"),
    "gov.event": ("事件", "Event"),
    "gov.who": ("操作人", "Who"),
    "gov.why": ("原因", "Why"),
    "gov.override": ("公平性豁免理由", "Fairness override reason"),
    "gov.event.registered": ("登记", "Registered"),
    "gov.event.validated": ("验证", "Validated"),
    "gov.event.approved": ("批准", "Approved"),
    "gov.event.promoted": ("上线", "Promoted"),
    "gov.event.retired": ("退役", "Retired"),
    "gov.pending": ("待审批", "Waiting for a checker"),
    "gov.kind": ("类型", "Kind"),
    "gov.kind.model": ("模型", "Model"),
    "gov.kind.strategy": ("策略", "Strategy"),
    "gov.registered_by": ("登记人", "Registered by"),
    "gov.action": ("操作", "Action"),
    "gov.do_approve": ("批准", "Approve"),
    "gov.do_promote": ("上线", "Promote"),
    "gov.own": ("本人登记，不能审批", "Yours: another key must approve"),
    "gov.needs_approver": ("需审批人角色", "Needs the approver role"),
    "gov.maker_checker": (
        "双人复核：登记人不能审批；审批需要审批人角色和理由；模型需先有验证报告；"
        "策略及其模型均获批准后才能上线。",
        "Maker–checker: whoever registered a model or strategy cannot approve it; approving "
        "needs the approver role and a reason; a model needs a validation report first; a "
        "strategy is promoted only when it and its model are approved.",
    ),
    "gov.done.approve": ("已批准。", "Approved."),
    "gov.done.promote": ("已上线为冠军策略。", "Promoted to champion."),
    "gov.refused": ("被拒绝", "Refused"),
    "gov.day": ("日期", "Day"),
    "gov.metric": ("指标", "Metric"),
    "gov.subject": ("对象", "Subject"),
    "gov.value": ("数值", "Value"),
    "gov.level": ("级别", "Level"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    # agent assist (web/assist.py)
    "nav.assist": ("坐席辅助", "Agent assist"),
    "nav.qa": ("通话质检", "Call QA"),
    "assist.title": ("智能坐席辅助", "Agent assist"),
    "assist.start": ("开始通话", "Start a call"),
    "assist.customer_id": ("客户编号", "Customer id"),
    "assist.purpose": ("通话目的", "Purpose"),
    "assist.local_time": ("客户当地时间", "Customer's local time"),
    "purpose.marketing": ("营销", "Marketing"),
    "purpose.collection": ("催收", "Collection"),
    "purpose.service": ("服务", "Service"),
    "assist.my_calls": ("我的通话", "My calls"),
    "assist.live": ("通话中", "Live call"),
    "assist.transcript": ("实时转写", "Live transcript"),
    "assist.suggestions": ("推荐话术", "Suggested scripts"),
    "assist.alerts": ("合规提示", "Compliance alerts"),
    "assist.card": ("客户信息", "Customer card"),
    "assist.say": ("发送", "Send"),
    "assist.speaker.agent": ("坐席", "Agent"),
    "assist.speaker.customer": ("客户", "Customer"),
    "assist.verified": ("身份已核实", "Identity verified"),
    "assist.end": ("结束通话", "End call"),
    "assist.ended": ("通话已结束，评分：", "Call ended, score: "),
    "assist.limit": ("预授信额度", "Pre-approved line"),
    "assist.available": ("可用额度", "Available"),
    "assist.nominal": ("合同年利率（名义）", "Nominal annual rate (contract)"),
    "assist.apr": ("年化利率 APR（IRR）", "APR (IRR)"),
    "assist.apr_for": ("示例：借款", "Example: borrowing"),
    "assist.overdue": ("逾期", "Overdue"),
    "assist.dpd": ("逾期天数", "Days past due"),
    "assist.no_line": ("该客户暂无有效授信。", "No active credit line."),
    "assist.stage": ("通话阶段", "Stage"),
    "assist.why": ("推荐理由", "Why"),
    "qa.title": ("通话质检", "Call quality assurance"),
    "qa.calls": ("通话记录", "Calls"),
    "qa.by_rule": ("按规则统计的违规率", "Alert rate by rule"),
    "qa.by_agent": ("按坐席统计", "By agent"),
    "qa.agent": ("坐席", "Agent"),
    "qa.score": ("质检得分", "QA score"),
    "qa.grade": ("等级", "Grade"),
    "qa.alerts": ("违规提示", "Alerts"),
    "qa.started": ("开始时间", "Started"),
    "qa.rate": ("涉及通话占比", "Share of calls"),
    "qa.mean_score": ("平均得分", "Mean score"),
    "qa.per_call": ("每通违规数", "Alerts per call"),
    "qa.demo": ("演示", "demo"),
    "call.title": ("通话详情", "Call record"),
    "call.summary": ("通话小结", "Summary"),
    "call.generated": ("AI 生成", "AI-generated"),
    "call.scorecard": ("质检评分卡", "QA score card"),
    "call.rule": ("规则", "Rule"),
    "call.outcome": ("结果", "Outcome"),
    "call.source": ("依据", "Source"),
    "call.playback": ("逐条回放违规", "Play back alerts"),
    "call.prev": ("上一条", "Previous"),
    "call.next": ("下一条", "Next"),
    "call.redacted": ("转写内容已脱敏存储。", "Transcripts are stored redacted."),
    "outcome.pass": ("通过", "Pass"),
    "outcome.fail": ("违规", "Fail"),
    "outcome.n/a": ("不适用", "N/A"),
    "severity.low": ("低", "Low"),
    "severity.medium": ("中", "Medium"),
    "severity.high": ("高", "High"),
    "severity.critical": ("严重", "Critical"),
    # due-diligence reports (web/reports.py)
    "nav.reports": ("尽调报告", "Due diligence"),
    "reports.title": ("小微企业尽职调查报告", "Small-business due-diligence reports"),
    "reports.created": ("生成时间", "Created"),
    "reports.applicant": ("申请企业", "Applicant"),
    "reports.uscc": ("统一社会信用代码", "Credit code"),
    "reports.grade": ("风险等级", "Grade"),
    "reports.flags": ("预警信号", "Red flags"),
    "reports.lang": ("语言", "Language"),
    "reports.actor": ("生成人", "By"),
    "reports.inputs": ("输入指纹", "Input fingerprints"),
    "reports.open": ("查看", "Open"),
    "reports.hint": (
        "报告由 `puhui report due-diligence` 或 POST /v1/reports/due-diligence 生成；"
        "打开时按存档输入重新生成并核对一致。",
        "Reports are made by `puhui report due-diligence` or POST /v1/reports/due-diligence; "
        "opening one rebuilds it from its stored inputs and checks it is identical.",
    ),
    # creation platform (web/studio.py)
    "nav.studio": ("智能创作", "Studio"),
    "studio.title": ("智能创作平台", "Creation studio"),
    "studio.intro": (
        "按简报生成营销文案、海报与配音视频：产品数据取自信贷核心，平台自动加上年化利率、"
        "“贷款需经审批”与放款机构名称，每份稿件都经过合规规则检查；有告警的稿件不能审批通过。",
        "Copy, posters and narrated videos from a brief: the figures come from the lending core, "
        "the platform adds the APR, 'loans are subject to approval' and the lender's name, and "
        "every draft is checked against the compliance rules; a draft with an alert cannot be "
        "approved.",
    ),
    "studio.brief": ("创作简报", "Brief"),
    "studio.purpose": ("用途", "Purpose"),
    "studio.purpose.acquisition": ("获客", "Acquisition"),
    "studio.purpose.brand": ("品牌", "Brand"),
    "studio.purpose.education": ("金融教育", "Education"),
    "studio.channel": ("渠道", "Channel"),
    "studio.channel.poster": ("海报", "Poster"),
    "studio.channel.social": ("社交卡片", "Social card"),
    "studio.channel.video": ("视频", "Video"),
    "studio.channel.copy": ("长文案", "Long copy"),
    "studio.channel.sms": ("短信", "SMS"),
    "studio.lang": ("语言", "Language"),
    "studio.length": ("篇幅", "Length"),
    "studio.length.default": ("按渠道默认", "Channel default"),
    "studio.length.short": ("短", "Short"),
    "studio.length.medium": ("中", "Medium"),
    "studio.length.long": ("长", "Long"),
    "studio.audience": ("目标人群", "Audience"),
    "studio.message": ("核心信息", "Key message"),
    "studio.offer_url": ("活动链接（二维码）", "Offer link (QR code)"),
    "studio.mode": ("方式", "Mode"),
    "studio.mode.draft": ("起草", "Draft"),
    "studio.mode.expand": ("扩写", "Expand"),
    "studio.mode.rewrite": ("改写", "Rewrite"),
    "studio.text": ("原文（扩写/改写）", "Text (expand or rewrite)"),
    "studio.create": ("生成稿件", "Create draft"),
    "studio.drafts": ("稿件", "Drafts"),
    "studio.draft": ("稿件", "Draft"),
    "studio.created": ("创建时间", "Created"),
    "studio.headline": ("标题", "Headline"),
    "studio.alerts": ("合规告警", "Alerts"),
    "studio.status": ("状态", "Status"),
    "studio.status.draft": ("待审核", "Awaiting review"),
    "studio.status.approved": ("已通过", "Approved"),
    "studio.status.rejected": ("已驳回", "Rejected"),
    "studio.maker": ("制作人", "Made by"),
    "studio.severity": ("严重程度", "Severity"),
    "studio.words": ("触发文字", "Words"),
    "studio.source": ("依据", "Source"),
    "studio.blocked": (
        "存在合规告警，不能审批通过。",
        "This draft has alerts: it cannot be approved.",
    ),
    "studio.compliant": ("合规检查通过。", "Compliance check passed."),
    "studio.assets": ("素材", "Assets"),
    "studio.layout.default": ("按渠道版式", "Channel layout"),
    "studio.render": ("生成图片", "Render image"),
    "studio.narrate": ("配音并生成视频", "Narrate into a video"),
    "studio.kind": ("类型", "Kind"),
    "studio.version": ("版本", "Version"),
    "studio.bytes": ("字节", "Bytes"),
    "studio.download": ("下载", "Download"),
    "studio.reviews": ("审核", "Review"),
    "studio.note": ("审核意见", "Note"),
    "studio.decision.approve": ("通过", "Approve"),
    "studio.decision.reject": ("驳回", "Reject"),
    "studio.rulebook": ("规则库版本", "Rulebook"),
}


def translate(key: str, lang: str, default: str | None = None) -> str:
    """The text of `key` in `lang`; else `default`, else the key itself (a gap shows, not blank)."""
    pair = TEXT.get(key)
    if pair is None:
        return key if default is None else default
    return pair[0] if lang == "zh" else pair[1]


def from_accept_language(header: str) -> str:
    """The one of zh/en the browser prefers most (by q-value); the default when neither appears."""
    best_q, best = 0.0, DEFAULT_LANG
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower().split("-")[0]
        if lang in LANGS and q > best_q:
            best_q, best = q, lang
    return best


def choose(query: str | None, cookie: str | None, accept_language: str) -> str:
    if query in LANGS:
        return str(query)
    if cookie in LANGS:
        return str(cookie)
    return from_accept_language(accept_language)
