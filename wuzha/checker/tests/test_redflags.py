import pytest

from wuzha.checker.normalize import normalize
from wuzha.checker.redflags import find_flags


def codes(text: str) -> set[str]:
    return {h.code for h in find_flags(text)}


def spans(text: str, code: str) -> list[str]:
    return [text[h.start : h.end] for h in find_flags(text) if h.code == code]


@pytest.mark.parametrize(
    "text",
    [
        "马上把存款转进安全账户",
        "马上把存款转进安 全 账 户",
        "马上把存款转进安*全*账*户",
        "马上把存款转进安.全.账.户",
        "马上把存款转进安😀全😀账😀户",
        "马上把存款转进安\u200b全\u200b账\u200b户",
        "马上把存款转进安全帐户",
        "马上把存款转进ＡＢＣ安全账户",
    ],
)
def test_safe_account_survives_obfuscation(text):
    assert "safe_account" in codes(text)
    # The highlight covers the original characters, separators included.
    (hit,) = spans(text, "safe_account")
    assert hit[0] == "安" and hit[-1] == "户"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("加ＶＸ：lucky8899 领红包", "微信"),
        ("加V信 lucky8899 领红包", "微信"),
        ("加薇信lucky8899领红包", "微信"),
        ("加威信lucky8899领红包", "微信"),
        ("加vx lucky8899领红包", "微信"),
        ("加扣扣 20231234 领红包", "QQ"),
        ("用zfb付款", "支付宝"),
        ("把yhk号码发我", "银行卡"),
    ],
)
def test_variant_spellings_are_normalized(text, expected):
    assert expected in normalize(text).text


def test_full_width_and_case_fold():
    norm = normalize("ＨＴＴＰ：／／ＡＢＣ．ＣＯＭ／ｘ")
    assert norm.text.startswith("http://abc.com")
    assert "link" in codes("点开ＨＴＴＰ：／／ＡＢＣ．ＣＯＭ／ｘ领取")


def test_offsets_map_back_to_original_text():
    text = "您好，请把验 证 码发给我，谢谢"
    (hit,) = spans(text, "verification_code")
    assert hit.startswith("验") and "发给" in hit


@pytest.mark.parametrize(
    "text, code",
    [
        ("你先垫付三百，做完连本带利返还", "advance_rebate"),
        ("提现前要交一笔解冻费", "unfreeze_fee"),
        ("你的校园贷账户必须注销，不然影响征信", "credit_record"),
        ("老师有内幕消息，稳赚不赔", "insider_profit"),
        ("我换号了，这是我的新微信", "new_contact"),
        ("收你的游戏账号，三千块", "game_trade"),
        ("恭喜您中奖了，请领取奖金", "prize_refund"),
        ("打开共享屏幕，我教你操作", "screen_share"),
        ("我们部队要采购一批矿泉水", "military_purchase"),
        ("刚才裸聊的视频我录下来了", "illicit"),
        ("点这个链接 t.cn/Ab12 看看", "link"),
        ("有事打我电话13912345678", "phone_number"),
        ("加我QQ好友详聊", "im_contact"),
        ("今天之内必须办好，否则冻结", "urgency"),
        ("这件事要保密，不要告诉家人", "secrecy"),
        ("无抵押贷款，秒批到账", "loan_offer"),
        ("你涉嫌洗钱，警官要和你通话", "authority_claim"),
        ("拿你爸爸的手机扫一下就能领", "parent_phone"),
        ("您的驾驶证即将失效，请尽快点击完成重新认证", "expired_verify"),
        ("请点击以下链接完成认证", "link"),
    ],
)
def test_each_flag(text, code):
    assert code in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "公安机关不会要求你把钱转到安全账户。",
        "验证码请勿泄露给他人，不要把验证码告诉任何人。",
        "谨防刷单返利诈骗，任何先垫付后返利的兼职都不要做。",
    ],
)
def test_warnings_are_not_flags(text):
    assert not codes(text) & {"safe_account", "verification_code", "advance_rebate"}
