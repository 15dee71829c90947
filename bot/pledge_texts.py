"""What donors and officers read about a pledge: labels, payment details, receipts, reminders.

Shared by the chat journeys, the mailer that sends receipts and reminders, and the command line.
"""

from __future__ import annotations

import io

from bot.domain.banks import NAPAS_BANKS
from bot.domain.pledges import FUND_LABELS, PURPOSE_LABELS, STATUS_LABELS
from bot.domain.vietqr import build_payload
from bot.i18n import Gettext, local_date, money
from bot.settings import Settings
from storage.pledges import Pledge

# NAPAS BINs of the banks most study-promotion funds bank with; BANK_NAME overrides.


def bank_name(settings: Settings) -> str:
    return settings.bank_name or NAPAS_BANKS.get(settings.bank_bin, settings.bank_bin)


def fund_text(_: Gettext, kind: str, name: str | None) -> str:
    """'The city's study-promotion fund', or the fund of the named ward, school or clan."""
    if kind == "ward":
        return _("Study-promotion fund of {ward}").format(ward=name)
    if kind == "school":
        return _("Study-promotion fund of {school}").format(school=name)
    if kind == "clan":
        return _("Study-promotion fund of the {clan} clan").format(clan=name)
    return _(FUND_LABELS["city"])


def fund_of(_: Gettext, pledge: Pledge) -> str:
    return fund_text(_, pledge.fund_kind, pledge.fund_name)


def payment_payload(settings: Settings, pledge: Pledge) -> str:
    return build_payload(settings.bank_bin, settings.bank_account, pledge.amount, pledge.reference)


def qr_png(payload: str, scale: int = 8) -> bytes:
    """The VietQR image as PNG bytes (segno; error correction M; never a Micro QR)."""
    import segno

    out = io.BytesIO()
    segno.make_qr(payload, error="m", boost_error=False).save(
        out, kind="png", scale=scale, border=4
    )
    return out.getvalue()


def payment_text(_: Gettext, lang: str, settings: Settings, pledge: Pledge) -> str:
    """How to pay this pledge: the bank details to copy, or where to bring cash."""
    amount = money(pledge.amount, lang)
    if pledge.method == "transfer" and settings.bank_transfer:
        lines = [
            _("🏦 Transfer {amount} to:").format(amount=amount),
            _("Bank: {bank}").format(bank=bank_name(settings)),
            _("Account number: {account}").format(account=settings.bank_account),
        ]
        if settings.bank_account_name:
            lines.append(_("Account holder: {name}").format(name=settings.bank_account_name))
        lines += [
            _("Transfer note: {reference}").format(reference=pledge.reference),
            "",
            _(
                "Scan the QR code with your banking app: the amount and the note are filled in. "
                "Please keep the note exactly as it is, so that we can match your transfer."
            ),
        ]
        return "\n".join(lines)
    office = settings.office_address or _("the office of the Study Promotion Association")
    return _(
        "💵 Please bring {amount} in cash to {office}, and give the pledge number {reference}. "
        "You will get a receipt here as soon as an officer records it."
    ).format(amount=amount, office=office, reference=pledge.reference)


def pledge_line(_: Gettext, lang: str, pledge: Pledge) -> str:
    """One line of a list: number, amount, fund and status."""
    parts = (
        pledge.reference,
        money(pledge.amount, lang),
        fund_of(_, pledge),
        _(STATUS_LABELS[pledge.status]),
    )
    return " · ".join(parts)


def receipt_text(_: Gettext, lang: str, settings: Settings, pledge: Pledge) -> str:
    received = pledge.received_at or pledge.created_at
    return _(
        "🧾 Receipt\n\n"
        "The Study Promotion Association has received {amount} for: {fund} "
        "({purpose}), on {date}.\n"
        "Pledge number: {reference}\n\n"
        "Thank you with all our hearts! Your gift helps pupils keep learning and honours those "
        "who study and teach well."
    ).format(
        amount=money(pledge.received_amount, lang),
        fund=fund_of(_, pledge),
        purpose=_(PURPOSE_LABELS[pledge.purpose]).lower(),
        date=local_date(received, lang, settings.tz),
        reference=pledge.reference,
    )


def rejection_text(_: Gettext, lang: str, pledge: Pledge) -> str:
    return _(
        "About your pledge {reference} of {amount}: the Association could not accept it.\n"
        "Reason: {reason}\n\n"
        "If you think this is a mistake, please contact the Association's office. "
        "Thank you for your kindness."
    ).format(
        reference=pledge.reference,
        amount=money(pledge.amount, lang),
        reason=pledge.reject_reason or "-",
    )


def reminder_text(_: Gettext, lang: str, settings: Settings, pledge: Pledge) -> str:
    return "\n".join(
        [
            _(
                "🔔 A gentle reminder: your pledge {reference} of {amount} ({fund}), made "
                "on {date}, is still waiting for the money."
            ).format(
                reference=pledge.reference,
                amount=money(pledge.amount, lang),
                fund=fund_of(_, pledge),
                date=local_date(pledge.created_at, lang, settings.tz),
            ),
            "",
            payment_text(_, lang, settings, pledge),
            "",
            _(
                "If you have already paid, thank you: you will get a receipt once it is "
                "recorded. If you have changed your mind, you can cancel the pledge below."
            ),
        ]
    )
