"""The rules people are taught for each fraud type, and what to do next for each verdict."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wuzha.learning.taxonomy import FraudType

EMERGENCY_NUMBER = "110"
ANTI_FRAUD_HOTLINE = "96110"

# Rules taught in anti-fraud lessons (六个一律、十个凡是), one or two per type, in our own words.
RULES: dict[str, list[str | Promise]] = {
    FraudType.TASK_REBATE: [
        _("凡是刷单、点赞、做任务赚佣金的，都是诈骗；先垫付后返利，是骗子最常用的套路。"),
        _("要求下载陌生APP“接任务”、说“卡单”“连单”要继续充值的，立刻停止。"),
    ],
    FraudType.FAKE_CUSTOMER_SERVICE: [
        _("凡是自称客服说要理赔、退款、关闭“百万保障”或会员扣费的，先挂断，到官方APP里核实。"),
        _("正规客服不会让你开启屏幕共享、下载会议软件，也不会索要验证码。"),
    ],
    FraudType.INVESTMENT: [
        _("凡是“内幕消息”“导师带单”“稳赚不赔”的投资理财，都是诈骗。"),
        _("陌生人拉你进群炒股、炒币、买外汇，平台提现还要交“保证金”“税费”的，一律是骗局。"),
    ],
    FraudType.LOAN_CREDIT_CARD: [
        _("凡是放款前要先交手续费、保证金、解冻费，或要求“刷流水”的贷款，都是诈骗。"),
        _("贷款和信用卡请到银行和持牌机构的官方渠道办理，不信“无抵押、不看征信、秒到账”。"),
    ],
    FraudType.CREDIT_REPAIR: [
        _("凡是说要“注销校园贷”“消除不良征信”，否则影响征信的，都是诈骗；征信不能花钱修复。"),
        _("不要按对方要求在各个平台借款并转到所谓“清零账户”。"),
    ],
    FraudType.SHOPPING_SERVICE: [
        _("网上购物、买票、代办要走正规平台担保交易，不私下转账，不信“低价”“内部渠道”。"),
        _("代写代考、办证、买答案本身违法，付了钱也拿不回来。"),
    ],
    FraudType.IMPERSONATE_AUTHORITY: [
        _("公检法机关不会通过电话、网络办案，不会发“通缉令”“逮捕令”，更没有“安全账户”。"),
        _("凡是让你把钱转到“安全账户”“监管账户”配合调查、要求保密的，一律是诈骗。"),
    ],
    FraudType.IMPERSONATE_ACQUAINTANCE: [
        _("凡是领导、老师、亲友用新号或网络找你借钱、收费的，先打原来的电话或当面核实。"),
        _("学校收费走学校正规缴费渠道，老师不会在群里让家长扫码转到个人账户。"),
    ],
    FraudType.GAME_TRADE: [
        _("游戏账号、装备、皮肤要在官方渠道交易；“免费领皮肤”“解冻费”“保证金”都是诈骗。"),
        _("未成年人不要用家长的手机扫码付款，也不要把家长收到的验证码发给别人。"),
    ],
    FraudType.ROMANCE: [
        _("网上认识、从未见面的“恋人”一谈钱、一带你投资赌博，就是杀猪盘。"),
        _("交友软件要你充值会员、做“认证任务”才能见面的，都是诈骗。"),
    ],
    FraudType.MILITARY_PURCHASE: [
        _("自称部队、武警采购，要你先垫资向“指定供应商”进货或交押金的，是冒充军警诈骗。"),
        _("大额订单先到对方单位当面核实，不垫付任何款项。"),
    ],
    FraudType.ILLICIT_SERVICE: [
        _("网络赌博“稳赚”“包赔”都是假的，裸聊、色情服务之后往往就是敲诈。"),
        _("被敲诈不要转账，转了只会被继续勒索；保留证据立即报警。"),
    ],
    FraudType.OTHER: [
        _("凡是中奖、退税、补贴要先交手续费或点链接填银行卡的，都是诈骗。"),
        _("陌生链接不点，验证码、银行卡号和密码不给任何人。"),
    ],
}

# 六个一律 — general rules for a message that looks wrong but has no clear type.
GENERAL_RULES: list[str | Promise] = [
    _("只要一谈到银行卡、转账，一律挂断。"),
    _("只要一说中奖、退税、补贴要先交钱，一律是诈骗。"),
    _("只要是陌生链接、陌生软件，一律不点、不下载。"),
    _("任何人索要验证码，一律不给。"),
]

ADVICE_FRAUD: list[str | Promise] = [
    _("不要转账、不要付款，不要点链接，不要提供验证码或开启屏幕共享。"),
    _("停止和对方联系，但保留好聊天记录、电话号码、转账凭证等证据。"),
    _("如果已经转账，立即拨打110报警或96110反诈专线，越快越有机会紧急止付。"),
    _("可以把线索举报给学校或公安机关，也可以下载国家反诈中心APP举报。"),
]
ADVICE_SUSPICIOUS: list[str | Promise] = [
    _("先别转账、别点链接，用你自己知道的电话（不是对方给的）向本人或官方核实。"),
    _("拿不准时问问家人、老师，或拨打96110反诈专线咨询。"),
    _("如果已经转账，立即拨打110报警。"),
]
ADVICE_NORMAL: list[str | Promise] = [
    _("暂未发现明显的诈骗特征，但仍请记住：涉及转账、验证码时务必核实。"),
    _("如果对方后来要求转账、索要验证码或让你下载软件，请重新检查或拨打96110咨询。"),
]


def rules_for(fraud_type: str | None, verdict: str) -> list[str]:
    """The rules to show for a result."""
    if verdict == "normal":
        return []
    if fraud_type and fraud_type in RULES:
        return [str(r) for r in RULES[fraud_type]]
    return [str(r) for r in GENERAL_RULES]


def advice_for(verdict: str) -> list[str]:
    """What to do next for a verdict."""
    advice = {"fraud": ADVICE_FRAUD, "suspicious": ADVICE_SUSPICIOUS}.get(verdict, ADVICE_NORMAL)
    return [str(a) for a in advice]
