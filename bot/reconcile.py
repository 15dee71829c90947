"""Reconciling a bank statement with the pledges: the same for a file sent in chat and for
`python -m bot pledges reconcile FILE`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.domain.statement import Statement, StatementProblem, parse_statement
from bot.domain.vietqr import make_reference, parse_reference
from bot.i18n import Gettext, money
from storage import Database
from storage.pledges import StatementEntry, StatementOutcome, apply_statement

LISTED = 10  # lines listed per kind of outcome; the rest are counted (a message is 4,096 chars)


@dataclass(frozen=True)
class Reconciliation:
    file_name: str | None
    statement: Statement
    outcomes: list[StatementOutcome]

    def of(self, kind: str) -> list[StatementOutcome]:
        return [o for o in self.outcomes if o.outcome == kind]


def entries_of(statement: Statement) -> list[StatementEntry]:
    entries = []
    for line in statement.lines:
        found = parse_reference(line.description)
        reference = pledge_id = None
        if found is not None:
            year, pledge_id = found
            try:
                reference = make_reference(year, pledge_id)
            except ValueError:
                reference = pledge_id = None
        entries.append(
            StatementEntry(line.fingerprint, line.row, line.amount, reference, pledge_id)
        )
    return entries


async def reconcile(
    db: Database, data: bytes, file_name: str | None, at: datetime
) -> Reconciliation:
    """Parse and apply a statement; raises bot.domain.statement.StatementError on a bad file."""
    statement = await asyncio.to_thread(parse_statement, data)  # up to a second for 5 MB
    outcomes = await apply_statement(db, entries_of(statement), file_name, at)
    return Reconciliation(file_name, statement, outcomes)


def problem_text(_: Gettext, problem: StatementProblem) -> str:
    texts = {
        StatementProblem.EMPTY: _("The file is empty."),
        StatementProblem.TOO_LARGE: _(
            "The file is too large: at most 5 MB and 50,000 lines. Please split it by period."
        ),
        StatementProblem.NOT_TEXT: _(
            "This is not a CSV file. In your bank's online banking, export the statement as CSV "
            "(or save the Excel file as “CSV UTF-8”) and send that."
        ),
        StatementProblem.NO_COLUMNS: _(
            "I could not find the columns of a statement: I need a column with the amount "
            "credited (such as “Số tiền ghi có” or “Credit”) and one with the transfer note "
            "(such as “Nội dung” or “Description”)."
        ),
    }
    return texts[problem]


def summary_text(_: Gettext, lang: str, result: Reconciliation) -> str:
    """What matched, what did not, and what was imported before, for the officer."""
    matched, mismatch = result.of("matched"), result.of("mismatch")
    unknown, already = result.of("unknown"), result.of("already")
    no_reference, seen = result.of("no_reference"), result.of("seen")
    lines = [
        _("📄 Bank statement {name}: {count} incoming transfers read.").format(
            name=result.file_name or "", count=len(result.outcomes)
        ),
        "",
    ]

    def listed(items: list[StatementOutcome], describe: object) -> None:
        for item in items[:LISTED]:
            lines.append("  • " + describe(item))  # type: ignore[operator]
        if len(items) > LISTED:
            lines.append("  " + _("… and {count} more").format(count=len(items) - LISTED))

    lines.append(
        _("✅ Matched and marked received: {count} ({amount})").format(
            count=len(matched), amount=money(sum(o.entry.amount for o in matched), lang)
        )
    )
    listed(
        matched,
        lambda o: _("{reference}: {amount}").format(
            reference=o.entry.reference, amount=money(o.entry.amount, lang)
        ),
    )
    if mismatch:
        lines.append(
            _("⚠️ Amount differs from the pledge, not marked: {count}").format(count=len(mismatch))
        )
        listed(
            mismatch,
            lambda o: _("line {row}, {reference}: pledged {pledged}, transferred {amount}").format(
                row=o.entry.row,
                reference=o.entry.reference,
                pledged=money(o.pledge.amount, lang) if o.pledge else "?",
                amount=money(o.entry.amount, lang),
            ),
        )
    if unknown:
        lines.append(_("❓ Unknown pledge reference: {count}").format(count=len(unknown)))
        listed(
            unknown,
            lambda o: _("line {row}, {reference}: {amount}").format(
                row=o.entry.row, reference=o.entry.reference, amount=money(o.entry.amount, lang)
            ),
        )
    if already:
        lines.append(
            _("↩️ Pledge already received, rejected or cancelled: {count}").format(
                count=len(already)
            )
        )
        listed(
            already,
            lambda o: _("line {row}, {reference}: {amount}").format(
                row=o.entry.row, reference=o.entry.reference, amount=money(o.entry.amount, lang)
            ),
        )
    if no_reference:
        lines.append(
            _("Without a pledge reference (left alone): {count}").format(count=len(no_reference))
        )
    if seen:
        lines.append(_("🔁 Imported before, unchanged: {count}").format(count=len(seen)))
    statement = result.statement
    if statement.debits:
        lines.append(_("Outgoing or zero lines skipped: {count}").format(count=statement.debits))
    if statement.unreadable:
        rows = ", ".join(str(r) for r in statement.unreadable[:LISTED])
        lines.append(_("Lines whose amount I could not read: {rows}").format(rows=rows))
    if matched:
        lines += ["", _("The donors of the matched pledges are being thanked with a receipt.")]
    return "\n".join(lines)
