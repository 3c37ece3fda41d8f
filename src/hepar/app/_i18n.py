"""The interface's languages (gettext catalogues, English and Dutch shipped).

The catalogues are gettext ``.po`` files in ``locale/<lang>/LC_MESSAGES/messages.po``; Babel
compiles them to ``messages.mo`` beside them at install (``make catalogs``; the ``.mo`` files are
not kept in git). A ``.po`` without its ``.mo``, or edited after it (a site's own wording), is
compiled in memory when the app starts instead, so that the ``.po`` always wins. The language
of a request is the ``hepar_lang`` cookie, else the browser's Accept-Language, else English; the
ePRO screen uses the patient's language instead.
"""

from __future__ import annotations

import gettext
import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "current_language", "gettext_", "language_of", "ngettext_"]

#: Interface languages: code -> name in that language.
LANGUAGES = {"en": "English", "nl": "Nederlands"}
LANG_COOKIE = "hepar_lang"
_LOCALE = Path(__file__).with_name("locale")
current_language: ContextVar[str] = ContextVar("hepar_language", default="en")


@cache
def _translations(language: str) -> gettext.NullTranslations:
    folder = _LOCALE / language / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if not po.is_file():
        return gettext.NullTranslations()
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as file:
            return gettext.GNUTranslations(file)
    with po.open("rb") as file:
        catalog = read_po(file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_(message: str) -> str:
    """``message`` in the current language."""
    return _translations(current_language.get()).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message in the current language."""
    return _translations(current_language.get()).ngettext(singular, plural, n)


def language_of(cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: the cookie's, else the first supported of Accept-Language."""
    if cookie in LANGUAGES:
        return str(cookie)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
