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


def is_boilerplate(line: str) -> bool:
    """True for a short line that is page furniture rather than article text."""
    return len(line) <= _MAX_LEN and _BOILERPLATE.match(line) is not None
