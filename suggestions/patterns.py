"""Word lists and regular expressions for attributions and casualty figures. Plain Python, no Django.

Kept apart from the engine so the vocabulary can be read and extended in one place.
"""

import re

from suggestions.numbers import FIGURE

# --- sentences -------------------------------------------------------------------------------------

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "sgt", "capt", "st", "no", "jan", "feb", "mar",
    "apr", "aug", "sept", "sep", "oct", "nov", "dec", "u.s", "u.n", "u.k", "e.g", "i.e", "vs",
    "gov", "sen", "rep", "prof", "maj", "brig", "adm", "cpl", "pvt", "jr", "sr", "inc", "co",
}  # fmt: skip
SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])|\n+")

# --- figures -----------------------------------------------------------------------------------------

# The expressions marked "lower-case" are matched against text.lower(): much faster than IGNORECASE.
FIGURE_RE = re.compile(rf"(?<![\w.,-])(?:{FIGURE})(?![\w-]|[.,]\d)")  # lower-case

MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
}  # fmt: skip
# Words after a number that make it something other than a head count.
NOT_PEOPLE = {
    "percent", "per", "%", "years", "year", "year-old", "years-old", "km", "kilometres",
    "kilometers", "miles", "mile", "metres", "meters", "kg", "kilograms", "pounds", "am", "pm",
    "a.m", "p.m", "gmt", "hours", "hour", "minutes", "minute", "days", "day", "weeks", "week",
    "months", "month", "times", "dollars", "million", "billion", "seconds", "decades", "centuries",
    "o'clock", "bombs", "attacks", "blasts", "explosions", "rounds", "countries", "provinces",
    "districts", "cities", "vehicles", "cars", "buildings", "houses", "homes", "members-only",
}  # fmt: skip

# Measure named after the number: "46 people were killed", "about a dozen wounded".
MEASURE_AFTER = {
    "killed": "killed",
    "dead": "killed",
    "died": "killed",
    "deaths": "killed",
    "death": "killed",
    "perished": "killed",
    "fatalities": "killed",
    "bodies": "killed",
    "lost": "killed",  # "lost their lives"
    "wounded": "wounded",
    "injured": "wounded",
    "hurt": "wounded",
    "injuries": "wounded",
    "missing": "missing",
    "evacuated": "evacuated",
    "airlifted": "evacuated",
    "rescued": "evacuated",
    "detained": "detained",
    "arrested": "detained",
    "abducted": "detained",
    "kidnapped": "detained",
    "captured": "detained",
    "held": "detained",
    "martyred": "killed",
    "succumbed": "killed",
    "die": "killed",
    "dies": "killed",
    "embraced": "killed",  # "embraced martyrdom"
    "sent": "killed",  # "sent to hell", as a military's statements say
    "unaccounted": "missing",
    "patients": "wounded",  # "received more than 90 patients"
}
# Words that may stand between the counted people and the measure: "who were later killed".
AUXILIARY = {
    "were", "was", "are", "is", "have", "has", "had", "been", "being", "be", "who", "that",
    "reportedly", "also", "later", "all", "still", "confirmed", "reported", "feared", "believed",
    "thought", "now", "originally", "would", "will", "could", "may", "might", "got", "remain",
    "remained", "remains", "left", "seriously", "critically", "badly", "slightly", "fatally",
    "allegedly", "since", "so", "far", "either", "both", "in", "total",
}  # fmt: skip
# Words that end the description of who is counted.
POPULATION_STOP = {
    "and", "or", "but", "in", "on", "at", "when", "after", "before", "during", "as", "by", "from",
    "with", "while", "since", "near", "inside", "outside", "into", "to", "for", "if", "than",
    "the", "a", "an", "this", "that", "which", "more", "said", "says", "told", "within", "across",
    "over", "under", "around", "throughout", "following", "because", "including", "among",
    "amid", "through", "against", "last", "per", "each",
}  # fmt: skip
TOTAL_WORDS = {
    "people", "persons", "others", "other", "more", "individuals", "folks", "lives", "victims",
    "people's", "person", "others'", "humans", "souls", "",
}  # fmt: skip

# Measure named before the number: "killing at least 46", "wounding more than 140".
MEASURE_BEFORE = {
    "killed": "killed",
    "killing": "killed",
    "kills": "killed",
    "kill": "killed",
    "massacred": "killed",
    "wounded": "wounded",
    "wounding": "wounded",
    "wounds": "wounded",
    "injured": "wounded",
    "injuring": "wounded",
    "injures": "wounded",
    "injure": "wounded",
    "hurt": "wounded",
    "hurting": "wounded",
    "evacuated": "evacuated",
    "evacuating": "evacuated",
    "evacuate": "evacuated",
    "airlifted": "evacuated",
    "detained": "detained",
    "detaining": "detained",
    "arrested": "detained",
    "arresting": "detained",
    "captured": "detained",
    "abducted": "detained",
    "kidnapped": "detained",
}
BEFORE_FILLER = {"a", "total", "of", "another", "other", "an", "additional", "further", "the"}
LEFT_PHRASES = re.compile(
    r"(?:(?P<toll>\b(?:toll|number\s+of\s+(?:the\s+)?(?:\w+\s+)?(?:dead|deaths|fatalities|people\s+killed)|"
    r"death\s+count|figure)\b[^.;:]{0,100}?(?:\b(?:to|at|of|is|was|be|reached|reaches|now|hit|"
    r"passed|passes|crossed|crosses|exceeded|exceeds|topped|tops|surpassed)\b"
    r"(?:\s+(?:probably|likely|now|already|officially|initially))?)|\btoll)"
    r"|(?P<deaths>\b(?:deaths|lives|death)\s+of|\b(?:dead|deaths|fatalities|killed)\s+(?:at|to)"
    r"|\bamong\s+(?:the\s+dead|those\s+killed)\s+(?:were|was)|\bshot\s+dead)"
    r"|(?P<injured>\bamong\s+(?:the|those)\s+(?:injured|wounded)\s+(?:were|was))"
    r"|(?P<out>\b(?:taken|take|taking|took|get|got|getting|fly|flew|flown)\s+out)"
    r"|(?P<attackers>\b(?:attackers|gunmen|militants|assailants|fighters)\s+(?:numbered|numbering))"
    r")\s*$",
    re.IGNORECASE,
)
# A count that revises an earlier one: "the toll rose to 31", "was 21, later 29", "revised to 145".
REVISION = re.compile(
    r"\b(?P<verb>rose|risen|rises|rise|climbed|climbs|reached|reaches|jumped|increased|bringing|"
    r"brings|brought|revised|updated|raised|later)\b[^.;:\d]{0,40}$",
    re.IGNORECASE,
)
RISING = {"rose", "risen", "rises", "rise", "climbed", "climbs", "reached", "reaches", "jumped",
          "increased", "bringing", "brings", "brought", "raised"}  # fmt: skip
# An earlier toll: "initially killed 19", "had earlier put the toll at 25".
INITIAL = re.compile(r"\b(?:initially|earlier|first|originally|previously)\b", re.IGNORECASE)
# A part of a count given before it: "nine people, including five children", "15 of them".
SUBSET_BEFORE = re.compile(r"\b(?:including|among\s+them|among\s+whom|incl\.)\s*$", re.IGNORECASE)
AMONG_BEFORE = re.compile(r"\bamong\s+the\s+(?:dead|injured|wounded)\s+(?:were|was)\s*$", re.I)
SUBSET_AFTER = re.compile(r"\s+of\s+(?:them|whom)\b(?:\s+(?:were|was))?", re.IGNORECASE)
# "Two more people injured in the attack have died": the wounded who died are dead.
DIED_LATER = re.compile(r"[^.;]{0,90}?\b(?:have|has|had)\s+(?:since\s+)?died\b", re.IGNORECASE)
# Rows of an infobox or table: "Deaths | 145 (including 6 children)", "Injured | 200+".
ROW = re.compile(r"\s*(?P<label>[A-Za-z][A-Za-z -]{1,30}?)\s*[|:]\s")
ROW_LABELS = {
    "deaths": "killed", "death": "killed", "killed": "killed", "dead": "killed",
    "fatalities": "killed", "casualties killed": "killed", "injured": "wounded",
    "wounded": "wounded", "injuries": "wounded", "non-fatal injuries": "wounded",
    "missing": "missing", "assailants": "attackers", "attackers": "attackers",
    "perpetrators": "attackers", "arrested": "detained", "detained": "detained",
}  # fmt: skip
# "the death toll crosses 1000": more than the number, whatever the number's own qualifier.
ABOVE = re.compile(
    r"\b(?:passed|passes|crossed|crosses|exceeded|exceeds|topped|tops|surpassed)\s*$", re.IGNORECASE
)
# "we could have taken out 1,000 more people": people who were not evacuated.
COUNTERFACTUAL = re.compile(r"\b(?:could|would|might)\s+have\b[^.;]{0,40}$", re.IGNORECASE)
COORDINATION = re.compile(r"^\s*(?:,\s*(?:and\s+)?|and\s+|as\s+well\s+as\s+|plus\s+)$")
# "attackers": "three gunmen", "two suicide bombers".
ATTACKER_WORDS = {"gunmen", "attackers", "assailants", "bombers", "suicide", "militants"}

# --- attributions ------------------------------------------------------------------------------------

SAY = (
    r"said|says|say|told|tells|tell|reported|reports|report|added|adds|stated|states|announced|"
    r"announces|confirmed|confirms|claimed|claims|claim|denied|denies|deny|denying|blamed|blames|"
    r"warned|warns|insisted|insists|accused|accuses|rejected|rejects|dismissed|dismisses|tweeted|"
    r"wrote|writes|noted|explained|acknowledged|admitted|alleged|alleges|argued|asserted|declared|"
    r"disputed|disputes|disputing|refuted|refutes|quoted|estimated|estimates|cited|saying|adding|"
    r"suspected|suspect|suspects|blaming|accusing|informed|"
    r"put(?=\s+the\s+(?:death\s+)?(?:toll|number|figure))|"
    r"gave(?=\s+(?:a|the)\s+(?:\w+\s+)?(?:death\s+)?(?:toll|figure))"
)
# Participles whose speaker is the subject of the sentence: "the UN gave a toll, saying ...".
PARTICIPLES = {"saying", "adding", "claiming", "blaming", "accusing", "denying"}
DENY = {
    "denied", "denies", "deny", "denying", "rejected", "rejects", "dismissed", "dismisses",
    "refuted", "refutes", "disputed", "disputes", "disputing",
}  # fmt: skip
SAY_RE = re.compile(
    rf"\b(?P<verb>{SAY})\b(?P<object>\s+(?:the\s+)?(?:AP|AFP|Reuters|BBC|CNN|VOA|[A-Z][\w.]+(?:\s+[A-Z][\w.]+){{0,3}}))?"
)
ACCORDING = re.compile(r"\b(?:according\s+to|citing|quoting)\s+")  # lower-case
MEDIUM = re.compile(
    r"\b(?:in|on|via|through)\s+(?:a|an|its|their|his|her|the)\s+"
    r"(?:(?:separate|brief|written|joint|later|short|recent|televised)\s+)?"
    r"(?P<medium>statement|tweet|post|video|message|interview|speech|press\s+conference|"
    r"communique|communiqué)\b"
    r"|\b(?:on|via)\s+(?P<platform>telegram|twitter|facebook|social\s+media)\b"
    r"|\bclaimed\s+responsibility\b"
    r"|\b(?:released|issued|put\s+out|posted|published)\s+(?:a|an)\s+(?P<issued>statement|video|"
    r"message|communiqu[eé])\b",
)  # lower-case
HEDGE = re.compile(
    r"\b(?:(?:is|are|was|were)\s+(?:widely\s+|generally\s+|also\s+)?"
    r"(?:thought|believed|said|understood|suspected|reported|alleged|feared|rumou?red)\s+to\b"
    r"|(?:is|are|was|were)\s+widely\s+(?:thought|believed|seen|considered|regarded)\b"
    r"|reportedly|allegedly|it\s+is\s+(?:widely\s+)?(?:believed|thought|understood)"
    r"|(?:is|are)\s+suspected\s+of)\b",
)  # lower-case
QUESTION = re.compile(
    r"\b(?:could\s+not\s+be\s+(?:immediately\s+|independently\s+)?verified|questioned|"
    r"cast\s+doubt|doubted|disputing)\b",
)  # lower-case
REFUTE_PHRASES = re.compile(
    r"\b(?:had\s+nothing\s+to\s+do\s+with|has\s+nothing\s+to\s+do\s+with|denied|denies|"
    r"denying|refuted|rejected\s+(?:the|claims|reports|allegations))\b",
)  # lower-case

ROLE = (
    r"officials?|spokes(?:man|woman|person|people|men|women)|sources?|witness(?:es)?|police|"
    r"ministry|minister|commander|doctors?|administrator|officers?|authorities|diplomats?|"
    r"analysts?|president|governor|chief|head|leaders?|group|militants|government|residents?|"
    r"survivors?|media|agency|army|military|lawmakers?|envoy|ambassador|experts?|researchers?|"
    r"monitors?|hospital|office|department|council|embassy|command|secretary|director|"
    r"administration|regime|state|agencies|channel|outlet|observers?|activists?|aides?|"
    r"representatives?|members?|journalists?|correspondents?|reporters?|paramedics?|medics?|"
    r"workers?|security|forces|wing|mouthpiece|nurse|staff|team|study|report|reports|data|"
    r"figures|tally|count|ministers|leadership|faction|network|organisation|organization|"
    r"branch|affiliate|arm|cells?|nations|mission|partners|television|corps|mayor|rescuers|elders|resistance|"
    r"teachers?|employees?"
)
ROLE_WORDS = set(ROLE.replace("(?:", "").replace(")?", "").replace("?", "").split("|"))
_CAP = r"(?:[A-Z][\w'’./&-]*|(?:al|el|bin|ibn|de)-[A-Z][\w'’-]*)"
NAME = rf"{_CAP}(?:\s+(?:(?:of|the|for|al|bin|ibn|de|and|in)\s+){{0,2}}{_CAP}){{0,7}}"
_MOD = r"(?:[A-Za-z][\w'’./&-]*|\([A-Z][\w-]*\))"
PRONOUNS = r"he|she|they|it|we|i|He|She|They|It|We|I"
DESCRIPTOR = (
    rf"(?:(?:the|a|an|one|two|three|four|several|other|another|his|its|their|her|some|many|"
    rf"local|senior|Two|Three|Several|Other|Another|The|A|An|One|Some|Many|Local|Senior)\s+)?"
    rf"(?:{_MOD}\s+){{0,6}}?(?:{ROLE})(?:\s+(?:{ROLE}))*(?![\w'’-])"
    rf"(?:\s+(?:of|for|at|in|from|with|to)\s+(?:the\s+)?(?:{_MOD}\s+){{0,4}}?{_MOD})?"
    rf"(?:,?\s+{NAME})?"
)
SPEAKER = (
    rf"(?:(?:[Tt]he|[Aa]n?|[Ii]ts|[Tt]heir)\s+(?:(?:group|ministry|joint|written|[A-Z]\w+)['’]?s?\s+)?"
    rf"statement|{DESCRIPTOR}|(?:(?:the|The)\s+)?(?:[a-z][\w-]*-[a-z][\w-]*\s+)?{NAME}"
    rf"(?:\s+\([A-Z][\w-]{{1,8}}\))?|(?:{PRONOUNS})\b)"
)
# The speaker ending right before the reporting verb; optional adverbs in between.
SPEAKER_BEFORE = re.compile(
    rf"(?<![\w'’./&-])(?P<speaker>{SPEAKER})"
    rf"(?P<gap>(?:\s+(?:also|later|earlier|previously|immediately|had|has|have|quickly|"
    rf"swiftly|repeatedly|separately|initially|officially|reportedly|on\s+[A-Z]\w+|in\s+(?:a|an|its|their|his|her)\s+\w+(?:\s+\w+)?|"
    rf"never|not|did\s+not|does\s+not|has\s+not|had\s+not|yet))*),?\s*$"
)
APPOSITION = re.compile(
    rf"(?:^|(?<=[,.;:“”\"(])\s*)(?P<speaker>{SPEAKER})\s*,\s*(?P<appositive>(?:the|a|an|who|which|its|"
    rf"his|her|released|issued|posted|published|speaking|citing|quoted|sent|{ROLE}|[a-z][\w'’-]*|"
    rf"{NAME})\b"
    rf"[^;:“”\"]{{2,140}}?)(?P<comma>,)?\s*$"
)
# "An employee who was inside the building said": the speaker before a relative clause.
WHO_CLAUSE = re.compile(
    rf"(?<![\w'’./&-])(?P<speaker>{SPEAKER})\s+(?:who|which)\s+[^,;“”\"]{{1,80}}?\s*$"
)
# "X did not comment but said", "X claimed the attack but later denied": the sentence's subject.
COORDINATED = re.compile(r"\b(?:but|and)\s+(?:(?:later|also|then|initially|quickly)\s+)?$")
# A dateline before the first sentence: "KABUL, Oct 1 (Wire) -", "QUETTA:".
DATELINE = re.compile(
    r"^[A-Z][A-Z .,'-]{2,40}(?:,\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?(?:\s*\([^)]{1,30}\))?\s*(?:[-–—:])\s*"
)
# "The official toll provided to Bakhtar by the Kabul police": who gave the toll.
TOLL_BY = re.compile(
    r"\btoll\s+(?:provided|given|released|issued|announced|reported)\s+"
    r"(?:to\s+[\w.-]+(?:\s+[A-Z][\w.-]*)*\s+)?by\s+"
)  # lower-case
SPEAKER_AFTER = re.compile(rf"\s*(?P<speaker>{SPEAKER})")
NOT_SPEAKERS = {
    "nobody", "no one", "none", "no group", "there", "this", "that", "which", "what",
    "who", "nothing", "some", "many", "most", "others",
}  # fmt: skip
LEADING_NOISE = re.compile(
    r"^(?:(?:In|On|At|After|Before|During|But|And|Yet|However|Meanwhile|Earlier|Later|Also|So|"
    r"Then|While|When|Since|Last|This|That|Today|Yesterday|Monday|Tuesday|Wednesday|Thursday|"
    r"Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b[\s,]*)+"
)

# --- events ------------------------------------------------------------------------------------------

ATTACK_WORDS = (
    r"bombings?|attacks?|blasts?|explosions?|shootings?|massacre|assault|raid|siege|"
    r"suicide\s+bombing|stampede|strike|airstrike"
)
EVENT_RE = re.compile(
    rf"\b(?P<named>(?:[A-Z][\w'’-]+ +){{1,3}}(?:(?:airport|mosque|hall|market|hotel|school|"
    rf"rally|city|province|embassy|church|shrine|university|hospital) +)?(?:{ATTACK_WORDS}))\b"
    rf"|\b(?:in|at|near|outside|inside)\s+(?:the\s+)?(?:(?:northern|southern|eastern|western|"
    rf"central|north|south|east|west|northwest|northwestern|northeastern|southwestern|"
    rf"southeastern|neighbouring|neighboring)\s+)?(?P<place>[A-Z][\w'’-]+(?: +[A-Z][\w'’-]+){{0,3}})"
)
NOT_PLACES = MONTHS | {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "the", "a",
    "his", "her", "its", "their", "this", "that", "reuters", "ap", "afp",
}  # fmt: skip
