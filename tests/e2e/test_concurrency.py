"""Users registering at the same time never see or overwrite each other's answers."""

from __future__ import annotations

import asyncio

from bot.devtools.local import LocalBot
from tests.support import Chat, eventually, with_telegram

AGREE = "✅ Tôi đồng ý"
SHARE = "📱 Gửi số điện thoại của tôi"
NAME_Q = "Họ và tên đầy đủ của bạn là gì? Ví dụ: Nguyễn Thị Lan"
PHONE_Q = "Số điện thoại của bạn là gì?"
YEAR_Q = "Bạn sinh năm nào? Ví dụ: 1985"
WARD_Q = "Bạn sống ở xã, phường nào?"
CATEGORY_Q = "Bạn thuộc đối tượng nào?"
ORG_Q = "Bạn đang công tác hoặc học tập tại cơ quan"
SUMMARY_Q = "Bạn vui lòng kiểm tra lại thông tin:"


async def test_two_users_at_the_same_time_never_see_each_others_answers(
    local: LocalBot,
) -> None:
    lan = Chat(local, 5001, name="Lan", phone="+84912345678")
    minh = Chat(local, 5002, name="Minh", phone="+84987654321")
    both = (lan, minh)

    await asyncio.gather(lan.send("/join"), minh.send("/join"))
    await asyncio.gather(lan.press(AGREE), minh.press(AGREE))
    assert lan.replies() == minh.replies() == [NAME_Q]

    await asyncio.gather(lan.send("Phạm Ngọc Lan"), minh.send("Trần Văn Minh"))
    for chat in both:
        assert len(chat.replies()) == 1
        assert chat.replies()[0].startswith(PHONE_Q)

    await asyncio.gather(lan.reply_button(SHARE), minh.reply_button(SHARE))
    assert lan.replies() == minh.replies() == [YEAR_Q]

    await asyncio.gather(lan.send("1990"), minh.send("2012"))
    assert lan.replies()[0].startswith(WARD_Q)
    assert minh.replies()[0].startswith("Bạn chưa đủ 16 tuổi")
    await minh.send("Trần Văn Hùng")
    await asyncio.gather(lan.send("ngo quyen"), minh.send("0977 111 222"))
    assert lan.last.buttons == ["Phường Ngô Quyền"]
    assert minh.replies()[0].startswith(WARD_Q)
    await minh.send("le chan")
    await asyncio.gather(lan.press("Phường Ngô Quyền"), minh.press("Phường Lê Chân"))
    assert lan.replies() == minh.replies() == [CATEGORY_Q]
    await asyncio.gather(lan.press("Giáo viên"), minh.press("Học sinh, sinh viên"))
    await asyncio.gather(lan.press("Bỏ qua"), minh.send("Trường THCS Chu Văn An"))

    lan_summary, minh_summary = lan.reply_text(), minh.reply_text()
    assert lan_summary.startswith(SUMMARY_Q)
    assert minh_summary.startswith(SUMMARY_Q)
    for expected in (
        "Họ và tên: Phạm Ngọc Lan",
        "Số điện thoại: 0912 345 678",
        "Năm sinh: 1990",
        "Xã, phường: Phường Ngô Quyền",
        "Đối tượng: Giáo viên",
        "Cơ quan, đơn vị: không có",
    ):
        assert expected in lan_summary
    for expected in (
        "Họ và tên: Trần Văn Minh",
        "Số điện thoại: 0987 654 321",
        "Năm sinh: 2012",
        "Cha mẹ hoặc người giám hộ: Trần Văn Hùng, 0977 111 222",
        "Xã, phường: Phường Lê Chân",
        "Đối tượng: Học sinh, sinh viên",
        "Cơ quan, đơn vị: Trường THCS Chu Văn An",
    ):
        assert expected in minh_summary
    for other in ("Minh", "0987", "Lê Chân", "Hùng", "Chu Văn An", "2012"):
        assert other not in lan_summary
    for other in ("Lan", "0912", "Ngô Quyền", "1990"):
        assert other not in minh_summary
    # Nothing of one chat was ever sent to the other.
    assert not any("Minh" in (m.text or "") for m in lan.messages)
    assert not any("Phạm Ngọc Lan" in (m.text or "") for m in minh.messages)

    await asyncio.gather(lan.press("✅ Xác nhận"), minh.press("✅ Xác nhận"))
    rows = await local.runtime.db.fetchall(with_telegram("members") + " ORDER BY telegram_id")
    got = [
        (
            r["telegram_id"],
            r["full_name"],
            r["phone"],
            r["birth_year"],
            r["guardian_name"],
            r["guardian_phone"],
            r["ward_name"],
            r["category"],
            r["organisation"],
        )
        for r in rows
    ]
    assert got == [
        (
            5001,
            "Phạm Ngọc Lan",
            "+84912345678",
            1990,
            None,
            None,
            "Phường Ngô Quyền",
            "teacher",
            None,
        ),
        (
            5002,
            "Trần Văn Minh",
            "+84987654321",
            2012,
            "Trần Văn Hùng",
            "+84977111222",
            "Phường Lê Chân",
            "pupil",
            "Trường THCS Chu Văn An",
        ),
    ]
    assert {r["member_no"] for r in rows} == {"HP-2026-000001", "HP-2026-000002"}
    # Each member's consent is their own.
    for r in rows:
        consent = await local.runtime.db.fetchone(
            f"SELECT telegram_id, granted FROM ({with_telegram('consents')}) WHERE id = ?",
            (r["consent_id"],),
        )
        assert consent is not None
        assert (consent["telegram_id"], consent["granted"]) == (r["telegram_id"], 1)
    for chat in both:
        number = next(r["member_no"] for r in rows if r["telegram_id"] == chat.user_id)
        assert f"Số thẻ hội viên của bạn là {number}" in chat.reply_text()


async def test_one_users_burst_of_answers_is_handled_in_order(local: LocalBot) -> None:
    chat = Chat(local, 5003)
    await chat.send("/join")
    await chat.press(AGREE)
    before = len(chat.messages)
    # Typed faster than the bot answers: all four updates arrive in one batch.
    for text in ("Hoàng Thị Mai", "0912 345 678", "1985", "ngo quyen"):
        await local.emulator.send_text(chat.user_id, text)
    await local.settle()
    texts = [m.text or "" for m in chat.messages[before:]]
    assert len(texts) == 4
    assert texts[0].startswith(PHONE_Q)
    assert texts[1] == YEAR_Q
    assert texts[2].startswith(WARD_Q)
    assert texts[3] == "Chọn xã, phường của bạn:"
    await chat.press("Phường Ngô Quyền")
    await chat.press("Phụ huynh")
    await chat.press("Bỏ qua")
    summary = chat.reply_text()
    assert "Họ và tên: Hoàng Thị Mai" in summary
    assert "Năm sinh: 1985" in summary
    await chat.press("✅ Xác nhận")
    row = await local.runtime.db.fetchone(
        "SELECT * FROM members"
        " WHERE person_id = (SELECT person_id FROM accounts WHERE external_id = '5003')"
    )
    assert row is not None
    assert (row["full_name"], row["phone"], row["birth_year"]) == (
        "Hoàng Thị Mai",
        "+84912345678",
        1985,
    )


async def join_quickly(chat: Chat, index: int) -> None:
    await chat.send("/join")
    await chat.press(AGREE)
    await chat.send(f"Người Thứ {chr(ord('A') + index)}")
    await chat.reply_button(SHARE)
    await chat.send(str(1950 + index))
    await chat.send("ngo quyen")
    await chat.press("Phường Ngô Quyền")
    await chat.press("Công nhân, viên chức, người lao động")
    await chat.press("Bỏ qua")
    await chat.press("✅ Xác nhận")


async def test_twenty_users_join_at_once_with_distinct_numbers(local: LocalBot) -> None:
    chats = [Chat(local, 6000 + i, phone=f"+8491200{i:04d}") for i in range(20)]
    await asyncio.gather(*(join_quickly(chat, i) for i, chat in enumerate(chats)))

    rows = await local.runtime.db.fetchall(with_telegram("members") + " ORDER BY member_no")
    assert [r["member_no"] for r in rows] == [f"HP-2026-{n:06d}" for n in range(1, 21)]
    by_user = {r["telegram_id"]: r for r in rows}
    assert sorted(by_user) == [chat.user_id for chat in chats]
    for i, chat in enumerate(chats):
        row = by_user[chat.user_id]
        assert row["full_name"] == f"Người Thứ {chr(ord('A') + i)}"
        assert row["phone"] == f"+8491200{i:04d}"
        assert row["birth_year"] == 1950 + i
        assert f"Số thẻ hội viên của bạn là {row['member_no']}" in chat.reply_text()
    assert local.emulator.api_errors == []


async def test_one_user_flooding_does_not_stall_the_others(local: LocalBot) -> None:
    flooder, other = Chat(local, 6101), Chat(local, 6102)
    await flooder.send("/start")
    await other.send("/start")
    local.emulator.set_latency(0.02)
    for _ in range(60):
        local.emulator.enqueue_text(flooder.user_id, "/help")
    await asyncio.sleep(0.3)  # the flood is being processed, one update at a time
    started = asyncio.get_running_loop().time()
    local.emulator.enqueue_text(other.user_id, "/help")
    await eventually(lambda: len(other.messages) == 2, timeout=20)
    waited = asyncio.get_running_loop().time() - started
    assert waited < 0.5, f"the other user waited {waited:.2f} s behind the flood"
    await local.settle(timeout=30)
    # At most ten waiting updates per account: the oldest of the flood were dropped, and the
    # flooder was asked once to slow down; the newest were answered.
    texts = [m.text or "" for m in flooder.messages]
    slow = [t for t in texts if "Bạn gửi tin nhắn nhanh quá" in t]
    assert len(slow) == 1
    answered = len(texts) - 1 - len(slow)  # less the greeting
    assert 1 <= answered <= 12, texts
    assert texts[-1] == other.messages[-1].text  # the flood's last /help was answered
