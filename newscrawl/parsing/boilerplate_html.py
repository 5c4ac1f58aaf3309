"""Generic boilerplate lines left in extracted article text (any site, several languages).

Each rule is anchored on a whole short line, so a sentence that merely mentions
"newsletter" or "photo" is kept.
"""

from __future__ import annotations

import re

_MAX_LEN = 200

_PATTERNS = [
    # advertisement labels
    r"(advertisement|advertising|sponsored|anzeige|werbung|publicité|publicidad|pubblicità|reklame|reklama|annons)",
    # "Read more: <headline>" teasers pointing at other articles
    r"(read (more|also|next)|see also|related( articles?| stories| coverage)?|more on this( story)?|"
    r"lesen sie (auch|mehr)|mehr (zum thema|dazu)|auch interessant|weiterlesen|"
    r"lire aussi|à lire aussi|lea también|leer más|leia também|leggi anche|"
    r"les også|läs också|læs også|lees ook|czytaj (też|także|więcej)|čtěte také)\b\s*[:>»|-]?.*",
    # share / follow prompts
    r"(share (this|on)( article| story)?|like this (story|article)\??.*|follow us on .*|"
    r"click here to .*|get .* (on the go )?by clicking here|tap here to .*)",
    # newsletter / subscription prompts
    r"(sign up|subscribe)( now| today| here)? (for|to) (our|the) .*newsletter.*",
    r"(sign up|subscribe) (now|today|here)[.!]?",
    # photo credits: "Photo: X", "Foto: X / dpa", "X/Getty Images"
    r"(photo|photograph|picture|image|foto|bild|zdjęcie|kuva|credit)s?\s*(credit)?\s*[:©].{0,80}",
    r"([^.!?]{0,60}(/|\bvia\b|\||©|,)\s*)?(getty images|afp|reuters|ap photo|dpa|imago|epa|shutterstock|istock|picture alliance|"
    r"keystone|anp|ritzau|ntb|tt)(\s*\(.{0,40}\))?\.?",
]

_PATTERNS += [
    # a bare machine timestamp (metadata leaking out of scripts)
    r"\d{4}-\d\d-\d\d([t ]\d\d:\d\d(:\d\d(\.\d+)?)?(z|[+-]\d\d:?\d\d)?)?",
]

_BOILERPLATE = re.compile(r"^\W*(?:" + "|".join(_PATTERNS) + r")\W*$", re.IGNORECASE)


# "Updated: 19 November 2019, 13:40", "Stand: 22.04.2024" (anywhere in the body)
_DATELINE = re.compile(
    r"^\W*(last )?(updated|published|posted|modified|stand|aktualisiert|veröffentlicht|publié( le)?|mis à jour( le)?|"
    r"actualizado|publicado|aggiornato|pubblicato|opdateret|oppdatert|publisert|uppdaterad|publicerad|"
    r"bijgewerkt|gepubliceerd|zaktualizowano|opublikowano)\b\s*(:|at|on|am|um|le|el|den|il)?\s*"
    r"(?=.{0,50}$)[^!?]*\d[^!?]*$", re.IGNORECASE)
# "By Jane Doe", "Von Max Muster und Erika Muster" (only near the top or the end of the body)
_BYLINE = re.compile(
    r"^\W*(by|von|par|por|di|de|da|av|af|door|przez|autor|autorin|text|written by|reporting by)[: ]\s*"
    r"\w[\w.'’-]*(\s+(and|und|et|y|e|og|och|en|i|und|&|,)?\s*\w[\w.'’-]*){0,6}"
    r"(\s*[,|/–-]\s*[^.!?]{0,40})?$", re.IGNORECASE)


def is_metadata_line(line: str, edge: bool) -> bool:
    """A dateline ("Updated ..."), or near the body's edges (``edge``) a byline ("By Jane Doe")."""
    if len(line) > 100:
        return False
    if _DATELINE.match(line):
        return True
    return edge and _BYLINE.match(line) is not None and line[line.find(" ") + 1:][:1].isupper()


def is_boilerplate(line: str) -> bool:
    """True for a short line that is page furniture rather than article text."""
    return len(line) <= _MAX_LEN and _BOILERPLATE.match(line) is not None
