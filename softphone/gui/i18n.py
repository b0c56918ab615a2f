"""Installing the UI translation (German, English) into the application, switchable live.

The .ts sources are in i18n/ (scripts/update_translations.py refreshes them from the code);
the .qm files are built from them by scripts/bootstrap.sh. Switching installs a new
translator and removes the previous one; Qt then sends every widget a LanguageChange event
and the widgets retranslate themselves in changeEvent().

The installed translators are children of the application object, found again by their
object names: no module-level state.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from softphone.common.resources import resources_dir

APP_TRANSLATOR = "softphone-translator"
QT_TRANSLATOR = "softphone-qt-translator"
CATALOG = "softphone"


def i18n_dir() -> Path:
    """The directory of the .qm files: i18n/ in a checkout (beside the package), else
    share/softphone/i18n of an installed package (never <prefix>/share/i18n: on Debian
    that is glibc's locale directory)."""
    checkout = Path(__file__).resolve().parents[2] / "i18n"
    installed = resources_dir() / "i18n"
    return checkout if checkout.is_dir() else installed


def available_languages() -> list[tuple[str, str]]:
    """(code, name to show) of the selectable languages; names in their own language."""
    return [
        ("system", QCoreApplication.translate("i18n", "System language")),
        ("de", "Deutsch"),
        ("en", "English"),
    ]


def _locale(language: str) -> QLocale:
    return QLocale.system() if language == "system" else QLocale(language)


def _remove(app: QCoreApplication, name: str) -> None:
    for old in app.findChildren(QTranslator, name):
        app.removeTranslator(old)
        old.setParent(None)  # now owned by the Python wrapper, freed with it


def uninstall_translators(app: QCoreApplication) -> None:
    """Back to the source strings (English) and the system's locale: undo install_translator."""
    _remove(app, APP_TRANSLATOR)
    _remove(app, QT_TRANSLATOR)
    QLocale.setDefault(QLocale.system())


def install_translator(
    app: QCoreApplication, language: str, directory: Path | None = None
) -> QTranslator | None:
    """Install the translation for `language` ("system", "de" or "en") into `app`.

    Removes the translator installed before. Returns the installed translator, or None
    when the source strings (English) are used because no catalogue matched.
    `directory` overrides where the .qm files are looked for (tests).
    """
    uninstall_translators(app)
    locale = _locale(language)
    # Dates, times and numbers (QLocale()) follow the chosen language, not only the words.
    QLocale.setDefault(locale)
    directory = directory if directory is not None else i18n_dir()

    # Qt's own strings (standard dialog buttons, context menus), where the wheel has them.
    qt_translator = QTranslator(app)
    qt_translator.setObjectName(QT_TRANSLATOR)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_translator.load(locale, "qtbase", "_", qt_dir):
        app.installTranslator(qt_translator)
    else:
        qt_translator.setParent(None)

    translator = QTranslator(app)
    translator.setObjectName(APP_TRANSLATOR)
    if translator.load(locale, CATALOG, "_", str(directory)):
        app.installTranslator(translator)
        return translator
    # No catalogue (e.g. English without an en .qm): the source strings, which are English.
    # Removing the previous translator has already sent widgets a LanguageChange.
    translator.setParent(None)
    return None
