"""Generic boilerplate lines left in extracted article text (any site, several languages).

Used by ``newscrawl.parsing.maintext`` on trafilatura's output. Each rule is anchored
on a whole short line, so a sentence that merely mentions "newsletter" or "photo" is
kept; none names a site.
"""

from __future__ import annotations

import re

_MAX_LEN = 200

_SOCIAL = r"(twitter|x|facebook|instagram|linkedin|tiktok|youtube|whatsapp|telegram|threads|bluesky|google news)"

_PATTERNS = [
    # advertisement labels
    r"(advertisement|advertising|sponsored( content)?|anzeige|werbung|publicité|publicidad|pubblicità|reklame|"
    r"reklama|annons)",
    # "Read more: <headline>" teasers pointing at other articles
    r"(read (more|also|next)|see also|related( articles?| stories| coverage)?|more on this( story)?|"
    r"lesen sie (auch|mehr|hier)|mehr (zum thema|dazu)|auch interessant|weiterlesen|"
    r"lire aussi|à lire aussi|lea también|leer más|leia também|leggi anche|"
    r"les også|läs också|læs også|lees ook|czytaj (też|także|więcej)|čtěte také)(\s*[:>»|–-].*)?",
    # share / follow / comment prompts
    r"(share (this|on)( article| story)?|like this (story|article)\?.*|follow (us|\w+( \w+){0,3}) on " + _SOCIAL + r".*|"
    r"click here to .*|get .* (on the go )?by clicking here|tap here to .*|"
    r"comments?|leave a (comment|reply)|join the (conversation|discussion)|tell us what you think.*)",
    # newsletter / subscription prompts
    r"(sign up|subscribe)( now| today| here)? (for|to) (our|the) .*newsletter.*",
    r"(sign up|subscribe) (now|today|here)[.!]?",
    # affiliate disclosures
    r".*\b(may|might|could|will) (earn|get|receive|make) (a|an)( small)? (share|commission|affiliate commission|"
    r"portion)\b.*",
    # reading time
    r"(reading time|read time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|tempo de leitura|"
    r"tempo di lettura|lestid|lästid|leestijd)\s*:?\s*\d+\s*\w{0,8}\.?",
    r"\d+\s*(min|mins|minutes?|minuten|minutos|minuti)\.? (read|lesezeit|de lecture|de lectura|de leitura|di lettura)",
    # photo credits: "Photo: X", "Foto: X / dpa", "X/Getty Images"
    r"(photo|photograph|picture|image|foto|bild|zdjęcie|kuva|credit)s?\s*(credit)?\s*[:©].{0,80}",
    r"([^.!?]{0,60}(/|\bvia\b|\||©|,)\s*)?(getty images|afp|reuters|ap photo|dpa|imago|epa|shutterstock|istock|"
    r"picture alliance|keystone|anp|ritzau|ntb|tt)(\s*\(.{0,40}\))?\.?",
    # a bare machine timestamp (metadata leaking out of scripts)
    r"\d{4}-\d\d-\d\d([t ]\d\d:\d\d(:\d\d(\.\d+)?)?(z|[+-]\d\d:?\d\d)?)?",
]

_BOILERPLATE = re.compile(r"^\W*(?:" + "|".join(_PATTERNS) + r")\W*$", re.IGNORECASE)

# "Updated: 19 November 2019, 13:40", "Stand: 22.04.2024" (anywhere in the body)
_DATELINE = re.compile(
    r"^\W*(last )?(updated|published|posted|modified|stand|aktualisiert|veröffentlicht|publié( le)?|"
    r"mis à jour( le)?|actualizado|publicado|aggiornato|pubblicato|opdateret|oppdatert|publisert|uppdaterad|"
    r"publicerad|bijgewerkt|gepubliceerd|zaktualizowano|opublikowano)\b\s*(:|at|on|am|um|le|el|den|il)?\s*"
    r"(?=.{0,50}$)[^!?]*\d[^!?]*$", re.IGNORECASE)
# "By Jane Doe", "Von Max Muster und Erika Muster" (only near the top or the end of the body)
_BYLINE = re.compile(
    r"^\W*(by|von|par|por|av|af|door|przez|autor|autorin|written by|reporting by)[: ]\s*"
    r"\w[\w.'’-]*(\s+(and|und|et|y|e|og|och|en|i|&|,)?\s*\w[\w.'’-]*){0,6}"
    r"(\s*[,|/–-]\s*[^.!?]{0,40})?$", re.IGNORECASE)
# "Jane Doe contributed reporting.", "(Reporting by Jane Doe; Editing by John Doe)" (the end of the body)
_CREDITS = re.compile(
    r"^\W*((\w[\w.,'’-]*\s+){1,20}contributed (reporting|to this (report|story|article))"
    r"( from .{1,40})?|reporting by .{3,150}|(additional )?reporting by .{3,80}; editing by .{3,80})\W*$",
    re.IGNORECASE)


def is_metadata_line(line: str, edge: bool) -> bool:
    """A dateline ("Updated ..."); near the body's edges (``edge``) a byline or credit line."""
    if len(line) > 200:
        return False
    if len(line) <= 100 and _DATELINE.match(line):
        return True
    if not edge:
        return False
    if _CREDITS.match(line):
        return True
    return len(line) <= 100 and _BYLINE.match(line) is not None and line[line.find(" ") + 1:][:1].isupper()


def is_boilerplate(line: str) -> bool:
    """True for a short line that is page furniture rather than article text."""
    return len(line) <= _MAX_LEN and _BOILERPLATE.match(line) is not None
