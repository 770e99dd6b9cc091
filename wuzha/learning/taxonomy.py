"""The fixed fraud taxonomy: the police platform's twelve classes plus `other` and `normal`."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class FraudType(models.TextChoices):
    TASK_REBATE = "task_rebate", _("刷单返利类")
    FAKE_CUSTOMER_SERVICE = "fake_customer_service", _("冒充电商物流客服类")
    INVESTMENT = "investment", _("虚假网络投资理财类")
    LOAN_CREDIT_CARD = "loan_credit_card", _("贷款、代办信用卡类")
    CREDIT_REPAIR = "credit_repair", _("虚假征信类")
    SHOPPING_SERVICE = "shopping_service", _("虚假购物、服务类")
    IMPERSONATE_AUTHORITY = "impersonate_authority", _("冒充公检法及政府机关类")
    IMPERSONATE_ACQUAINTANCE = "impersonate_acquaintance", _("冒充领导、熟人类")
    GAME_TRADE = "game_trade", _("网络游戏产品虚假交易类")
    ROMANCE = "romance", _("网络婚恋、交友类")
    MILITARY_PURCHASE = "military_purchase", _("冒充军警购物类")
    ILLICIT_SERVICE = "illicit_service", _("网黑案件")
    OTHER = "other", _("其他类型")
    NORMAL = "normal", _("正常")


FRAUD_CODES: tuple[str, ...] = tuple(c for c in FraudType.values if c != FraudType.NORMAL)

DESCRIPTIONS: dict[str, str | Promise] = {
    FraudType.TASK_REBATE: _(
        "以兼职点赞、刷单、做任务为名，先小额返利取得信任，再以“连单”“卡单”为由要求不断垫付。"
    ),
    FraudType.FAKE_CUSTOMER_SERVICE: _(
        "冒充电商、快递客服，以商品质量问题理赔、快递丢件、取消会员或百万保障为由，"
        "诱导屏幕共享、提供验证码或转账。"
    ),
    FraudType.INVESTMENT: _(
        "以“内幕消息”“导师带单”“稳赚不赔”为诱饵，引导在虚假平台投资股票、期货、虚拟币，"
        "先小赚后无法提现。"
    ),
    FraudType.LOAN_CREDIT_CARD: _(
        "以无抵押、低利息、快速放款或代办大额信用卡为名，收取手续费、保证金、解冻费。"
    ),
    FraudType.CREDIT_REPAIR: _(
        "冒充金融机构或平台客服，称要“注销校园贷”“消除不良征信”，否则影响征信，诱导贷款并转账。"
    ),
    FraudType.SHOPPING_SERVICE: _(
        "在网络上低价出售商品、代写代考、办证、追星门票等，收款后不发货或不断加收费用。"
    ),
    FraudType.IMPERSONATE_AUTHORITY: _(
        "冒充公安、检察院、法院或政府机关，称涉嫌洗钱、包裹藏毒等，要求把钱转入“安全账户”配合调查。"
    ),
    FraudType.IMPERSONATE_ACQUAINTANCE: _(
        "冒充领导、老师、亲友，用新号或换号加好友，以急用钱、收取资料费等理由要求转账。"
    ),
    FraudType.GAME_TRADE: _(
        "以买卖游戏账号、装备、皮肤、点券或免费领取为名，在虚假交易平台收取保证金、解冻费。"
    ),
    FraudType.ROMANCE: _(
        "通过交友、婚恋平台建立恋爱关系（杀猪盘），再以投资、赌博、急病等理由索要钱财。"
    ),
    FraudType.MILITARY_PURCHASE: _(
        "冒充部队、武警采购人员，以大额订单为诱饵，要求向指定“供应商”垫资购买物资。"
    ),
    FraudType.ILLICIT_SERVICE: _(
        "裸聊敲诈、网络赌博、色情服务等网黑案件，先引诱后敲诈或骗取充值。"
    ),
    FraudType.OTHER: _("中奖、退税补贴、冒充电信运营商、医保社保异常等其他诈骗手法。"),
    FraudType.NORMAL: _("未发现诈骗特征的正常消息。"),
}


class AgeBand(models.TextChoices):
    """Who a question, a case or a test is written for."""

    KINDERGARTEN_PARENT = "kindergarten_parent", _("幼儿园家长")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中职")
    UNIVERSITY = "university", _("大学")
    ADULT = "adult", _("成人")


AGE_BANDS: tuple[str, ...] = tuple(AgeBand.values)
FRAUD_LABELS: dict[str, str | Promise] = {c: FraudType(c).label for c in FRAUD_CODES}
