#!/usr/bin/env python3
"""Refresh i18n/softphone_de.ts and i18n/softphone_en.ts from the GUI sources.

Runs pyside6-lupdate over every .py file under softphone/gui (recursively). Existing
translations are kept; strings no longer in the code are dropped. New strings come in
"unfinished": translate them in Qt Linguist (pyside6-linguist) or by editing the .ts.
The English source strings are English, so --fill-en marks every unfinished English
entry as finished with the source text as its translation.

Usage: .venv/bin/python scripts/update_translations.py [--fill-en] [--check]
  --check  exit 1 and list the strings without a finished translation (changes nothing
           beyond what lupdate writes).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "softphone" / "gui"
I18N = ROOT / "i18n"
LANGUAGES = ("de", "en")


def lupdate_binary() -> str:
    beside = Path(sys.executable).parent / "pyside6-lupdate"
    venv = ROOT / ".venv" / "bin" / "pyside6-lupdate"
    for candidate in (beside, venv):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("pyside6-lupdate")
    if found is None:
        raise SystemExit("pyside6-lupdate not found; run scripts/bootstrap.sh first")
    return found


def source_files(root: Path = SOURCES) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def run_lupdate(ts: Path, language: str, sources: list[Path], keep_obsolete: bool = False) -> None:
    """Merge the strings of `sources` into `ts` (created if missing)."""
    cmd = [lupdate_binary(), *map(str, sources), "-target-language", language,
           "-source-language", "en", "-locations", "none", "-silent"]
    if not keep_obsolete:
        cmd.append("-no-obsolete")
    cmd += ["-ts", str(ts)]
    subprocess.run(cmd, check=True)


def messages(ts: Path) -> dict[tuple[str, str, str], ET.Element]:
    """(context, source, disambiguation comment) -> <message> element."""
    tree = ET.parse(ts)
    found = {}
    for context in tree.getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            key = (name, message.findtext("source", ""), message.findtext("comment", ""))
            found[key] = message
    return found


def finished(message: ET.Element) -> bool:
    translation = message.find("translation")
    if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
        return False
    forms = translation.findall("numerusform")
    if forms:
        return all((f.text or "").strip() for f in forms)
    return bool((translation.text or "").strip())


def fill_english(ts: Path) -> int:
    """Give every unfinished English entry its source text; returns how many."""
    tree = ET.parse(ts)
    filled = 0
    for message in tree.getroot().iter("message"):
        translation = message.find("translation")
        if translation is None or translation.get("type") != "unfinished":
            continue
        source = message.findtext("source", "")
        forms = translation.findall("numerusform")
        if forms:
            for form in forms:
                form.text = source
        else:
            translation.text = source
        del translation.attrib["type"]
        filled += 1
    if filled:
        tree.write(ts, encoding="utf-8", xml_declaration=True)
    return filled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill-en", action="store_true",
                        help="mark unfinished English entries finished with the source text")
    parser.add_argument("--check", action="store_true",
                        help="list untranslated strings and exit 1 if there are any")
    args = parser.parse_args(argv)
    sources = source_files()
    I18N.mkdir(exist_ok=True)
    missing: list[str] = []
    for language in LANGUAGES:
        ts = I18N / f"softphone_{language}.ts"
        run_lupdate(ts, language, sources)
        if language == "en" and args.fill_en:
            filled = fill_english(ts)
            if filled:
                run_lupdate(ts, language, sources)   # back to lupdate's own formatting
                print(f"{ts.name}: {filled} English entries filled from the source")
        for (context, source, _comment), message in messages(ts).items():
            if not finished(message):
                missing.append(f"{ts.name}: {context}: {source!r}")
    for line in missing:
        print(f"untranslated: {line}")
    print(f"{len(sources)} source files, {len(missing)} untranslated entries")
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
