"""Plan templates written from the facts of real work plans (in the project's own words).

Each template gives a campaign its guiding text, goals, phases, leadership group and duty
templates. Dates are offsets from the campaign's start (negative: from its end) and are clamped
to the campaign's period; every duty template stays editable after the campaign is created.
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from wuzha.orgs.models import OrgUnit, Role, UnitKind

from .models import Campaign, CampaignGoal, LeadershipMember

P = LeadershipMember.Position
C = CampaignGoal.Comparison

PLAN_TEMPLATES: dict[str, dict[str, Any]] = {
    "school_100_days": {
        "label": "中小学反诈“百日行动”",
        "issuer_kinds": [UnitKind.PRIMARY_SCHOOL, UnitKind.MIDDLE_SCHOOL, UnitKind.KINDERGARTEN],
        "days": 100,
        "guiding_text": (
            "以建设平安校园为目标，坚持防范为主、以宣促防。以班级和家委会为宣传主阵地，"
            "让反诈知识进课堂、进班级群、进家庭，做到不漏一班、不漏一人。"
        ),
        "goals": [
            ("师生反诈知识知晓率", C.AT_LEAST, 100, "%", None),
            ("师生被骗案件数", C.AT_MOST, 0, "起", None),
            ("“无诈班级”创建覆盖率", C.AT_LEAST, 100, "%", None),
        ],
        "phases": [
            ("动员部署", 0, 9, "制定班级反诈教育方案和应急预案，逐级签订责任状。"),
            ("集中宣传", 10, 79, "落实“六个一”活动和“四必”措施，班会、班级群、公众号同步推进。"),
            ("评比总结", 80, -1, "收集文字、照片、影像资料，评选“无诈班级”“无诈家庭”。"),
        ],
        "leadership": [
            (P.LEADER, "校长", "学校主要负责人", "对全校反诈工作负总责，定期听取汇报。"),
            (P.DEPUTY, "分管副校长", "分管安全与德育", "组织部署、督促检查各班落实情况。"),
            (P.OFFICE, "保卫处（综治办）负责人", "", "日常联络、资料收集和督导检查。"),
            (P.MEMBER, "各班主任", "", "在本班落实各项活动并按时上报材料。"),
        ],
        "duties": [
            {
                "title": "签订反诈倡议书并张贴",
                "description": "学校、班级、师生联名签写一份防诈倡议书，张贴在教室显眼位置。",
                "unit_kind": UnitKind.CLASS,
                "cadence": "once",
                "due_offset": 14,
                "min_photos": 1,
            },
            {
                "title": "班级群每周反诈提示",
                "description": "在班级QQ群、微信群每天发布一条防骗提示，每周汇总上报截图。",
                "unit_kind": UnitKind.CLASS,
                "cadence": "weekly",
                "deadline_weekday": 5,
                "within_terms": True,
                "min_photos": 1,
                "count_label": "本周发布条数",
                "grace_days": 3,
            },
            {
                "title": "反电诈主题班会",
                "description": "每月召开一次反电诈主题班会，上传现场照片和参加人数。",
                "unit_kind": UnitKind.CLASS,
                "cadence": "monthly",
                "deadline_day": 31,
                "within_terms": True,
                "min_photos": 2,
                "requires_attendance": True,
            },
            {
                "title": "公众号每周推送反诈文章",
                "description": "学校网站、公众平台每周推送一篇反诈文章或视频。",
                "unit_kind": "",
                "role": Role.COORDINATOR,
                "cadence": "weekly",
                "deadline_weekday": 7,
                "within_terms": True,
                "count_label": "推送篇数",
            },
            {
                "title": "反诈专题培训",
                "description": "学校每学期组织一场面向师生的反诈专题培训，可邀请派出所民警主讲，"
                "上传现场照片、签到人数和课件。",
                "unit_kind": "",
                "role": Role.COORDINATOR,
                "cadence": "term",
                "deadline_week": 12,
                "deadline_weekday": 5,
                "min_photos": 2,
                "requires_attendance": True,
            },
            {
                "title": "“四必”落实情况",
                "description": "防骗课程必讲、防诈知识必宣、防骗视频必看，每学期报一次落实情况。",
                "unit_kind": UnitKind.CLASS,
                "cadence": "term",
                "deadline_week": 16,
                "deadline_weekday": 5,
                "count_label": "观看防骗视频学生数",
            },
            {
                "title": "评选“无诈班级”“无诈家庭”",
                "description": "汇总各班创建资料，评选并公示“无诈班级”“无诈小组”“无诈家庭”。",
                "unit_kind": "",
                "role": Role.LEADER,
                "cadence": "once",
                "due_offset": -7,
                "requires_document": True,
            },
        ],
    },
    "university_student": {
        "label": "高校学生反诈专项方案",
        "issuer_kinds": [UnitKind.UNIVERSITY],
        "days": 300,
        "guiding_text": (
            "聚焦平安校园建设，全面、反复、精准地开展反诈宣传教育，防止学生被骗，"
            "也防止学生出租出售“两卡”、沦为诈骗团伙的“工具人”。"
        ),
        "goals": [
            ("学生涉诈案件数", C.CHANGE_PCT, -50, "起", 2021),
            ("国家反诈中心APP安装率", C.AT_LEAST, 100, "%", None),
            ("学生承诺书签订率", C.AT_LEAST, 100, "%", None),
        ],
        "phases": [
            ("第一阶段：阵地建设", 0, 30, "建好宣传阵地，主题班会进课表，全体学生签订承诺书。"),
            (
                "第二阶段：队伍与教育",
                31,
                91,
                "组建反诈宣传员队伍，每月集中警示教育，开展法制教育。",
            ),
            ("第三阶段：摸排与管理", 92, -1, "每两周隐患摸排，建立题库与自测，重点学生一人一策。"),
        ],
        "leadership": [
            (P.LEADER, "学工部部长", "", "统筹学生反诈工作，召集工作例会。"),
            (P.DEPUTY, "各二级学院党总支书记", "", "本院学生反诈工作第一责任人。"),
            (P.MEMBER, "学生处日常管理科", "", "收集简报和学期资料，通报各学院进展。"),
            (P.MEMBER, "各学院学工办主任", "", "组织辅导员落实摸排和班会。"),
        ],
        "duties": [
            {
                "title": "宣传阵地“三有”建设",
                "description": "出入口有标语、公告栏有海报、大屏有视频，上传照片。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "once",
                "due_offset": 30,
                "min_photos": 3,
            },
            {
                "title": "组建反诈宣传员队伍",
                "description": "每个班级（宿舍）设立宣传员，上报名单。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "once",
                "due_offset": 50,
                "requires_document": True,
            },
            {
                "title": "月度集中警示教育",
                "description": "用身边案例开展一次集中警示教育，每月28日前上报。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "monthly",
                "deadline_day": 28,
                "within_terms": True,
                "min_photos": 2,
                "requires_attendance": True,
            },
            {
                "title": "涉诈隐患摸排",
                "description": "院不漏班、班不漏人，每两周摸排一次，上报摸排人数。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "biweekly",
                "deadline_weekday": 5,
                "within_terms": True,
                "count_label": "摸排学生数",
                "grace_days": 3,
            },
            {
                "title": "反诈专项简报",
                "description": "每两周形成专项简报，周一学生工作例会时上交。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "biweekly",
                "deadline_weekday": 1,
                "within_terms": True,
                "requires_document": True,
            },
            {
                "title": "反诈法制教育（第一次）",
                "description": "每学期至少两次面向全院学生的反诈法制教育，这是第一次。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "term",
                "deadline_week": 8,
                "deadline_weekday": 5,
                "min_photos": 2,
                "requires_attendance": True,
            },
            {
                "title": "反诈法制教育（第二次）",
                "description": "每学期至少两次面向全院学生的反诈法制教育，这是第二次。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "term",
                "deadline_week": 14,
                "deadline_weekday": 5,
                "min_photos": 2,
                "requires_attendance": True,
            },
            {
                "title": "学期反诈工作资料报送",
                "description": "方案、开展情况、新闻稿、照片视频、总结，电子版和盖章纸质版。",
                "unit_kind": UnitKind.COLLEGE,
                "role": Role.COORDINATOR,
                "cadence": "term",
                "deadline_week": 15,
                "deadline_weekday": 5,
                "requires_document": True,
                "min_photos": 2,
            },
        ],
    },
    "county_publicity_year": {
        "label": "县“全民反诈”宣传年",
        "issuer_kinds": [UnitKind.COUNTY, UnitKind.CITY],
        "days": 365,
        "guiding_text": (
            "防范为主、部门联动、广泛宣传、务求实效。各成员单位各负其责，"
            "把防骗知识送到千家万户，从源头上减少电信网络诈骗案件。"
        ),
        "goals": [
            ("电信网络诈骗发案数", C.CHANGE_PCT, -50, "起", 2021),
            ("群众经济损失", C.CHANGE_PCT, -30, "万元", 2021),
            ("群众防骗知识知晓率", C.AT_LEAST, 90, "%", None),
        ],
        "phases": [
            ("筹划准备", 0, 14, "制定方案，印制海报和宣传单，明确各部门分工。"),
            ("集中宣传", 15, 180, "各成员单位按分工持续开展宣传，每月通报发案排名。"),
            ("巩固总结", 181, -1, "查漏补缺，年终考核，总结经验。"),
        ],
        "leadership": [
            (P.LEADER, "副县长（公安局局长）", "县领导小组组长", "统筹全县宣传年活动。"),
            (P.OFFICE, "公安局网安大队大队长", "办公室主任", "组织协调和日常工作。"),
            (P.MEMBER, "各成员单位主要负责人", "", "制定本单位方案并落实分工任务。"),
        ],
        "duties": [
            {
                "title": "教职工防骗宣传教育",
                "description": "每学期至少组织两次教职工防骗宣传，留存影像资料备查。",
                "department": "教育",
                "role": Role.COORDINATOR,
                "cadence": "term",
                "min_photos": 2,
                "count_label": "本学期开展次数",
            },
            {
                "title": "主流网站防骗专栏更新",
                "description": "在县级主流网站开设防骗专栏，每月更新并上报链接截图。",
                "department": "宣传",
                "role": Role.COORDINATOR,
                "cadence": "monthly",
                "deadline_day": 25,
                "min_photos": 1,
            },
            {
                "title": "电诈类案件普法宣传",
                "description": "开展以案释法，每月上报一次普法宣传情况。",
                "department": "司法",
                "role": Role.COORDINATOR,
                "cadence": "monthly",
                "deadline_day": 25,
                "min_photos": 1,
            },
            {
                "title": "辖区防骗宣传与广播播放",
                "description": "防骗音频进村居、商超、宾馆、广场，每月上报宣传场所数和照片。",
                "unit_kind": UnitKind.POLICE_STATION,
                "role": Role.POLICE,
                "cadence": "monthly",
                "deadline_day": 28,
                "min_photos": 2,
                "count_label": "宣传场所数",
            },
            {
                "title": "每周发案情况通报",
                "description": "每周通报各乡镇发案情况（具体到社区、村）。",
                "department": "公安",
                "role": Role.POLICE,
                "cadence": "weekly",
                "deadline_weekday": 1,
                "requires_document": True,
            },
        ],
    },
    "town_three_year": {
        "label": "乡镇打击治理三年行动",
        "issuer_kinds": [UnitKind.TOWN],
        "days": 3 * 365,
        "guiding_text": (
            "用三年时间建成全链条反诈、全行业阻诈、全社会防诈的工作体系。"
            "第一年攻坚突破，第二年巩固提升，第三年长效常治。"
        ),
        "goals": [
            ("全镇电信网络诈骗发案数", C.CHANGE_PCT, -30, "起", 2023),
            ("涉诈重点人员建档率", C.AT_LEAST, 100, "%", None),
        ],
        "phases": [
            ("攻坚突破年", 0, 364, "建立打击治理体系，压实村（居）和部门责任。"),
            ("巩固提升年", 365, 729, "体系高效运转，发案数和损失出现拐点。"),
            ("长效常治年", 730, -1, "全民防诈格局形成，发案和损失大幅下降。"),
        ],
        "leadership": [
            (P.LEADER, "镇党委书记", "", "全面负责三年行动。"),
            (P.DEPUTY, "镇长、派出所所长", "", "协助组长，分管打击和防范。"),
            (P.OFFICE, "分管政法副书记", "办公室设在综治中心", "组织协调和信息报送。"),
            (P.MEMBER, "各村（居）书记", "", "落实本村（居）宣传和重点人员管控。"),
        ],
        "duties": [
            {
                "title": "“心防五入”宣传",
                "description": "入户、入企、入校、入场所、入群宣传，每月上报宣传照片和覆盖户数。",
                "unit_kind": UnitKind.VILLAGE,
                "role": Role.COORDINATOR,
                "cadence": "monthly",
                "deadline_day": 28,
                "min_photos": 2,
                "count_label": "入户宣传户数",
            },
            {
                "title": "涉诈重点人员排查",
                "description": "配合派出所排查四类重点人员，一人一档，每月上报排查人数。",
                "unit_kind": UnitKind.VILLAGE,
                "role": Role.COORDINATOR,
                "cadence": "monthly",
                "deadline_day": 28,
                "count_label": "排查人数",
            },
            {
                "title": "警情与资金数据研判",
                "description": "汇总镇、村两级警情和资金数据，形成月度研判报告。",
                "unit_kind": "",
                "role": Role.COORDINATOR,
                "cadence": "monthly",
                "deadline_day": 5,
                "requires_document": True,
            },
        ],
    },
}


def template_choices(unit: OrgUnit | None = None) -> list[tuple[str, str]]:
    """Templates suitable for a campaign issued by `unit` (all when None)."""
    return [
        (code, data["label"])
        for code, data in PLAN_TEMPLATES.items()
        if unit is None or unit.kind in data["issuer_kinds"]
    ]


def default_end(code: str, start: date) -> date:
    return start + timedelta(days=PLAN_TEMPLATES[code]["days"] - 1)


def _offset(campaign: Campaign, days: int) -> date:
    day = (
        campaign.start_date + timedelta(days=days)
        if days >= 0
        else (campaign.end_date + timedelta(days=days + 1))
    )
    return min(max(day, campaign.start_date), campaign.end_date)


def apply_template(*, campaign: Campaign, code: str) -> list[str]:
    """Fill `campaign` from the template `code`; return titles of duties that were skipped.

    A department duty (e.g. the education bureau's) is skipped when no such department exists in
    the campaign's subtree, and a duty whose cadence has no deadline in the campaign's period is
    skipped too; both can be added by hand later.
    """
    from . import services

    if code not in PLAN_TEMPLATES:
        raise ValidationError({"template_code": "未知的方案模板"})
    data = PLAN_TEMPLATES[code]
    for indicator, comparison, target, unit_label, baseline in data["goals"]:
        services.goal_add(
            campaign=campaign,
            indicator=indicator,
            comparison=comparison,
            target_value=target,
            unit_label=unit_label,
            baseline_year=baseline,
        )
    for name, start, end, tasks in data["phases"]:
        first, last = _offset(campaign, start), _offset(campaign, end)
        if start >= 0 and campaign.start_date + timedelta(days=start) > campaign.end_date:
            continue
        services.phase_add(
            campaign=campaign, name=name, start_date=first, end_date=max(first, last), tasks=tasks
        )
    for position, name, title, responsibility in data["leadership"]:
        services.member_add(
            campaign=campaign,
            position=position,
            name=name,
            title=title,
            responsibility=responsibility,
        )
    skipped = []
    for spec in data["duties"]:
        fields = {k: v for k, v in spec.items() if k not in ("due_offset", "department")}
        fields.setdefault("unit_kind", "")
        fields.setdefault("role", Role.TEACHER)
        if "due_offset" in spec:
            fields["due_date"] = _offset(campaign, spec["due_offset"])
        targets: list[OrgUnit] = []
        if "department" in spec:
            targets = list(
                OrgUnit.objects.filter(
                    Q(kind=UnitKind.BUREAU),
                    path__startswith=campaign.unit.path,
                    name__contains=spec["department"],
                    is_active=True,
                )
            )
            if not targets:
                skipped.append(spec["title"])
                continue
        try:
            services.duty_template_create(campaign=campaign, target_units=targets, **fields)
        except ValidationError:
            skipped.append(spec["title"])
    return skipped
