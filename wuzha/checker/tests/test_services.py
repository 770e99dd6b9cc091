"""The checker on messages written for these tests (not taken from the training corpus)."""

import pytest

from wuzha.checker.redflags import about_fraud, find_flags
from wuzha.checker.services import _decide, checker_check, checker_check_many, highlight_segments
from wuzha.learning.taxonomy import FRAUD_CODES, FraudType

FRESH: dict[str, list[str]] = {
    "task_rebate": [
        "招募线上点赞员，给直播间点赞一次三元，今天新人先做三单试试，做完连本带佣金一起返，后面的大单要先垫钱",
        "姐妹，在家带娃也能赚零花钱，帮网店刷单冲销量，先拍下再返款，每单佣金百分之十五，加我v详聊",
    ],
    "fake_customer_service": [
        "您好，我是某宝官方售后，您买的那件外套被质检出问题，我们要给您三倍理赔，请打开支付宝按我说的操作",
        "这里是快递理赔中心，您的件在分拣中心被压坏了，赔偿款需要您下载会议软件共享屏幕后才能领取",
    ],
    "investment": [
        "朋友，我这有个私募群，导师每天早盘推一只票，上周三只全部涨停，稳赚不赔，进群先交五千会员费",
        "这个数字货币平台是我表哥内部渠道拿到的，充一万一周就翻倍，提现前交点税费就行",
    ],
    "loan_credit_card": [
        "急用钱吗？凭身份证就能借五万，不看征信秒到账，放款前先交一千保证金，到账后退还",
        "你的借款已审核通过，但卡号填错导致资金冻结，请转两千元解冻费到财务账户后重新放款",
    ],
    "credit_repair": [
        "您好，您上大学时开的校园贷账户现在必须注销，不然会影响征信，请把各平台额度借出来转入清零账户",
        "专业修复征信，逾期记录三天消除，内部关系保证成功，先付三千服务费",
    ],
    "shopping_service": [
        "演唱会前排票还有两张，比官方便宜三百，平台交易要手续费，你直接转我微信我把电子票发你",
        "全新耳机一百五一副，代购渠道正品，先付全款再发货，付完还要补一笔运费险才能出库",
    ],
    "impersonate_authority": [
        "我是市公安局经侦大队的民警，你的银行卡涉嫌一起洗钱案，为证明清白请把钱转入安全账户接受资金清查，此事保密",
        "检察院通知：你已被列为案件嫌疑人，逮捕令已下达，请立即配合调查，把资金转到监管账户核查",
    ],
    "impersonate_acquaintance": [
        "各位家长晚上好，我是班主任，下学期的资料费每人二百八，请在今晚之前直接转到我个人账户，我来统一登记",
        "小李，我是王总，这是我新号，原来的不用了。我在开会不方便接电话，你先帮我给客户转三万货款",
    ],
    "game_trade": [
        "你上架的游戏账号我买了，钱已付到交易平台，但你的收款账户被冻结，要先交八百保证金解冻才能提现",
        "小朋友，关注就送全套限定皮肤，用爸爸妈妈的手机扫码验证，再把收到的验证码发给我",
    ],
    "romance": [
        "亲爱的，我们在婚恋网站认识三个月了，我发现一个博彩平台的漏洞，你也注册一个，我带你一起赚结婚的钱",
        "宝贝我在国外工作，回国前想把行李寄给你保管，海关说要交一万关税，你先帮我垫上，见面就还你",
    ],
    "military_purchase": [
        "老板您好，我们是驻地武警部队后勤处的，要订两百份盒饭，部队有指定的饮料供应商，你先垫钱从他那进货",
        "你好，我是部队采购员，营区采购一批被褥，量大长期合作，按规定先交五千押金入供应商名单",
    ],
    "illicit_service": [
        "刚才跟你裸聊的视频我已经录下来了，你通讯录我也有，一小时内转两万，不然发给你所有亲戚",
        "新开的网上赌场，百家乐首充送百分之五十，赢了秒提现，跟着导师下注稳赢",
    ],
    "other": [
        "恭喜您的号码在周年庆中被抽中二等奖，奖金两万元，领奖前需要先交五百元手续费和个人所得税",
        "您有一笔个税退税尚未领取，请点击 t.cn/Rk9x 登录填写银行卡号和验证码，逾期作废",
    ],
}

ALARMING_BUT_NORMAL = [
    # Anti-fraud warnings from schools and the police.
    "【实验中学】反诈提醒：公检法机关不会电话办案，也没有所谓安全账户，凡是要求转账的都是诈骗，"
    "请家长和孩子一起学习。",
    "家长们注意，最近有骗子冒充老师收资料费，学校所有费用都走学校缴费平台，不会让大家转给个人。",
    "同学们：任何人向你索要验证码都不要给，刷单返利都是骗局，遇到问题打96110咨询。",
    "本周班会主题是防范电信诈骗，重点讲冒充公检法和注销校园贷两种手法，请同学们认真听讲。",
    # A bank's warning that names the red flags without a negation right before them.
    "【某某银行】提醒：近期有不法分子冒充我行客服，以修复征信、降低利息为名，要求客户把短信验证码"
    "告诉他们并缴纳服务费。我行从不收取此类费用。",
    "【某某银行】近期有人假冒本行工作人员，称可消除不良征信记录，并要求提供收到的验证码，此类来电请直接挂断。",
    # Genuine verification codes.
    "【某某出行】您的验证码是735208，5分钟内有效，请勿泄露给他人。",
    "验证码 904613，您正在登录某某银行手机银行，工作人员不会向您索要，请勿告诉任何人。",
    # Genuine bank and courier notices.
    "【某某银行】您尾号6621的储蓄卡11月3日14:20转账收入2,000.00元，余额5,312.40元。",
    "【某某银行】您的信用卡本期账单3,126.50元，最后还款日12月8日，可通过手机银行还款。",
    "【某某快递】您的包裹已放至小区东门驿站，取件码6-2-1038，请在今晚八点前取件。",
    "您在某某商城的订单已发货，运单号YT2026110300981，可在订单详情查看物流进度。",
    # Ordinary chat.
    "妈，我周末不回家了，学校有篮球比赛，下周再回去。",
]


def test_every_type_has_fresh_examples():
    assert set(FRESH) == set(FRAUD_CODES)


@pytest.mark.parametrize(
    "code, text", [(code, text) for code, texts in FRESH.items() for text in texts]
)
def test_fraud_types_recognised(code, text):
    result = checker_check(text)
    assert result.verdict in ("fraud", "suspicious"), result
    assert result.fraud_type == code, result
    assert result.fraud_type_label == FraudType(code).label
    assert result.rules and result.advice
    assert 0.5 <= result.confidence <= 1


# Terse first messages of two scams taught to every pupil and parent.
SHORT_SCAMS = [
    "小同学，登录游戏领免费皮肤，先用你爸爸的微信扫这个码授权一下",
    "【ETC服务】您的ETC已失效，请点击链接重新认证，逾期停止通行",
]


@pytest.mark.parametrize("text", SHORT_SCAMS)
def test_short_scams_are_not_normal(text):
    result = checker_check(text)
    assert result.verdict in ("fraud", "suspicious"), result
    assert result.fraud_type is not None


@pytest.mark.parametrize("text", SHORT_SCAMS)
def test_red_flags_alone_lift_a_terse_scam_the_model_doubts(text):
    # With P(fraud) 0.25 the model alone says normal; the red flags must make it suspicious.
    classes = ["game_trade", "other"]
    result = _decide(0.25, [0.5, 0.5], classes, find_flags(text), about_fraud(text))
    assert result.verdict == "suspicious", result


@pytest.mark.parametrize("text", ALARMING_BUT_NORMAL)
def test_alarming_but_normal_messages(text):
    result = checker_check(text)
    assert result.verdict == "normal", result
    assert result.fraud_type is None
    assert result.fraud_type_label == "正常"
    assert result.rules == []


def test_signals_point_into_the_original_text():
    text = "您涉嫌洗钱，请把钱转到安 全 账 户，并把验证码告诉我"
    result = checker_check(text)
    assert result.verdict == "fraud"
    by_code = {s.code: text[s.start : s.end] for s in result.signals}
    assert by_code["safe_account"] == "安 全 账 户"
    assert "验证码" in by_code["verification_code"]
    pieces = highlight_segments(text, result.signals)
    assert "".join(p for p, _, _ in pieces) == text
    assert ("安 全 账 户", "safe_account", "安全账户") in pieces


def test_batch_equals_single():
    texts = [FRESH["romance"][0], ALARMING_BUT_NORMAL[0]]
    batch = checker_check_many(texts)
    assert [r.as_dict() for r in batch] == [checker_check(t).as_dict() for t in texts]


def test_obfuscated_scam_still_caught():
    text = "我是公 安 局的，你涉*嫌*洗*钱，马上把钱转到安😀全😀账😀户，加ＶＸ：police110配合调查"
    result = checker_check(text)
    assert result.verdict == "fraud"
    assert result.fraud_type == "impersonate_authority"
