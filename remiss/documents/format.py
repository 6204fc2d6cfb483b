"""Principle documents as Markdown files with YAML front matter.

The file is the source a process owner keeps in version control, edits and imports;
`principles/README.md` describes it for them. In short:

    ---
    titel: Styrande principer för invånarinteraktion
    dokument: invanarinteraktion
    version: 1
    ägare: Regional process invånarinteraktion
    beslutas_av: Styrgruppen för digital patientkommunikation/invånarinteraktion
    ---

    ## Bakgrund {#bakgrund}

    Text of the section (Markdown).

    ### Alternativ: Definition 1

    One candidate wording of the section.

    ## Hur säkras kvalitet i principerna? {#kvalitetskriterier .kriterier}

    1. Stöder principen våra övergripande mål och värderingar?

    ## Princip 1. Hälsofrämjande kommunikation och information {#halsoframjande-kommunikation}

    Sammanslagen med: proaktiv-information

    The statement.

    Nyckelord: Hälsofrämjande, proaktivitet

    ### Vad innebär det för utförare och utvecklare?

    The implications (may be empty).

    ### Alternativ: Formulering A

    One candidate wording of the principle.

The line `Sammanslagen med:` (optional, first under a principle's heading) names the principles
merged into this one in this version: they have no text of their own here.

`parse_document()` turns text into plain dataclasses (nothing touches the database) and
raises `DocumentFormatError` listing every problem with its line number, in Swedish.
`write_document()` turns the dataclasses, or a `DocumentVersion`, back into text in the
canonical form: a canonical file is written back byte for byte, and any valid file
survives parse → write → parse unchanged.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml
from flask_babel import gettext as _

# Column sizes of the document tables: checked here so that a long value is a clear
# message with its line number instead of a database error.
MAX_KEY = 100
MAX_TITLE = 300
MAX_KEYWORDS = 500
MAX_LABEL = 200
MAX_CRITERION = 500
# Bodies are rendered by remiss.markdown, which is slow on some pathological inputs.
MAX_BODY = 20_000
MAX_FILE = 1_000_000
MAX_VERSION = 100_000
MAX_PROBLEMS = 20

KEYWORDS_PREFIX = "Nyckelord:"
MERGED_PREFIX = "Sammanslagen med:"
IMPLICATIONS_HEADING = "Vad innebär det för utförare och utvecklare?"
ALTERNATIVE_PREFIX = "Alternativ:"
PRINCIPLE_WORD = "Princip"
CRITERIA_CLASS = "kriterier"

# Front matter: the file's names (Swedish, for the process owner) and the field they fill.
FRONT_MATTER_FIELDS = {
    "titel": "title",
    "dokument": "key",
    "version": "version",
    "ägare": "owner",
    "beslutas_av": "decision_body",
    "ändringar": "change_summary",
}

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_H1 = re.compile(r"^#(?:\s|$)")
_H2 = re.compile(r"^##(?:\s+(.*?))?\s*$")
_H3 = re.compile(r"^###(?:\s+(.*?))?\s*$")
_ATTRIBUTES = re.compile(r"^(?P<text>.*?)\s*\{(?P<attrs>[^{}]*)\}$")
_PRINCIPLE_ATTEMPT = re.compile(rf"^{PRINCIPLE_WORD}(?![^\W\d_])", re.IGNORECASE)
_PRINCIPLE = re.compile(rf"^{PRINCIPLE_WORD}\s+(\d{{1,4}})\.\s+(\S.*)$")
_NUMBERED_HEADING = re.compile(r"^\d+\.\s")
_ALTERNATIVE_ATTEMPT = re.compile(r"^Alternativ(?![^\W\d_])", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"^Alternativ:\s*(.*)$")
_IMPLICATIONS = re.compile(r"^Vad innebär det för utförare och utvecklare\??$", re.IGNORECASE)
_KEYWORDS = re.compile(rf"^{KEYWORDS_PREFIX}(.*)$")
_MERGED = re.compile(rf"^{MERGED_PREFIX}(.*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CRITERION = re.compile(r"^ {0,3}\d{1,9}[.)](?:\s+(.*))?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


# --------------------------------------------------------------------------- data


@dataclass
class AlternativeData:
    label: str
    body: str = ""
    line: int = field(default=0, compare=False)


@dataclass
class SectionData:
    key: str
    heading: str
    body: str = ""
    is_criteria: bool = False
    alternatives: list[AlternativeData] = field(default_factory=list)
    # Derived from the body's numbered list when is_criteria.
    criteria: list[str] = field(default_factory=list)
    line: int = field(default=0, compare=False)


@dataclass
class PrincipleData:
    key: str
    number: int
    title: str
    statement: str = ""
    keywords: str = ""
    implications: str = ""
    alternatives: list[AlternativeData] = field(default_factory=list)
    # Keys of the principles merged into this one in this version ("Sammanslagen med: a, b").
    merged_from: list[str] = field(default_factory=list)
    line: int = field(default=0, compare=False)
    merged_line: int = field(default=0, compare=False)


@dataclass
class DocumentData:
    key: str
    title: str
    version: int | None = None
    owner: str = ""
    decision_body: str = ""
    change_summary: str = ""
    parts: list[SectionData | PrincipleData] = field(default_factory=list)
    # Front-matter name → line, for messages about values checked later (e.g. the version).
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def sections(self) -> list[SectionData]:
        return [p for p in self.parts if isinstance(p, SectionData)]

    @property
    def principles(self) -> list[PrincipleData]:
        return [p for p in self.parts if isinstance(p, PrincipleData)]

    @property
    def criteria(self) -> list[str]:
        return [c for s in self.sections if s.is_criteria for c in s.criteria]

    @property
    def alternatives(self) -> list[AlternativeData]:
        return [a for p in self.parts for a in p.alternatives]


# --------------------------------------------------------------------------- errors


@dataclass
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Rad %(line)s: %(message)s", line=self.line, message=self.message)


class DocumentFormatError(ValueError):
    """A file that is not a valid principle document; `problems` lists each with its line."""

    def __init__(self, problems: list[Problem] | str, line: int | None = None):
        if isinstance(problems, str):
            problems = [Problem(line, problems)]
        self.problems = problems
        super().__init__(str(self))

    @property
    def line(self) -> int | None:
        return self.problems[0].line if self.problems else None

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class _Problems:
    def __init__(self):
        self.items: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(line, message))

    def raise_if_any(self) -> None:
        if self.items:
            # Problems of the whole file (no line) last, after those the reader can jump to.
            raise DocumentFormatError(sorted(self.items, key=lambda p: (p.line is None, p.line or 0)))


# --------------------------------------------------------------------------- reading


def decode_source(data: bytes) -> str:
    """Bytes of a file as text; invalid UTF-8 is an error naming the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DocumentFormatError(
            _(
                "filen är inte giltig UTF-8 (byte %(byte)s). Spara filen som UTF-8 och försök igen.",
                byte=f"0x{data[error.start]:02X}",
            ),
            line=line,
        ) from None
    return text.removeprefix("\ufeff")


def _check_characters(lines: list[str], problems: _Problems) -> None:
    for number, line in enumerate(lines, 1):
        match = _CONTROL.search(line)
        if not match:
            continue
        char = match.group()
        if char == "\x00":
            problems.add(number, _("raden innehåller ett NUL-tecken (U+0000), som inte är tillåtet i text."))
        elif "\ud800" <= char <= "\udfff":
            problems.add(number, _("raden innehåller ett ogiltigt tecken (ej giltig Unicode)."))
        else:
            problems.add(
                number,
                _("raden innehåller ett otillåtet styrtecken (%(code)s).", code=f"U+{ord(char):04X}"),
            )


def _trim(lines: list[str]) -> str:
    """Body text as written, without the blank lines around it."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def slugify(text: str) -> str:
    """A key from a heading: 'För vem är principerna?' → 'for-vem-ar-principerna'."""
    ascii_text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:MAX_KEY].strip("-")


def criteria_from_body(body: str) -> list[str]:
    """The items of the numbered list(s) in a body, each as one line of text."""
    items: list[list[str]] = []
    current: list[str] | None = None
    after_blank = False
    fence: str | None = None
    for line in body.split("\n"):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            continue
        if fence_match:
            fence, current = fence_match.group(1), None
            continue
        if not line.strip():
            after_blank = True
            continue
        match = _CRITERION.match(line)
        if match:
            current = [(match.group(1) or "").strip()]
            items.append(current)
        elif current is not None and (not after_blank or line[:1] in (" ", "\t")):
            current.append(line.strip())
        else:
            current = None
        after_blank = False
    return [" ".join(part for part in item if part) for item in items]


_UNREADABLE = object()


def _parse_front_matter(lines: list[str], first_line: int, problems: _Problems) -> tuple[dict | None, dict[str, int]]:
    """Values and their line numbers (None if the YAML cannot be read); first_line is the file line of lines[0]."""
    source = "\n".join(lines)
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + mark.line if mark else first_line
        problems.add(line, _("huvudet (YAML) går inte att läsa: %(problem)s", problem=error.problem or error))
        return None, {}
    except yaml.YAMLError as error:
        problems.add(first_line, _("huvudet (YAML) går inte att läsa: %(problem)s", problem=error))
        return None, {}
    if root is None:
        problems.add(first_line - 1, _("huvudet är tomt: titel och dokument behövs."))
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        problems.add(first_line + root.start_mark.line, _("huvudet ska bestå av rader på formen 'namn: värde'."))
        return None, {}
    allowed = ", ".join(FRONT_MATTER_FIELDS)
    values: dict = {}
    line_of: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            problems.add(line, _("huvudet ska bestå av rader på formen 'namn: värde'."))
            continue
        name = key_node.value
        if name not in FRONT_MATTER_FIELDS:
            problems.add(line, _("okänt namn '%(name)s' i huvudet. Tillåtna är: %(allowed)s.", name=name, allowed=allowed))
            continue
        if name in line_of:
            problems.add(line, _("'%(name)s' står två gånger i huvudet (första gången på rad %(first)s).",
                                 name=name, first=line_of[name]))
            continue
        line_of[name] = line
        if not isinstance(value_node, yaml.ScalarNode):
            values[name] = _UNREADABLE
            problems.add(line, _("'%(name)s' ska ha ett enkelt värde, inte en lista eller tabell.", name=name))
            continue
        # Only scalars reach the constructor, so aliases cannot expand into anything large.
        try:
            values[name] = yaml.SafeLoader(source).construct_object(value_node, deep=True)
        except yaml.YAMLError as error:
            values[name] = _UNREADABLE
            problems.add(line, _("värdet av '%(name)s' går inte att läsa: %(problem)s",
                                 name=name, problem=getattr(error, "problem", None) or error))
    return values, line_of


def _text_value(values, lines, name, problems, *, required=False, max_length=MAX_TITLE, multiline=False) -> str:
    line = lines.get(name)
    value = values.get(name)
    if value is _UNREADABLE:
        return ""
    if value is None:
        if required:
            problems.add(line or 1, _("huvudet saknar '%(name)s'.", name=name))
        return ""
    if not isinstance(value, str):
        problems.add(line, _("'%(name)s' ska vara text; sätt citattecken runt värdet.", name=name))
        return ""
    value = value if multiline else value.strip()
    if required and not value.strip():
        problems.add(line, _("'%(name)s' får inte vara tom.", name=name))
    if not multiline and "\n" in value:
        problems.add(line, _("'%(name)s' ska stå på en rad.", name=name))
    if max_length and len(value) > max_length:
        problems.add(line, _("'%(name)s' är längre än %(max)s tecken.", name=name, max=max_length))
    return value


class _Parser:
    """One pass over the lines after the front matter, one part at a time."""

    def __init__(self, problems: _Problems):
        self.problems = problems
        self.parts: list[SectionData | PrincipleData] = []
        self.keys: dict[str, int] = {}
        self.numbers: dict[int, int] = {}
        self.part = None
        self.target: str | None = None  # statement, implications, body, alternative
        self.buffer: list[str] = []
        self.buffer_line = 0
        self.after_keywords = False
        self.seen_implications = False
        self.labels: dict[str, int] = {}

    # -- collecting text

    def flush(self) -> None:
        text = _trim(self.buffer)
        if self.target is not None and len(text) > MAX_BODY:
            self.problems.add(self.buffer_line, _("texten är längre än %(max)s tecken.", max=MAX_BODY))
        part = self.part
        if self.target == "body":
            part.body = text
            if part.is_criteria:
                part.criteria = criteria_from_body(text)
        elif self.target == "statement":
            part.statement = text
        elif self.target == "implications":
            part.implications = text
        elif self.target == "alternative":
            part.alternatives[-1].body = text
        self.buffer = []
        self.target = None

    def start(self, target: str, line: int) -> None:
        self.flush()
        self.target = target
        self.buffer_line = line + 1

    def text_line(self, line: str, number: int, structural: bool = True) -> None:
        """A line of text; structural=False inside a code block, where nothing is a keyword line."""
        if self.part is None:
            if line.strip() and self.target != "ignored":
                self.problems.add(number, _("text före första rubriken (##). Lägg texten under en rubrik."))
            return
        if self.after_keywords and self.target is None:
            if structural and _KEYWORDS.match(line):
                self.problems.add(number, _("principen har redan en rad 'Nyckelord:'."))
            elif line.strip():
                self.problems.add(
                    number,
                    _("text efter raden 'Nyckelord:'. Principtexten står före nyckelorden; "
                      "annan text hör hemma under en rubrik (###)."),
                )
            return
        if (self.target == "statement" and structural and not self.part.merged_line
                and not any(text.strip() for text in self.buffer) and (merged := _MERGED.match(line))):
            self.merged(merged.group(1), number)
            return
        if self.target == "statement" and structural:
            match = _KEYWORDS.match(line)
            if match:
                self.flush()
                self.part.keywords = match.group(1).strip()
                if len(self.part.keywords) > MAX_KEYWORDS:
                    self.problems.add(number, _("nyckelorden är längre än %(max)s tecken.", max=MAX_KEYWORDS))
                self.after_keywords = True
                return
        self.buffer.append(line)

    def merged(self, value: str, number: int) -> None:
        """The line 'Sammanslagen med: a, b' first under a principle's heading."""
        part = self.part
        part.merged_line = number
        keys = [key.strip() for key in value.split(",")]
        if not any(keys):
            self.problems.add(number, _("raden 'Sammanslagen med:' saknar nycklar, t.ex. "
                                        "'Sammanslagen med: enkel-kontakt, tydlig-information'."))
            return
        for key in keys:
            if not KEY_PATTERN.match(key) or len(key) > MAX_KEY:
                self.problems.add(number, _("'%(key)s' på raden 'Sammanslagen med:' är ingen giltig nyckel: använd "
                                            "principernas nycklar åtskilda med kommatecken.", key=key))
            elif key in part.merged_from:
                self.problems.add(number, _("'%(key)s' står två gånger på raden 'Sammanslagen med:'.", key=key))
            else:
                part.merged_from.append(key)

    # -- headings

    def check_key(self, key: str, number: int) -> None:
        if not KEY_PATTERN.match(key) or len(key) > MAX_KEY:
            self.problems.add(
                number,
                _("nyckeln '%(key)s' är ogiltig: använd små bokstäver a–z, siffror och bindestreck "
                  "(högst %(max)s tecken), t.ex. {#enkel-kontakt}.", key=key, max=MAX_KEY),
            )
        elif key in self.keys:
            self.problems.add(
                number, _("nyckeln '%(key)s' används redan på rad %(first)s.", key=key, first=self.keys[key])
            )
        else:
            self.keys[key] = number

    def heading(self, text: str, number: int) -> None:
        self.flush()
        self.after_keywords = False
        self.seen_implications = False
        self.labels = {}
        if not text:
            self.problems.add(number, _("rubriken är tom."))
            self.part = None
            self.target = "ignored"
            return
        attributes = _ATTRIBUTES.match(text)
        heading, key, is_criteria, attrs_ok = text, None, False, True
        if attributes:
            heading = attributes.group("text").strip()
            for token in attributes.group("attrs").split():
                if token.startswith("#") and key is None:
                    key = token[1:]
                elif token == f".{CRITERIA_CLASS}":
                    is_criteria = True
                else:
                    attrs_ok = False
                    self.problems.add(
                        number,
                        _("okänt tillägg '%(token)s' i rubriken; tillåtna är {#nyckel} och {#nyckel .kriterier}.",
                          token=token),
                    )
        if _PRINCIPLE_ATTEMPT.match(heading):
            self.principle_heading(heading, key, is_criteria, number)
        else:
            self.section_heading(heading, key, is_criteria, attrs_ok, number)

    def principle_heading(self, heading, key, is_criteria, number) -> None:
        match = _PRINCIPLE.match(heading)
        part = PrincipleData(key=key or "", number=0, title="", line=number)
        self.part = part
        self.parts.append(part)
        self.start("statement", number)
        if not match:
            self.problems.add(
                number,
                _("principens rubrik ska se ut så här: '## Princip 1. Titel {#nyckel}' "
                  "(ordet Princip, numret med punkt, titeln, nyckeln)."),
            )
        else:
            part.number, part.title = int(match.group(1)), match.group(2).strip()
            if part.number < 1:
                self.problems.add(number, _("principens nummer ska vara 1 eller högre."))
            elif part.number in self.numbers:
                self.problems.add(number, _("princip nummer %(n)s finns redan på rad %(first)s.",
                                            n=part.number, first=self.numbers[part.number]))
            else:
                self.numbers[part.number] = number
            if len(part.title) > MAX_TITLE:
                self.problems.add(number, _("titeln är längre än %(max)s tecken.", max=MAX_TITLE))
        if is_criteria:
            self.problems.add(number, _("en princip kan inte vara kvalitetskriterier (.kriterier)."))
        if key is None:
            self.problems.add(number, _("principen saknar nyckel {#...}, t.ex. '## Princip 1. Titel {#kort-namn}'. "
                                        "Nyckeln håller ihop principen mellan versioner."))
        else:
            self.check_key(key, number)

    def section_heading(self, heading, key, is_criteria, attrs_ok, number) -> None:
        if _NUMBERED_HEADING.match(heading):
            self.problems.add(
                number,
                _("rubriken börjar med ett nummer. En princip skrivs '## Princip 1. Titel {#nyckel}'; "
                  "ett vanligt avsnitt ska inte börja med nummer och punkt."),
            )
        if not heading:
            self.problems.add(number, _("rubriken är tom."))
        elif len(heading) > MAX_TITLE:
            self.problems.add(number, _("rubriken är längre än %(max)s tecken.", max=MAX_TITLE))
        if key is None and attrs_ok:
            key = slugify(heading)
            if not key:
                self.problems.add(number, _("avsnittet saknar nyckel; skriv en efter rubriken, t.ex. {#bakgrund}."))
            elif key in self.keys:
                self.problems.add(
                    number,
                    _("nyckeln '%(key)s' (gjord av rubriken) används redan på rad %(first)s; "
                      "skriv en egen nyckel efter rubriken, t.ex. {#%(key)s-2}.", key=key, first=self.keys[key]),
                )
            else:
                self.keys[key] = number
        elif key is not None:
            self.check_key(key, number)
        if is_criteria and any(isinstance(p, SectionData) and p.is_criteria for p in self.parts):
            self.problems.add(number, _("dokumentet har redan ett avsnitt med kvalitetskriterier (.kriterier)."))
        part = SectionData(key=key or "", heading=heading, is_criteria=is_criteria, line=number)
        self.part = part
        self.parts.append(part)
        self.start("body", number)

    def subheading(self, text: str, line: str, number: int) -> None:
        """A ### line: an alternative, the implications, or (otherwise) text of the body."""
        part = self.part
        if part is None:
            self.text_line(line, number)
            return
        if _ALTERNATIVE_ATTEMPT.match(text):
            match = _ALTERNATIVE.match(text)
            label = match.group(1).strip() if match else ""
            if not match or not label:
                self.problems.add(number, _("ett alternativ skrivs '### Alternativ: Namn', t.ex. '### Alternativ: Definition 1'."))
            elif len(label) > MAX_LABEL:
                self.problems.add(number, _("alternativets namn är längre än %(max)s tecken.", max=MAX_LABEL))
            elif label in self.labels:
                self.problems.add(number, _("alternativet '%(label)s' finns redan på rad %(first)s.",
                                            label=label, first=self.labels[label]))
            self.labels.setdefault(label, number)
            self.flush()
            self.after_keywords = False
            part.alternatives.append(AlternativeData(label=label, line=number))
            self.start("alternative", number)
            return
        if isinstance(part, PrincipleData) and _IMPLICATIONS.match(text):
            if self.seen_implications:
                self.problems.add(number, _("principen har redan ett avsnitt '%(heading)s'.", heading=IMPLICATIONS_HEADING))
            elif part.alternatives:
                self.problems.add(number, _("avsnittet '%(heading)s' ska stå före alternativen.", heading=IMPLICATIONS_HEADING))
            self.seen_implications = True
            self.after_keywords = False
            self.start("implications", number)
            return
        self.text_line(line, number)


def parse_document(text: str) -> DocumentData:
    """The document a file describes; raises DocumentFormatError with every problem found."""
    problems = _Problems()
    if len(text) > MAX_FILE:
        raise DocumentFormatError(_("filen är för stor (högst %(max)s tecken).", max=MAX_FILE))
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentFormatError(_("filen är tom."))
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    _check_characters(lines, problems)
    problems.raise_if_any()

    if lines[0].rstrip() != "---":
        raise DocumentFormatError(
            _("filen ska börja med ett huvud: en rad med '---', rader som 'titel: …' och 'dokument: …', "
              "och sedan en rad med '---'."),
            line=1,
        )
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise DocumentFormatError(_("huvudet som börjar på rad 1 avslutas aldrig med en rad '---'."), line=1)

    values, line_of = _parse_front_matter(lines[1:end], 2, problems)
    document = DocumentData(key="", title="", lines=line_of)
    if values is None:
        # Unreadable: each missing value would only repeat the same problem.
        values = {name: _UNREADABLE for name in FRONT_MATTER_FIELDS}
    document.title = _text_value(values, line_of, "titel", problems, required=True)
    key = values.get("dokument")
    if key is _UNREADABLE:
        pass
    elif key is None:
        problems.add(line_of.get("dokument", 1), _("huvudet saknar 'dokument' (dokumentets nyckel, t.ex. invanarinteraktion)."))
    elif not isinstance(key, str) or not KEY_PATTERN.match(key) or len(key) > MAX_KEY:
        problems.add(
            line_of["dokument"],
            _("'dokument' ska vara en nyckel av små bokstäver a–z, siffror och bindestreck, t.ex. invanarinteraktion."),
        )
    else:
        document.key = key
    version = values.get("version")
    if version is not None and version is not _UNREADABLE:
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
            problems.add(line_of["version"], _("'version' ska vara ett heltal från 1 till %(max)s.", max=MAX_VERSION))
        else:
            document.version = version
    document.owner = _text_value(values, line_of, "ägare", problems)
    document.decision_body = _text_value(values, line_of, "beslutas_av", problems)
    document.change_summary = _trim(
        _text_value(values, line_of, "ändringar", problems, max_length=MAX_BODY, multiline=True).split("\n")
    )

    parser = _Parser(problems)
    fence: str | None = None
    fence_line = 0
    for index in range(end + 1, len(lines)):
        line, number = lines[index], index + 1
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            parser.text_line(line, number, structural=False)
            continue
        if fence_match:
            fence, fence_line = fence_match.group(1), number
            parser.text_line(line, number, structural=False)
            continue
        if line.startswith("###") and (h3 := _H3.match(line)):
            parser.subheading(h3.group(1) or "", line, number)
        elif line.startswith("##") and not line.startswith("###") and (h2 := _H2.match(line)):
            parser.heading(h2.group(1) or "", number)
        elif _H1.match(line):
            problems.add(
                number,
                _("rubriker med en # används inte: dokumentets titel står i huvudet (titel:), "
                  "avsnitt och principer har ##."),
            )
        else:
            parser.text_line(line, number)
    parser.flush()
    document.parts = parser.parts
    if fence is not None:
        problems.add(fence_line, _("kodblocket som börjar här (%(fence)s) avslutas aldrig; allt efter det "
                                   "läses som vanlig text.", fence=fence))

    if not document.principles:
        problems.add(None, _("dokumentet har inga principer ('## Princip 1. Titel {#nyckel}')."))
    own_keys = {p.key for p in document.principles}
    merged_where: dict[str, int] = {}
    for principle in document.principles:
        for key in principle.merged_from:
            if key in own_keys:
                problems.add(principle.merged_line, _("principen '%(key)s' har egen text i dokumentet och kan inte "
                                                      "samtidigt vara sammanslagen med en annan.", key=key))
            elif key in merged_where:
                problems.add(principle.merged_line, _("principen '%(key)s' är redan sammanslagen med en annan "
                                                      "princip på rad %(first)s.", key=key, first=merged_where[key]))
            else:
                merged_where[key] = principle.merged_line
    for section in document.sections:
        if section.is_criteria:
            if not section.criteria:
                problems.add(section.line, _("avsnittet med kvalitetskriterier saknar en numrerad lista (1. …)."))
            for criterion in section.criteria:
                if not criterion:
                    problems.add(section.line, _("en punkt i listan med kvalitetskriterier är tom."))
                elif len(criterion) > MAX_CRITERION:
                    problems.add(section.line, _("ett kvalitetskriterium är längre än %(max)s tecken.", max=MAX_CRITERION))
    problems.raise_if_any()
    return document


# --------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    """Front matter written the same way every time: fixed order, text on one line,
    several lines as a literal block."""


def _represent_str(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_Dumper.add_representer(str, _represent_str)


def _front_matter(document: DocumentData) -> str:
    values: dict = {"titel": document.title, "dokument": document.key}
    if document.version is not None:
        values["version"] = document.version
    for name, attribute in (("ägare", "owner"), ("beslutas_av", "decision_body"), ("ändringar", "change_summary")):
        if getattr(document, attribute):
            values[name] = getattr(document, attribute)
    dumped = yaml.dump(
        values, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1_000_000
    )
    return f"---\n{dumped}---"


def _blocks_of(part: SectionData | PrincipleData) -> list[str]:
    if isinstance(part, PrincipleData):
        blocks = [f"## {PRINCIPLE_WORD} {part.number}. {part.title} {{#{part.key}}}"]
        if part.merged_from:
            blocks.append(f"{MERGED_PREFIX} {', '.join(part.merged_from)}")
        if part.statement:
            blocks.append(part.statement)
        blocks.append(f"{KEYWORDS_PREFIX} {part.keywords}" if part.keywords else KEYWORDS_PREFIX)
        blocks.append(f"### {IMPLICATIONS_HEADING}")
        if part.implications:
            blocks.append(part.implications)
    else:
        attrs = f"#{part.key} .{CRITERIA_CLASS}" if part.is_criteria else f"#{part.key}"
        blocks = [f"## {part.heading} {{{attrs}}}"]
        if part.body:
            blocks.append(part.body)
    for alternative in part.alternatives:
        blocks.append(f"### {ALTERNATIVE_PREFIX} {alternative.label}")
        if alternative.body:
            blocks.append(alternative.body)
    return blocks


def _text(value: str | None) -> str:
    """Stored text as the file holds it: newlines as \\n, no blank lines around it
    (text typed in a browser arrives with \\r\\n)."""
    return _trim((value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _line(value: str | None) -> str:
    return (value or "").strip()


def data_from_version(version) -> DocumentData:
    """The dataclasses of a stored DocumentVersion (criteria from its Criterion rows)."""
    document = DocumentData(
        key=version.document.key,
        title=_line(version.title),
        version=version.number,
        owner=_line(version.owner),
        decision_body=_line(version.decision_body),
        change_summary=_text(version.change_summary),
    )
    criteria = [c.text for c in version.criteria]
    for part in version.parts:
        alternatives = [AlternativeData(label=_line(a.label), body=_text(a.body)) for a in part.alternatives]
        if hasattr(part, "number"):
            document.parts.append(
                PrincipleData(
                    key=part.principle.key, number=part.number, title=_line(part.title),
                    statement=_text(part.statement), keywords=_line(part.keywords),
                    implications=_text(part.implications), alternatives=alternatives,
                    merged_from=[principle.key for principle in part.merged_from],
                )
            )
        else:
            is_criteria = part.kind.value == "criteria"
            document.parts.append(
                SectionData(
                    key=part.key, heading=_line(part.heading), body=_text(part.body), is_criteria=is_criteria,
                    alternatives=alternatives, criteria=criteria if is_criteria else [],
                )
            )
            if is_criteria:
                criteria = []  # given to the first criteria section only
    return document


def write_document(source) -> str:
    """Canonical text of a DocumentData or a DocumentVersion.

    Raises DocumentFormatError if the text would not read back as the same document
    (e.g. a stored statement with a line 'Nyckelord: …' in it): an export never loses
    anything silently.
    """
    document = source if isinstance(source, DocumentData) else data_from_version(source)
    blocks = [_front_matter(document)]
    for part in document.parts:
        blocks.extend(_blocks_of(part))
    text = "\n\n".join(blocks) + "\n"
    try:
        again = parse_document(text)
    except DocumentFormatError as error:
        raise DocumentFormatError(
            [Problem(None, _("Versionen kan inte skrivas som fil utan att något går förlorat:"))] + error.problems
        ) from None
    if again != document:
        raise DocumentFormatError(
            _("Versionen kan inte skrivas som fil utan att något går förlorat: någon text innehåller rader "
              "som filformatet läser som rubriker eller nyckelord, eller kvalitetskriterierna stämmer inte "
              "med avsnittets numrerade lista.")
        )
    return text
