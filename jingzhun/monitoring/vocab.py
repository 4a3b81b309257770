"""The monitoring vocabularies: alert levels, life-cycle steps, risk events, income bands.

The national classes (脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户) live in
jingzhun.policy.params.MONITORING_CLASS, because the packs name them.
"""

from __future__ import annotations

from jingzhun.policy.params import MONITORING_CLASS
from jingzhun.vocab import Vocabulary

__all__ = ["BAND", "EVENT", "LEVEL", "MONITORING_CLASS", "SOURCE", "STATUS", "STEP", "TIER"]

LEVEL = Vocabulary(
    "alert_level",
    {"red": "红色预警", "orange": "橙色预警", "yellow": "黄色预警"},
    english={"red": "red alert", "orange": "orange alert", "yellow": "yellow alert"},
    aliases={"红色": "red", "橙色": "orange", "黄色": "yellow", "一级": "red", "二级": "orange"},
)
LEVEL_RANK = {"red": 0, "orange": 1, "yellow": 2}

# 雅安 2019 (seed 004): exited households by income band.
BAND = Vocabulary(
    "monitoring_band",
    {"marginal": "边缘脱贫户", "key": "重点监测户", "ordinary": "一般监测户"},
    english={
        "marginal": "marginal exited household",
        "key": "key monitored household",
        "ordinary": "ordinary monitored household",
    },
    aliases={"边缘户": "marginal"},
)

EVENT = Vocabulary(
    "risk_event",
    {
        "serious_illness": "大病",
        "disability": "致残",
        "disaster": "自然灾害",
        "accident": "意外事故",
        "death": "家庭成员死亡",
        "income_drop": "收入骤减",
        "medical_expense": "医疗支出骤增",
        "education_expense": "教育支出骤增",
        "dropout": "辍学",
        "unsafe_house": "住房不安全",
        "unemployment": "失业",
        "other": "其他",
    },
    english={
        "serious_illness": "serious illness",
        "disability": "disability",
        "disaster": "natural disaster",
        "accident": "accident",
        "death": "death of a household member",
        "income_drop": "income drop",
        "medical_expense": "medical expense jump",
        "education_expense": "education expense jump",
        "dropout": "school drop-out",
        "unsafe_house": "unsafe house",
        "unemployment": "loss of work",
        "other": "other",
    },
    aliases={
        "因病": "serious_illness",
        "重病": "serious_illness",
        "因残": "disability",
        "残疾": "disability",
        "因灾": "disaster",
        "灾害": "disaster",
        "事故": "accident",
        "意外": "accident",
        "死亡": "death",
        "breadwinner_death": "death",
        "危房": "unsafe_house",
        "失业": "unemployment",
    },
)

SOURCE = Vocabulary(
    "event_source",
    {
        "cadre": "干部走访",
        "self_report": "农户自主申报",
        "medical": "医保部门",
        "civil_affairs": "民政部门",
        "education": "教育部门",
        "housing": "住建部门",
        "disability": "残联",
        "human_resources": "人社部门",
        "emergency": "应急管理部门",
        "other": "其他部门",
    },
    english={
        "cadre": "cadre visit",
        "self_report": "household self-report",
        "medical": "medical insurance",
        "civil_affairs": "civil affairs",
        "education": "education",
        "housing": "housing",
        "disability": "disabled persons' federation",
        "human_resources": "human resources",
        "emergency": "emergency management",
        "other": "other department",
    },
    aliases={"医保": "medical", "民政": "civil_affairs", "教育": "education", "住建": "housing"},
)

# The alert's life cycle (DOMAIN: alert → verification visit → decision → measures → review →
# risk eliminated). `closed`: the decision found no risk to monitor; the record stays.
STATUS = Vocabulary(
    "alert_status",
    {
        "raised": "待核实",
        "verified": "已核实",
        "decided": "已认定",
        "measures": "帮扶中",
        "reviewed": "已回访",
        "eliminated": "风险已消除",
        "closed": "核实无风险",
    },
    english={
        "raised": "raised",
        "verified": "verified",
        "decided": "identified",
        "measures": "measures in place",
        "reviewed": "reviewed",
        "eliminated": "risk eliminated",
        "closed": "closed, no risk",
    },
)
OPEN_STATUSES = ("raised", "verified", "decided", "measures", "reviewed")
FINAL_STATUSES = ("eliminated", "closed")

# Who answers for an alert: the village first, then up the tree when it is overdue.
TIER = Vocabulary(
    "alert_tier",
    {"village": "村", "township": "乡镇", "county": "县"},
    english={"village": "village", "township": "township", "county": "county"},
)
NEXT_TIER = {"village": "township", "township": "county"}

# The steps of an alert's timeline (AlertEvent.step).
STEP = Vocabulary(
    "alert_step",
    {
        "raised": "发出预警",
        "verified": "入户核实",
        "submitted": "提交认定",
        "decided": "认定为监测对象",
        "closed": "办结（无风险）",
        "measures": "落实帮扶措施",
        "reviewed": "回访",
        "elimination_requested": "申请风险消除",
        "eliminated": "风险消除",
        "elimination_refused": "风险消除未获批准",
        "escalated": "逾期升级",
    },
    english={
        "raised": "alert raised",
        "verified": "home verification",
        "submitted": "submitted for identification",
        "decided": "identified as a monitoring object",
        "closed": "closed, no risk",
        "measures": "assistance measures in place",
        "reviewed": "review visit",
        "elimination_requested": "risk elimination requested",
        "eliminated": "risk eliminated",
        "elimination_refused": "risk elimination not approved",
        "escalated": "escalated when overdue",
    },
)
