"""Catalogue chores behind `make i18n`: fill English from the msgids, report Vietnamese gaps."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def untranslated(catalog: Catalog) -> list[str]:
    return [
        str(m.id)
        for m in catalog
        if (m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string))))
        or (m.id and m.fuzzy)
    ]


def fill_english(path: Path) -> int:
    """msgstr = msgid for every English message that is empty: English is the source language."""
    catalog = load(path)
    filled = 0
    for message in catalog:
        empty = not message.string or (
            isinstance(message.string, tuple) and not any(message.string)
        )
        if message.id and empty:
            message.string = message.id  # a plural's (singular, plural) pair too
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return filled


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("fill-english", "report"):
        sys.stderr.write("usage: python -m bot.i18n_tools fill-english|report FILE.po\n")
        return 2
    path = Path(argv[2])
    if argv[1] == "fill-english":
        sys.stdout.write(f"{path}: {fill_english(path)} English messages filled\n")
        return 0
    missing = untranslated(load(path))
    for msgid in missing:
        sys.stdout.write(f"untranslated: {msgid[:70]!r}\n")
    sys.stdout.write(f"{path}: {len(missing)} messages need a translation\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
