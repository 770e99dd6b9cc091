"""Built-in notice templates written for Wuzha, and the variables a notice body may use.

The facts (the common scams, the twelve types, the rules to remember, whom to call) come from
the schools' and counties' work plans; the wording is the project's own.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Audience, NoticeKind, SignatureMode

VARIABLES = ("学生姓名", "班级", "学校", "日期", "班主任")
_VAR_RE = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")


def render_body(text: str, values: dict[str, str]) -> str:
    """Replace `{学生姓名}`-style variables; unknown braces are left as typed."""
    return _VAR_RE.sub(lambda m: values.get(m.group(1), ""), text)


def body_values(
    *, student: str = "", klass: str = "", school: str = "", teacher: str = "", date: datetime.date
) -> dict[str, str]:
    return {
        "学生姓名": student,
        "班级": klass,
        "学校": school,
        "日期": f"{date.year}年{date.month}月{date.day}日",
        "班主任": teacher,
    }


def paragraphs(text: str) -> list[str]:
    """Split a body into paragraphs at blank lines; single newlines stay inside a paragraph."""
    return [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]


@dataclass(frozen=True)
class BuiltinTemplate:
    key: str
    kind: str
    audience: str
    title: str
    body: str
    receipt_text: str
    signature_mode: str = SignatureMode.EITHER
    guardian_cosign: bool = False
    ask_app: bool = True


SCAM_TYPES = """\
需要重点提防的十二类骗局：
一、刷单返利：以“动动手指就赚钱”招人刷单，先给小额甜头，再以各种理由扣住本金。
二、网络贷款：打着无抵押、免息的旗号，先收手续费、保证金、“解冻费”。
三、冒充客服退款：自称电商或快递客服，以商品质量、快递丢失为由让您点链接、报验证码。
四、“杀猪盘”：在婚恋交友平台培养感情，再引您到赌博或理财平台充值。
五、冒充领导熟人：加微信、QQ后以“不方便转账”为由让您代为垫付。
六、冒充公检法：称您涉嫌洗钱、贩毒，发来假通缉令，要求把钱转进“安全账户”。
七、虚假征信：称您征信有问题、可以帮忙消除，引导您网贷后转账。
八、网络游戏交易：低价卖装备、高价收账号，引到钓鱼网站骗取银行卡信息。
九、虚假购物服务：以低价、优惠为饵，编造定金、税费、手续费让您一再付款。
十、网络婚恋交友：以生病、困难、投资项目为由向您借钱。
十一、冒充学校领导老师：以收费、奖学金、补考为由让家长转账。
十二、其他：以ETC失效、微信QQ冻结解封等为由发木马链接，骗取身份信息和验证码。"""

RULES = """\
请全家记住：
凡是网上兼职刷单、刷信誉的，都是诈骗；凡是自称公检法要求转账到“安全账户”的，都是诈骗；凡是“老师”“领导”“熟人”不见面就让转钱的，都是诈骗；凡是网上贷款先交钱、要验证码的，都是诈骗。
陌生链接不点，验证码不告诉任何人，银行卡、手机卡不出租、不出借、不出售。"""

HELP = """\
遇到可疑情况：先挂断、不转账，和家人或班主任核实；已经转账的，立即拨打110报警，并保存聊天记录、转账凭证。
请下载安装“国家反诈中心”APP，开启来电预警，也可拨打96110反诈专线咨询。"""

BUILTINS: tuple[BuiltinTemplate, ...] = (
    BuiltinTemplate(
        key="letter",
        kind=NoticeKind.LETTER,
        audience=Audience.GUARDIANS,
        title="防范电信网络诈骗致家长的一封信",
        body=f"""\
{{学生姓名}}同学的家长：

您好！电信网络诈骗花样不断翻新，学生和家长都可能成为骗子的目标。为守护孩子和家庭的钱袋子，{{学校}}正在开展防范电信网络诈骗宣传教育，特请您和孩子一起读完这封信。

{SCAM_TYPES}

特别提醒：骗子会潜入家长群，冒充班主任发“收费通知”或收款二维码。学校任何收费都不会在群里让您扫码转账，请一律先电话联系{{班主任}}老师本人核实。

{RULES}

{HELP}

请您阅读后在回执上签字，让孩子带回学校（或扫描二维码在手机上签署）。感谢您对学校工作的支持！

{{学校}} {{班级}}
{{日期}}""",
        receipt_text="我已认真阅读《防范电信网络诈骗致家长的一封信》，将与孩子一起提高防骗意识。",
    ),
    BuiltinTemplate(
        key="pledge",
        kind=NoticeKind.PLEDGE,
        audience=Audience.STUDENTS,
        title="不参与电信网络诈骗承诺书",
        body="""\
我是{学校}{班级}的学生{学生姓名}。我已经学习了防范电信网络诈骗知识，知道参与诈骗、帮助诈骗同样要承担法律责任。我郑重承诺：

一、不出租、不出借、不出售自己的银行卡、手机卡，不把微信、QQ、支付宝等账号借给他人使用。
二、不参与网络刷单、网络赌博，不为他人转账、取现，不做“跑分”。
三、不轻信陌生来电和链接，不向任何人透露验证码和密码。
四、发现可疑情况及时告诉老师和家长，遇到诈骗立即拨打110。
五、下载安装“国家反诈中心”APP，并帮助家人一起安装。

承诺人：{学生姓名}
{日期}""",
        receipt_text="我已阅读并承诺遵守以上内容。",
        guardian_cosign=True,
    ),
    BuiltinTemplate(
        key="responsibility",
        kind=NoticeKind.RESPONSIBILITY,
        audience=Audience.STAFF,
        title="防范电信网络诈骗工作责任状",
        body="""\
为落实防范电信网络诈骗工作责任，{学校}与每位教职工逐级签订本责任状。

一、每学年防骗课程必讲，防诈知识必宣，防骗视频必看；班主任每月至少召开一次反诈主题班会。
二、及时把学校的防范提示转发到班级群、家长群，做到不漏一班、不漏一人。
三、本人不参与、不协助任何电信网络诈骗活动，安装并使用“国家反诈中心”APP。
四、发现学生被骗或疑似参与诈骗，第一时间报告学校并协助报警。
五、发生电信网络诈骗案件的，按照“一案双查”倒查责任。

本责任状由本人签署后，经上一级负责人会签生效。
{日期}""",
        receipt_text="我已知晓并承担以上责任。",
        ask_app=True,
    ),
    BuiltinTemplate(
        key="card",
        kind=NoticeKind.CARD,
        audience=Audience.GUARDIANS,
        title="反诈明白卡",
        body=f"""\
{RULES}

陌生电话问问自己：真的警察会在电话里“办案”、让我转账吗？无抵押还免息的贷款，凭什么借给我？动动手指就能赚钱的好事，为什么轮到我？

{HELP}""",
        receipt_text="我已阅读反诈明白卡。",
        signature_mode=SignatureMode.TYPED,
    ),
    BuiltinTemplate(
        key="app",
        kind=NoticeKind.APP,
        audience=Audience.GUARDIANS,
        title="安装国家反诈中心APP确认",
        body="""\
“国家反诈中心”APP能识别诈骗来电、短信和可疑网址，并及时提醒。请在手机应用商店搜索“国家反诈中心”下载安装，按提示完成注册并开启来电预警。

安装完成后，请在下方勾选“已安装国家反诈中心APP”并确认。""",
        receipt_text="我已在手机上安装国家反诈中心APP。",
        signature_mode=SignatureMode.TYPED,
    ),
)

BUILTIN_BY_KEY = {t.key: t for t in BUILTINS}
TEMPLATE_CHOICES = [(t.key, t.title) for t in BUILTINS] + [("custom", _("空白（自定义）"))]
