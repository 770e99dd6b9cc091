"""Red flags: explainable patterns for what people are taught to notice in a scam message.

Patterns run on the normalized text (see `normalize.py`), so "安 全 账 户" and "ＶＸ" match, and
every hit is mapped back to the span of the original text. A hit preceded by a negation or a
warning ("不要转账", "公检法不会要求…", "请勿泄露验证码") is a piece of advice, not a red flag.
"""

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .normalize import Normalized, normalize


@dataclass(frozen=True)
class RedFlag:
    code: str
    label: str | Promise
    pattern: re.Pattern[str]
    # How much the flag alone says about fraud: 2 strong, 1 moderate, 0 context only.
    weight: int
    # Fraud types the flag points to; used to break ties between close model scores.
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    code: str
    label: str
    start: int
    end: int
    weight: int
    hints: tuple[str, ...]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_MONEY_VERB = (
    r"(转账|转钱|转款|汇款|打款|转入|转到|汇到|打到|存入|充值|付款|支付|缴纳|交纳|缴费|垫付|扫码)"
)

FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "safe_account",
        _("安全账户"),
        _re(r"(安全账户|资金清查|资金核查|清查账户|核查账户|监管账户|资金比对|国家账户)"),
        2,
        ("impersonate_authority",),
    ),
    RedFlag(
        "money_transfer",
        _("要求转账汇款"),
        _re(
            _MONEY_VERB
            + r"[^,.!?;:，。！？；：\s]{0,8}?"
            + r"(账户|账号|卡号|银行卡|支付宝|微信|指定|以下|这个|对方|我)"
            + r"|(先|马上|立即|尽快|赶紧)"
            + _MONEY_VERB
        ),
        1,
    ),
    RedFlag(
        "personal_account",
        _("收费转入个人账户"),
        _re(
            r"(转|打|汇|交|缴|付|存)(到|给|进|入)?(我的?|老师的?|本人的?)?(个人|私人)"
            r"(账户|账号|银行卡|卡|微信|支付宝|收款码)"
            r"|(扫|加)(我的?)?(个人|私人)收款码"
        ),
        2,
        ("impersonate_acquaintance",),
    ),
    RedFlag(
        "verification_code",
        _("索要验证码"),
        _re(
            r"验证码.{0,10}(告诉|发给|发送给|报给|提供给|念给|读给|截图|发我|给我|报一下|发过来|回复给)"
            r"|(告诉|发给|提供|报给|念|读|发送)(我|给我|一下|我们)?.{0,6}(收到的)?.{0,4}验证码"
        ),
        2,
        ("fake_customer_service", "impersonate_acquaintance", "game_trade"),
    ),
    RedFlag(
        "screen_share",
        _("屏幕共享/远程操控"),
        _re(
            r"(屏幕共享|共享屏幕|共享你的屏幕|远程控制|远程协助|开启会议|视频会议室|会议号|会议软件"
            r"|下载.{0,6}(会议|软件|app|客户端).{0,6}(共享|操作|指导))"
        ),
        2,
        ("fake_customer_service", "impersonate_authority", "credit_repair"),
    ),
    RedFlag(
        "advance_rebate",
        _("先垫付后返利"),
        _re(
            r"(垫付|先垫|先付款|先交|连单|卡单|做单|刷单|刷信誉|点赞|关注.{0,4}截图|返利|返佣|佣金"
            r"|本金.{0,4}(返还|退回|一起返)|任务单|日结)"
        ),
        2,
        ("task_rebate",),
    ),
    RedFlag(
        "unfreeze_fee",
        _("解冻费/保证金/手续费"),
        _re(
            r"(解冻|保证金|手续费|激活费|工本费|刷流水|验资|会员费|认证费|个税费|税费|公证费|押金"
            r"|账户(被)?冻结|资金(被)?冻结|银行卡(被)?冻结|流水不足|卡号(填)?错)"
        ),
        2,
        ("loan_credit_card", "game_trade", "shopping_service", "investment"),
    ),
    RedFlag(
        "credit_record",
        _("注销校园贷/修复征信"),
        _re(
            r"(注销.{0,6}(校园贷|学生贷|账户|贷款|京东金条|白条|借呗|花呗|金条)|校园贷|学生账户"
            r"|征信.{0,6}(受损|有问题|不良|逾期|修复|影响|污点|消除|洗白)"
            r"|(影响|消除|修复|洗白|清除).{0,4}(你的)?(个人)?征信|不良记录)"
        ),
        2,
        ("credit_repair",),
    ),
    RedFlag(
        "loan_offer",
        _("无抵押贷款/代办信用卡"),
        _re(
            r"(无抵押|免抵押|无需抵押|低息|零利息|无息|秒批|秒到|快速放款|下款|放款|额度|提额"
            r"|代办.{0,4}信用卡|大额信用卡|黑户|白户|不看征信|不查征信|贷款.{0,6}(审批|到账))"
        ),
        1,
        ("loan_credit_card",),
    ),
    RedFlag(
        "insider_profit",
        _("内幕消息/稳赚不赔"),
        _re(
            r"(内幕|稳赚|稳赚不赔|保本保息|零风险|高回报|高收益|导师带单|老师带单|带你赚|翻倍|收益率"
            r"|日收益|躺赚|只赚不赔|包赚|稳赢|必涨|牛股|虚拟币|数字货币|对冲|漏洞|内部渠道|割韭菜)"
        ),
        2,
        ("investment", "romance"),
    ),
    RedFlag(
        "new_contact",
        _("新号/换号加好友"),
        _re(
            r"(换号|新号|新手机号|新微信|新QQ|手机(掉了|丢了|坏了)|这是我的?新|加我(这个|新)"
            r"|原来的号.{0,4}(不用|停用)|猜猜我是谁|听得出我是谁|还记得我吗|我是你.{0,3}(领导|老师|班主任|校长|同学|表哥|舅舅|朋友|亲戚|老同学))"
        ),
        2,
        ("impersonate_acquaintance",),
    ),
    RedFlag(
        "game_trade",
        _("游戏账号/装备交易"),
        _re(
            r"(游戏账号|游戏帐号|买号|卖号|收号|账号交易|装备|皮肤|点券|钻石|金币|代练|充值优惠"
            r"|免费领取.{0,4}(皮肤|英雄|装备)|交易平台|未成年.{0,4}(实名|退款|限制))"
        ),
        1,
        ("game_trade",),
    ),
    RedFlag(
        "prize_refund",
        _("中奖/退税/补贴"),
        _re(
            r"(中奖|抽中|幸运用户|获得.{0,4}奖|领取奖|奖金|退税|补贴|退费|理赔|赔付|赔偿金|补偿金"
            r"|退款|双倍赔|三倍赔|百万保障|会员.{0,4}(取消|关闭|扣费)|自动扣费|年费)"
        ),
        1,
        ("other", "fake_customer_service"),
    ),
    RedFlag(
        "authority_claim",
        _("自称公检法/涉嫌犯罪"),
        _re(
            r"(公安局|检察院|法院|警官|民警|刑警|通缉|逮捕|拘捕|洗钱|涉嫌|涉案|犯罪|传票|立案"
            r"|协助调查|配合调查|冻结令|护照异常|社保卡异常|医保卡异常|非法集资)"
        ),
        1,
        ("impersonate_authority",),
    ),
    RedFlag(
        "military_purchase",
        _("冒充军警采购"),
        _re(
            r"(部队|军队|武警|军区|军营|营区|战区|消防队|后勤部|团部|连队|军人|军官).{0,12}(采购|订购|订单|大批|物资)"
        ),
        2,
        ("military_purchase",),
    ),
    RedFlag(
        "illicit",
        _("裸聊/赌博/色情服务"),
        _re(
            r"(裸聊|视频聊天.{0,6}(录|脱)|脱衣|私密视频|不雅视频|博彩|赌博|百家乐|赌场|下注|彩票.{0,4}(计划|带单|内部)"
            r"|时时彩|上门服务|特殊服务|同城约|一夜情|约炮|外围)"
        ),
        2,
        ("illicit_service",),
    ),
    RedFlag(
        "romance",
        _("网恋/交友后谈钱"),
        _re(r"(亲爱的|宝贝|老公|老婆|网恋|交友|相亲|婚恋|奔现|见面|约会|单身)"),
        0,
        ("romance",),
    ),
    RedFlag(
        "shopping",
        _("低价/代购/办证"),
        _re(
            r"(低价|特价|清仓|代购|内部价|原价.{0,6}现价|办证|代考|代写|包过|门票|演唱会|二手"
            r"|定金|私下交易|不走平台|绕过平台|闲鱼|加微信交易)"
        ),
        1,
        ("shopping_service",),
    ),
    RedFlag(
        "link",
        _("陌生链接"),
        _re(
            r"((点击|点开|登录|打开|进入)(以下|下方|这个|该|此)?链接"
            r"|https?://[a-z0-9./?=&%#_\-~:]+|www\.[a-z0-9.\-]+[a-z0-9/?=&%#_\-~]*"
            r"|(?<![a-z0-9\-.@])[a-z0-9\-]+(\.[a-z0-9\-]+)*"
            r"\.(com|cn|net|top|xyz|vip|cc|io|me|club|shop|app|icu|link|site)(?![a-z])[/a-z0-9?=&%#_\-]*)"
        ),
        1,
    ),
    RedFlag(
        "parent_phone",
        _("让孩子用家长手机扫码/付款"),
        _re(
            r"(用|拿|借)(你)?(爸爸妈妈|爸妈|爸爸|妈妈|家长|父母|爷爷奶奶|爷爷|奶奶|姥姥|姥爷)(的)?"
            r"(手机|微信|支付宝|银行卡|付款码)"
        ),
        2,
        ("game_trade",),
    ),
    RedFlag(
        "expired_verify",
        _("过期/异常要点链接认证"),
        _re(
            r"(ETC|etc|医保|社保|身份证|账户|账号|银行卡|积分|驾驶证|驾照|证书|信用卡)"
            r"[^。！？!?]{0,8}(已|即将|将)?(过期|失效|停用|异常|作废|锁定)"
            r"[^。！？!?]{0,20}(链接|重新认证|点击|扫码|按9|转人工)"
        ),
        2,
        ("other", "impersonate_authority"),
    ),
    RedFlag(
        "phone_number",
        _("电话号码"),
        _re(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4}|00\d{6,})(?!\d)"),
        0,
    ),
    RedFlag(
        "im_contact",
        _("引导添加QQ/微信"),
        _re(
            r"((加|添加|联系|私聊|私信)(我|一下|客服|老师|导师|专员)?.{0,4}(微信|QQ|好友|群)"
            r"|(微信|QQ)(号)?[:：]?\s?[a-z0-9_\-]{5,}|进群|拉你进群|扫码进群)"
        ),
        1,
    ),
    RedFlag(
        "urgency",
        _("催促紧急"),
        _re(
            r"(立即|马上|立刻|尽快|赶紧|紧急|十万火急|24小时内|今天之内|今日内|逾期|否则|过期作废|限时"
            r"|名额有限|最后一天|仅剩|来不及)"
        ),
        0,
    ),
    RedFlag(
        "secrecy",
        _("要求保密/不要声张"),
        _re(
            r"(保密|不要告诉|不能告诉|不得告诉|别告诉|不要声张|不要跟.{0,6}说|不要对外|秘密|单独处理"
            r"|私下|找个没人的地方|独自|不要挂(断)?电话|不能挂)"
        ),
        1,
        ("impersonate_authority",),
    ),
)

# A negation or warning just before a hit turns it into advice.
_NEGATION = re.compile(
    r"(不要|不会|不能|切勿|请勿|勿|不得|千万别|别|绝不|决不|从不|谨防|警惕|防范|提防|严禁|不可|拒绝|不轻信"
    r"|一律是诈骗|都是诈骗|凡是|所谓|谨慎|小心|注意|识别|揭秘|骗局|诈骗)"
)
# A hit followed, in the same sentence, by a verdict on it ("…都是诈骗") is a warning too.
_VERDICT_AFTER = re.compile(
    r"(都是诈骗|是诈骗|是骗局|都是骗局|是骗子|是陷阱|都是陷阱|的套路|诈骗手法|一律是)"
)
_AFTER_WINDOW = 40
_NEGATION_WINDOW = 10


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - _NEGATION_WINDOW) : start]
    # A sentence break ends the negation's scope.
    window = re.split(r"[。!?！？;；\n]", window)[-1]
    return bool(_NEGATION.search(window))


def _judged_after(text: str, end: int) -> bool:
    window = re.split(r"[。!?！？;；\n]", text[end : end + _AFTER_WINDOW])[0]
    return bool(_VERDICT_AFTER.search(window))


def about_fraud(text: str) -> bool:
    """True when the text talks about fraud (a warning, a lesson) rather than attempting it."""
    return bool(_ABOUT_FRAUD.search(text))


# A scammer never says someone is "impersonating" him: "不法分子冒充我行客服…" is a warning.
_ABOUT_FRAUD = re.compile(
    r"(反诈|防骗|防诈|谨防|警惕|诈骗|骗子|骗局|上当受骗|不法分子"
    r"|(冒充|假冒)(我行|本行|我司|本公司|本平台|官方|客服|工作人员|公检法|银行|警察|民警|老师|领导|熟人|亲友))"
)


def find_flags(text: str, normalized: Normalized | None = None) -> list[Hit]:
    """Return the red flags in `text`, with spans in the original text, in reading order."""
    norm = normalized or normalize(text)
    hits: list[Hit] = []
    for flag in FLAGS:
        for m in flag.pattern.finditer(norm.text):
            if m.end() == m.start():
                continue
            if flag.weight > 0 and (
                _negated(norm.text, m.start()) or _judged_after(norm.text, m.end())
            ):
                continue
            start, end = norm.original_span(m.start(), m.end())
            hits.append(Hit(flag.code, str(flag.label), start, end, flag.weight, flag.hints))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def flag_vector_codes() -> list[str]:
    """The flag codes in a fixed order (features for the model)."""
    return [f.code for f in FLAGS]
