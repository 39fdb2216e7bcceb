"""What the engine knows about the languages it reads besides English.

English (a language code of ``None`` or ``"en"``) keeps its own path everywhere: the rules of
``models.keypoints`` and ``models.quotes`` were written and tuned on it. Every other language gets
what can be done honestly without a model that reads it:

* sentences split by pysbd's own rules where pysbd has the language (``PYSBD_LANGUAGES``), else
  at sentence punctuation, CJK full stops included (``models.sentences``);
* key points scored on the article's own words (``models.lexical``), not by the English encoder;
* the digest's rules where they carry over: length caps, no repeats, boilerplate, and for the
  languages in ``_RULES`` the openings that lean on the sentence before (a pronoun, a
  connective), the writer's own voice and a TL;DR that speaks to the reader;
* quotes in the language's own marks; a speaker only where a reporting verb of the language
  names one next to the quote (``LanguageRules.reporting``), else none, and then it is not shown.

A language whose words are not separated by spaces and that has no splitter here (Thai, Lao,
Khmer, Burmese, Tibetan, Dzongkha) can be neither segmented nor scored that way:
``unreadable_reason`` says so, and the gate refuses it with that reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.text import CJK_CHARS, language_name

__all__ = [
    "PYSBD_LANGUAGES",
    "LanguageRules",
    "content_words",
    "is_english",
    "rules_for",
    "unreadable_reason",
]

# The languages pysbd 0.3.4 has rules for (``pysbd.languages.LANGUAGE_CODES``; a test checks the
# installed copy still has them). English is among them but takes its own path.
PYSBD_LANGUAGES = frozenset("am ar bg da de el en es fa fr hi hy it ja kk mr my nl pl ru sk ur zh".split())

# Written without spaces between words, and no word splitter installed: neither the sentence
# punctuation fallback nor a score over words would be honest.
_UNSPACED = frozenset({"th", "lo", "km", "my", "bo", "dz"})


def is_english(language: str | None) -> bool:
    """True for the English path: ``"en"``, or no language given (every caller before issue 15)."""
    return language is None or language == "en"


def unreadable_reason(language: str) -> str | None:
    """Why an article in ``language`` cannot be segmented and scored honestly, or None if it can."""
    if language in _UNSPACED:
        return (
            f"{language_name(language)} is written without spaces between words, and no word splitter for it "
            "is installed, so its sentences cannot be split and scored honestly"
        )
    return None


_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry content, lower-cased: words of four letters or more, and
    in Chinese and Japanese every two characters in a row (their words have no spaces)."""
    out: list[str] = []
    for token in _WORD.findall(text.lower()):
        if _CJK_RUN.search(token):
            for run in _CJK_RUN.findall(token):
                out.extend(run[k : k + 2] for k in range(max(1, len(run) - 1)))
            token = _CJK_RUN.sub("", token)
        if len(token) > 3:
            out.append(token)
    return out


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """The rules of the digest that depend on one language's words. A rule that is None does not
    apply (there is no list for the language): nothing is guessed."""

    code: str
    leans_back: re.Pattern[str] | None = None
    """A sentence opening that only the sentence before explains: a pronoun, a connective."""
    first_person: re.Pattern[str] | None = None
    """The writer's own voice outside quotes: a point in it is a column, not news."""
    second_person: re.Pattern[str] | None = None
    """A TL;DR speaks about the news, never to the reader."""
    boilerplate: re.Pattern[str] | None = None
    """The page furniture of sites in the language: "read also", photo credits, subscribe."""
    reporting: re.Pattern[str] | None = None
    """Reporting verbs ("sagte", "a déclaré"), as written next to a quote and its speaker's name."""
    reporting_end: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    """The same verbs, ending where a quote's lead-in ends ("Anna Schmidt sagte: „..."): built
    once per language from ``reporting``; None exactly when it is."""

    def __post_init__(self) -> None:
        reporting = self.reporting
        end = None if reporting is None else re.compile(f"(?:{reporting.pattern})$", reporting.flags)
        object.__setattr__(self, "reporting_end", end)  # frozen: set once, here


def _opening(words: str) -> re.Pattern[str]:
    """An alternation of openings, after any opening quotation mark or bracket."""
    return re.compile(rf"^[\"'“„«»‚‘(\[「『]*(?:{words})(?![^\W_])", re.VERBOSE)


def _anywhere(words: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_])(?:{words})(?![^\W_])", flags | re.VERBOSE)


_RULES: dict[str, LanguageRules] = {
    "pl": LanguageRules(
        "pl",
        leans_back=_opening(
            r"""On|Ona|Ono|Oni|One|Jego|Jej|Ich|Jemu|Niej|Nim|Obaj|Obie|Oboje|Tam|Tutaj
            |T(?:en|a|o|e|ych|ym|ymi)(?!\s+(?:roku|rok|tygodniu|miesiącu|latem|zimą|wiosną|jesienią)(?![^\W_]))
            |Ci|Jednak|Ale|Lecz|A|I|Więc|Zatem|Dlatego|Także|Również|Ponadto|Poza\s+tym|Natomiast
            |Mimo\s+to|Przy\s+tym|W\s+tym|Dzięki\s+temu|Z\s+tego\s+powodu|Potem|Następnie"""
        ),
        first_person=_anywhere(r"[Jj]a|mnie|mi|[Mm](?:ój|oj\w*|oi\w*)|[Mm]y|nas|nam|[Nn]asz\w*"),
        second_person=_anywhere(r"[Tt]y|ciebie|cię|[Tt](?:wój|woj\w*|woi\w*)|[Ww]y|was|[Ww]asz\w*"),
        boilerplate=re.compile(
            r"(?i)czytaj (?:też|także|więcej)|zobacz (?:też|także)|\breklama\b|udostępnij"
        ),
    ),
    "de": LanguageRules(
        "de",
        leans_back=_opening(
            r"""Er|Sie|Es|Ihm|Ihn|Ihr|Ihre[mnrs]?|Sein|Seine[mnrs]?|Beide|Solche[mnrs]?|Letztere[mnrs]?
            |Dies|Diese[mnrs]?(?!\s+(?:Woche|Jahr|Jahres|Monat|Saison|Tage|Sommer|Winter)(?![^\W_]))
            |Dort|Dabei|Damit|Dazu|Daher|Darum|Deshalb|Deswegen|Dafür|Dagegen|Danach|Darauf|Darüber
            |Dadurch|Darin|Daraus|Davon|Dahinter|Bei\s+(?:anderen|diesen|solchen|beiden)|Andere[mnrs]?
            |Dann|Außerdem|Zudem|Ebenfalls|Auch|Aber|Doch|Jedoch|Allerdings|Trotzdem|Dennoch|Und
            |Oder|Denn|Somit|Also|Stattdessen"""
        ),
        first_person=_anywhere(r"[Ii]ch|mich|mir|[Mm]ein(?:e[mnrs]?)?|[Ww]ir|uns|[Uu]nser(?:e[mnrs]?)?"),
        second_person=_anywhere(r"[Dd]u|[Dd]ich|[Dd]ir|[Dd]ein(?:e[mnrs]?)?|[Ee]uch|[Ee]uer|[Ee]ure[mnrs]?"),
        boilerplate=re.compile(
            r"(?i)lesen sie (?:auch|mehr)|mehr zum thema|weiterlesen|zum artikel|jetzt lesen|"
            r"^(?:foto|bild|quelle|grafik|fotos):|abonnieren|newsletter|anzeige\b|werbung\b|"
            r"alle rechte vorbehalten|datenschutz|impressum|teilen auf"
        ),
        reporting=_anywhere(
            r"sagte|sagt|sagten|erklärte|erklärt|betonte|betont|meinte|meint|schrieb|schreibt|warnte|"
            r"kritisierte|ergänzte|ergänzt|erläuterte|erläutert|bekräftigte|unterstrich|berichtete|"
            r"erzählte|erzählt|antwortete|kommentierte|forderte|fordert|warnt|so"
        ),
    ),
    "fr": LanguageRules(
        "fr",
        leans_back=_opening(
            r"""Il(?!\s+(?:y\s+a|faut)(?![^\W_]))|Elle|Ils|Elles|Lui|Leur|Leurs|Son|Sa|Ses|Celui|Celle
            |Ceux|Celles|Cela|Ceci|Ça
            |C(?:e|et|ette|es)(?!\s+(?:année|semaine|mois|week-end|matin|soir|lundi|mardi|mercredi
               |jeudi|vendredi|samedi|dimanche|printemps|été|automne|hiver)(?![^\W_]))
            |Mais|Et|Ou|Donc|Or|Pourtant|Cependant|Toutefois|Néanmoins|Ainsi|Aussi|Alors|Puis
            |Ensuite|Enfin|Là|Par\s+ailleurs|En\s+outre|De\s+plus|Par\s+conséquent|En\s+revanche
            |En\s+effet|De\s+son\s+côté|Pour\s+sa\s+part|C['’]est|Voire|Le\s+même|La\s+même|Les\s+mêmes"""
        ),
        first_person=_anywhere(r"[Jj]e|[Jj]['’]|moi|me|[Mm]on|[Mm]a|[Mm]es|[Nn]ous|[Nn]otre|[Nn]os"),
        second_person=_anywhere(r"[Tt]u|[Tt]oi|[Tt]on|[Tt]a|[Tt]es|[Vv]ous|[Vv]otre|[Vv]os"),
        boilerplate=re.compile(
            r"(?i)(?:à )?lire aussi|lire la suite|en savoir plus|voir aussi|^(?:photo|crédit|crédits)\s?:|"
            r"abonnez-vous|s['’]abonner|newsletter|publicité|tous droits réservés|partager sur"
        ),
        reporting=_anywhere(
            r"a\s+déclaré|a\s+dit|a\s+affirmé|a\s+expliqué|a\s+indiqué|a\s+souligné|a\s+ajouté|"
            r"a\s+estimé|a\s+assuré|a\s+précisé|a\s+confié|déclare|affirme|explique|indique|souligne|"
            r"ajoute|estime|assure|précise|confie|dit|a\s+averti|a\s+insisté|a\s+dénoncé|a\s+reconnu|"
            r"a\s+répondu|a\s+rappelé|a\s+commenté|a\s+poursuivi|a\s+lancé|insiste|rappelle|poursuit|"
            r"reconnaît|commente|dénonce"
        ),
    ),
    "es": LanguageRules(
        "es",
        leans_back=_opening(
            r"""Él|Ella|Ellos|Ellas|Su|Sus|Esto|Ese|Esa|Esos|Esas|Eso|Aquel|Aquella|Aquello|Ambos|Ambas
            |Est(?:e|a|os|as)(?!\s+(?:año|mes|semana|lunes|martes|miércoles|jueves|viernes|sábado
               |domingo|fin\s+de\s+semana|mañana|tarde|noche|verano|invierno|otoño|primavera
               |temporada)(?![^\W_]))
            |Pero|Y|O|Sin\s+embargo|Además|Asimismo|Por\s+eso|Por\s+ello|Por\s+lo\s+tanto|Así
            |Es\s+por\s+(?:esto|eso|ello)|Por\s+esta\s+razón|Por\s+este\s+motivo
            |También|Entonces|Luego|No\s+obstante|Allí|Ahí|Dicho|Dicha|De\s+hecho|Por\s+su\s+parte
            |En\s+(?:ese|esa|este\s+sentido|tanto)|Por\s+ende|Incluso|Al\s+respecto|A\s+su\s+vez
            |(?:El|La|Lo|Los|Las)\s+mism[oa]s?"""
        ),
        first_person=_anywhere(r"[Yy]o|me|[Mm]i|[Mm]is|[Nn]osotr[oa]s|[Nn]uestr[oa]s?|conmigo"),
        second_person=_anywhere(r"[Tt]ú|[Tt]e|[Tt]i|[Tt]us?|[Uu]sted(?:es)?|[Vv]osotr[oa]s|[Vv]uestr[oa]s?"),
        boilerplate=re.compile(
            r"(?i)lee también|leer más|te puede interesar|ver también|más información|"
            r"(?:hacer|haga|haz) cli(?:c|ck)|"
            r"^(?:foto|fotografía|imagen):|suscríbete|publicidad|todos los derechos reservados|compartir en"
        ),
        reporting=_anywhere(
            r"dijo|afirmó|declaró|explicó|aseguró|señaló|añadió|indicó|agregó|sostuvo|advirtió|"
            r"dice|afirma|explica|asegura|señala|añade|indica|alertó|comentó|insistió|opinó|denunció|"
            r"subrayó|destacó|apuntó|manifestó|expresó|reconoció|admitió|precisó|recalcó|enfatizó|"
            r"respondió|concluyó|relató|aseveró"
        ),
    ),
    "it": LanguageRules(
        "it",
        leans_back=_opening(
            r"""Lui|Lei|Loro|Egli|Ella|Esso|Essa|Essi|Esse|Suo|Sua|Suoi|Sue|Ciò|Entrambi|Entrambe|Si\s+tratta
            |Quest(?:o|a|i|e)(?!\s+(?:anno|mese|settimana|mattina|sera|estate|inverno|autunno
               |primavera|stagione|weekend|fine\s+settimana|lunedì|martedì|mercoledì|giovedì
               |venerdì|sabato|domenica)(?![^\W_]))
            |Quell(?:o|a|i|e)|Ma|E|O|Però|Tuttavia|Inoltre|Quindi|Dunque|Anche|Poi|Infatti|Così
            |Allora|Lì|Là|In\s+effetti|Dal\s+canto\s+suo"""
        ),
        first_person=_anywhere(r"[Ii]o|mi|[Mm]io|[Mm]ia|[Mm]iei|[Mm]ie|[Nn]oi|[Nn]ostr[oaie]"),
        second_person=_anywhere(r"[Tt]u|[Tt]e|[Tt]i|[Tt]uo|[Tt]ua|[Tt]uoi|[Tt]ue|[Vv]oi|[Vv]ostr[oaie]"),
        boilerplate=re.compile(
            r"(?i)leggi anche|leggi di più|vedi anche|potrebbe interessarti|^(?:foto|immagine):|"
            r"iscriviti|pubblicità|tutti i diritti riservati|condividi su"
        ),
        reporting=_anywhere(
            r"ha\s+detto|ha\s+dichiarato|ha\s+spiegato|ha\s+affermato|ha\s+aggiunto|ha\s+sottolineato|"
            r"ha\s+commentato|ha\s+avvertito|ha\s+ribadito|ha\s+osservato|ha\s+precisato|ha\s+ricordato|"
            r"ha\s+risposto|dice|afferma|spiega|aggiunge|sottolinea|dichiara|commenta|ribadisce|osserva|"
            r"precisa|ricorda"
        ),
    ),
    "pt": LanguageRules(
        "pt",
        leans_back=_opening(
            r"""Ele|Ela|Eles|Elas|Seu|Sua|Seus|Suas|Dele|Dela|Isto|Esse|Essa|Esses|Essas|Isso|Aquele
            |Aquela|Aqueles|Aquelas|Aquilo|Nesse|Nessa|Nisso|Naquele|Naquela|Desse|Dessa|Disso
            |Ambos|Ambas|Lá|Ali
            |Est(?:e|a|es|as)(?!\s+(?:ano|mês|semana|manhã|tarde|noite|segunda|terça|quarta|quinta
               |sexta|sábado|domingo|fim\s+de\s+semana|verão|inverno|outono|primavera
               |temporada)(?![^\W_]))
            |Mas|E|Ou|Porém|Contudo|Entretanto|No\s+entanto|Todavia|Além\s+disso|Também|Assim
            |Então|Depois|Portanto|Por\s+isso|De\s+fato|Por\s+sua\s+vez|É\s+por\s+(?:isso|isto)|Inclusive
            |(?:O|A|Os|As)\s+mesm[oa]s?"""
        ),
        first_person=_anywhere(r"[Ee]u|me|[Mm]eu|[Mm]inha|[Mm]eus|[Mm]inhas|[Nn]ós|[Nn]oss[oa]s?"),
        second_person=_anywhere(r"[Vv]ocês?|[Tt]u|[Tt]e|[Tt]eu|[Tt]ua|[Tt]eus|[Tt]uas"),
        boilerplate=re.compile(
            r"(?i)leia (?:também|mais)|veja também|saiba mais|^(?:foto|imagem):|assine\b|publicado por|"
            r"inscreva-se|publicidade|todos os direitos reservados|compartilh(?:e|ar)\b"
        ),
        reporting=_anywhere(
            r"disse|afirmou|declarou|explicou|destacou|ressaltou|acrescentou|comentou|contou|avaliou|"
            r"completou|garantiu|defendeu|diz|afirma|explica|destaca|ressalta|acrescenta|alertou|insistiu|"
            r"opinou|denunciou|sublinhou|apontou|admitiu|reconheceu|frisou|respondeu|enfatizou|relatou"
        ),
    ),
    "nl": LanguageRules(
        "nl",
        leans_back=_opening(
            r"""Hij|Zij|Ze|Hem|Haar|Hun|Zijn|Beide|Dat|Daar|Daarom|Daarnaast|Daarbij|Daardoor|Daarna
            |Dit(?!\s+(?:jaar|weekend|seizoen|voorjaar|najaar)(?![^\W_]))
            |Deze(?!\s+(?:week|maand|zomer|winter|lente|herfst)(?![^\W_]))
            |Dus|Maar|En|Of|Toch|Echter|Bovendien|Ook|Verder|Vervolgens|Ondertussen|Intussen"""
        ),
        first_person=_anywhere(r"[Ii]k|mij|me|[Mm]ijn|[Ww]ij|[Ww]e|ons|[Oo]nze"),
        second_person=_anywhere(r"[Jj]e|[Jj]ij|[Jj]ou|[Jj]ouw|[Jj]ullie|[Uu]w"),
        boilerplate=re.compile(
            r"(?i)lees (?:ook|meer)|^(?:foto|beeld):|abonneer|advertentie|alle rechten voorbehouden|"
            r"deel dit|nieuwsbrief"
        ),
        reporting=_anywhere(r"zei|zegt|verklaarde|verklaart|stelde|stelt|aldus|schreef|schrijft"),
    ),
    "ru": LanguageRules(
        "ru",
        leans_back=_opening(
            r"""Он|Она|Оно|Они|Его|Её|Ее|Их|Ему|Ей|Им|Оба|Обе|Такой|Такая|Такое|Такие
            |Эт(?:о|от|а|и)(?!\s+(?:год|году|неделе|неделю|месяц|лето|летом|зимой|весной|осенью)(?![^\W_]))
            |При\s+этом|Кроме\s+того|Более\s+того|К\s+тому\s+же|Поэтому|Однако|Также|Тем\s+не\s+менее
            |Впрочем|Зато|Тогда|Затем|Потом|Там|Здесь|Но|И|А|Или|Между\s+тем|Вместе\s+с\s+тем"""
        ),
        first_person=_anywhere(
            r"я|меня|мне|мной|мой|моя|моё|мое|мои|моих|мы|нас|нам|нами|наш|наша|наше|наши|наших", re.I
        ),
        second_person=_anywhere(
            r"ты|тебя|тебе|тобой|твой|твоя|твоё|твои|вы|вас|вам|вами|ваш|ваша|ваше|ваши", re.I
        ),
        boilerplate=re.compile(
            r"(?i)читайте также|читать далее|подробнее|смотрите также|^(?:фото|источник):|"
            r"подписывайтесь|подпишитесь|реклама|все права защищены|поделиться"
        ),
        reporting=_anywhere(
            r"заявил[а]?|сказал[а]?|сообщил[а]?|отметил[а]?|подчеркнул[а]?|пояснил[а]?|добавил[а]?|"
            r"рассказал[а]?|говорит|считает"
        ),
    ),
    "id": LanguageRules(
        "id",
        leans_back=_opening(
            r"""Ia|Dia|Mereka|Beliau|Keduanya|Ini|Itu|Tersebut|Namun|Tetapi|Tapi|Dan|Atau|Maka|Lalu
            |Kemudian|Bahkan|Selain\s+itu|Oleh\s+karena\s+itu|Karena\s+itu|Sementara\s+itu|Di\s+sana"""
        ),
        first_person=_anywhere(r"aku|saya|kami|kita", re.I),
        second_person=_anywhere(r"kamu|anda|kalian|engkau", re.I),
        boilerplate=re.compile(
            r"(?i)baca juga|baca selengkapnya|lihat juga|^(?:foto|sumber):|berlangganan|iklan\b|"
            r"hak cipta|bagikan"
        ),
        reporting=_anywhere(r"kata|ujar|ucap|ungkap|jelas|tutur|katanya"),
    ),
    "ko": LanguageRules(
        "ko",
        leans_back=_opening(
            r"그는|그녀는|그들은|이는|이에|이를|그러나|하지만|또한|그리고|따라서|그래서|이어|한편|이와\s+함께"
        ),
        # "[엔터미디어=정덕현의 이슈공감]": the outlet and writer's rubric that opens a Korean article
        boilerplate=re.compile(
            r"관련\s?기사|기사\s?더보기|무단\s?전재|재배포\s?금지|^사진\s?=|구독|광고|^\[[^\]]{1,40}="
        ),
    ),
    "ja": LanguageRules(
        "ja",
        leans_back=re.compile(
            r"^[「『(]*(?:彼は|彼女は|彼らは|これは|それは|この|その|しかし|また|さらに|そして|だが|ただ|一方)"
        ),
        first_person=re.compile(r"私|僕|俺|我々"),
        second_person=re.compile(r"あなた"),
        boilerplate=re.compile(r"関連記事|続きを読む|^写真[:：]|無断転載|広告"),
    ),
    "zh": LanguageRules(
        "zh",
        leans_back=re.compile(
            r"^[“「『(]*(?:他们|她们|它们|他|她|它|这些|这个|这一|这|那些|那个|那|但是|但|然而|而且|此外|因此|所以|同时|其中|其)"
        ),
        first_person=re.compile(r"我(?!国)"),
        second_person=re.compile(r"你|您"),
        boilerplate=re.compile(r"相关阅读|阅读全文|图片来源|版权所有|广告"),
    ),
}


def rules_for(language: str) -> LanguageRules:
    """The rules for ``language``; a language without its own lists gets none of those rules."""
    return _RULES.get(language, LanguageRules(language))
