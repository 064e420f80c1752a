"""The spreadsheet's words: column headers, help and coded values in every shipped language.

Kept as data here, not in the gettext catalogs, because an import must recognise a header in
any language at once (a Polish file uploaded from an English page), which a catalog cannot
answer. The template writes the same words, so a downloaded template always reads back.
Headers and values are compared after `normalize()`: case, accents' composition, dashes,
underscores, spacing and a trailing `*` or `:` do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

LANGUAGES: tuple[str, ...] = ("en", "pl", "et", "it", "uk", "ar")

_DASHES = re.compile(r"[\u2010-\u2015\u2212_\-]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65_536)
def normalize(text: str) -> str:
    """The comparison form of a header or a coded value: `Data warsztatu *` → `data warsztatu`."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = text.strip("\"'").rstrip("*:").strip()
    text = _DASHES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Column:
    """One column of the import: its canonical key, headers (first = the template's) and help."""

    key: str
    headers: dict[str, tuple[str, ...]]
    help: dict[str, str]
    required: bool = False
    # Coded columns name their value vocabulary (a key of VALUES); lists accept several values.
    values: str | None = None
    is_list: bool = False
    is_text: bool = False
    width: int = 18

    def header(self, language: str) -> str:
        return (self.headers.get(language) or self.headers["en"])[0]

    def help_text(self, language: str) -> str:
        return self.help.get(language) or self.help["en"]


def _column(
    key: str, headers: dict[str, tuple[str, ...] | str], help_: dict[str, str], **extra: object
) -> Column:
    return Column(
        key=key,
        headers={
            tag: (value,) if isinstance(value, str) else value for tag, value in headers.items()
        },
        help=help_,
        **extra,  # type: ignore[arg-type]
    )


COLUMNS: tuple[Column, ...] = (
    _column(
        "site",
        {
            "en": ("Site", "Municipality", "Site slug"),
            "pl": ("Miejsce", "Gmina"),
            "et": ("Paik", "Omavalitsus"),
            "it": ("Sede", "Comune"),
            "uk": ("Громада", "Місце"),
            "ar": ("الموقع", "البلدية"),
        },
        {
            "en": "The site's name as in the list, e.g. Gdańsk; its short name (gdansk) works too. Leave the column out when you import from a site's page.",
            "pl": "Nazwa miejsca z listy, np. Gdańsk; krótka nazwa (gdansk) też działa. Pomiń tę kolumnę, gdy importujesz ze strony danego miejsca.",
            "et": "Paiga nimi loendist, nt Võru; sobib ka lühinimi (voru). Jäta veerg ära, kui impordid konkreetse paiga lehelt.",
            "it": "Il nome della sede come nell'elenco, ad es. Reggio Emilia; va bene anche il nome breve (reggio-emilia). Ometti la colonna se importi dalla pagina di una sede.",
            "uk": "Назва громади зі списку, напр. Gdańsk; коротка назва (gdansk) теж підходить. Пропустіть цей стовпець, якщо імпортуєте зі сторінки громади.",
            "ar": "اسم الموقع الميداني كما في القائمة، مثل Gdańsk؛ ويصلح الاسم المختصر (gdansk) أيضًا. احذف هذا العمود عند الاستيراد من صفحة الموقع الميداني.",
        },
        width=22,
    ),
    _column(
        "workshop_date",
        {
            "en": "Workshop date",
            "pl": "Data warsztatu",
            "et": "Töötoa kuupäev",
            "it": "Data del laboratorio",
            "uk": "Дата воркшопу",
            "ar": "تاريخ الورشة",
        },
        {
            "en": "The day of the workshop, e.g. 2025-03-15 or 15.03.2025. Rows with the same site, date and type belong to one workshop.",
            "pl": "Dzień warsztatu, np. 2025-03-15 lub 15.03.2025. Wiersze z tym samym miejscem, datą i rodzajem należą do jednego warsztatu.",
            "et": "Töötoa päev, nt 2025-03-15 või 15.03.2025. Sama paiga, kuupäeva ja liigiga read kuuluvad ühte töötuppa.",
            "it": "Il giorno del laboratorio, ad es. 2025-03-15 o 15/03/2025. Le righe con stessa sede, data e tipo appartengono a un unico laboratorio.",
            "uk": "День воркшопу, напр. 2025-03-15 або 15.03.2025. Рядки з тією самою громадою, датою й типом належать до одного воркшопу.",
            "ar": "يوم الورشة، مثل 2025-03-15 أو 15.03.2025. الصفوف التي لها الموقع والتاريخ والنوع نفسها تنتمي إلى ورشة واحدة.",
        },
        required=True,
        width=14,
    ),
    _column(
        "workshop_kind",
        {
            "en": ("Workshop type", "Workshop kind"),
            "pl": "Rodzaj warsztatu",
            "et": "Töötoa liik",
            "it": "Tipo di laboratorio",
            "uk": "Тип воркшопу",
            "ar": "نوع الورشة",
        },
        {
            "en": "The type of workshop; choose from the list.",
            "pl": "Rodzaj warsztatu; wybierz z listy.",
            "et": "Töötoa liik; vali loendist.",
            "it": "Il tipo di laboratorio; scegli dall'elenco.",
            "uk": "Тип воркшопу; виберіть зі списку.",
            "ar": "نوع الورشة؛ اختر من القائمة.",
        },
        required=True,
        values="workshop_kind",
        width=22,
    ),
    _column(
        "workshop_language",
        {
            "en": "Workshop language",
            "pl": "Język warsztatu",
            "et": "Töötoa keel",
            "it": "Lingua del laboratorio",
            "uk": "Мова воркшопу",
            "ar": "لغة الورشة",
        },
        {
            "en": "The language the workshop was held in, as a code such as pl. Empty: the site's first language.",
            "pl": "Język, w którym prowadzono warsztat, jako kod, np. pl. Puste: pierwszy język miejsca.",
            "et": "Keel, milles töötuba toimus, koodina, nt et. Tühi: paiga esimene keel.",
            "it": "La lingua in cui si è svolto il laboratorio, come codice, ad es. it. Vuoto: la prima lingua della sede.",
            "uk": "Мова, якою проходив воркшоп, у вигляді коду, напр. uk. Порожньо: перша мова громади.",
            "ar": "اللغة التي عُقدت بها الورشة، كرمز مثل ar. إذا تُرك فارغًا: اللغة الأولى للموقع.",
        },
        values="language",
        width=12,
    ),
    _column(
        "workshop_title",
        {
            "en": "Workshop title",
            "pl": "Tytuł warsztatu",
            "et": "Töötoa pealkiri",
            "it": "Titolo del laboratorio",
            "uk": "Назва воркшопу",
            "ar": "عنوان الورشة",
        },
        {
            "en": "Optional: the workshop's title. Used only when the workshop is new.",
            "pl": "Opcjonalnie: tytuł warsztatu. Używany tylko, gdy warsztat jest nowy.",
            "et": "Valikuline: töötoa pealkiri. Kasutatakse ainult uue töötoa puhul.",
            "it": "Facoltativo: il titolo del laboratorio. Usato solo se il laboratorio è nuovo.",
            "uk": "Необов'язково: назва воркшопу. Використовується лише для нового воркшопу.",
            "ar": "اختياري: عنوان الورشة. يُستخدم فقط عندما تكون الورشة جديدة.",
        },
        is_text=True,
        width=24,
    ),
    _column(
        "storyteller_codes",
        {
            "en": ("Storyteller code", "Storyteller codes", "Storyteller"),
            "pl": ("Kod osoby opowiadającej", "Kod narratora"),
            "et": "Jutustaja kood",
            "it": ("Codice di chi racconta", "Codice narratore"),
            "uk": "Код оповідача",
            "ar": "رمز الراوي",
        },
        {
            "en": "The storyteller's pseudonymous code, e.g. GDA-01; for a group story several codes separated by ;. Never a name.",
            "pl": "Pseudonimowy kod osoby opowiadającej, np. GDA-01; przy historii grupowej kilka kodów rozdzielonych znakiem ;. Nigdy imię i nazwisko.",
            "et": "Jutustaja pseudonüümne kood, nt VOR-01; grupiloo puhul mitu koodi, eraldatud märgiga ;. Mitte kunagi nimi.",
            "it": "Il codice pseudonimo di chi racconta, ad es. RE-01; per una storia di gruppo più codici separati da ;. Mai un nome.",
            "uk": "Псевдонімний код оповідача, напр. GDA-01; для групової історії кілька кодів через ;. Ніколи не ім'я.",
            "ar": "الرمز المستعار للراوي، مثل GDA-01؛ وللقصة الجماعية عدة رموز تفصل بينها ;. لا تكتب الاسم أبدًا.",
        },
        required=True,
        is_list=True,
        width=16,
    ),
    _column(
        "consent_version",
        {
            "en": "Consent version",
            "pl": "Wersja zgody",
            "et": "Nõusoleku versioon",
            "it": "Versione del consenso",
            "uk": "Версія згоди",
            "ar": "إصدار الموافقة",
        },
        {
            "en": "The version of the consent form the storyteller signed, e.g. 2025-01. Required for a new storyteller.",
            "pl": "Wersja formularza zgody podpisanego przez osobę opowiadającą, np. 2025-01. Wymagana dla nowej osoby.",
            "et": "Jutustaja allkirjastatud nõusolekuvormi versioon, nt 2025-01. Uue jutustaja puhul kohustuslik.",
            "it": "La versione del modulo di consenso firmato, ad es. 2025-01. Obbligatoria per chi racconta per la prima volta.",
            "uk": "Версія форми згоди, яку підписав оповідач, напр. 2025-01. Обов'язкова для нового оповідача.",
            "ar": "إصدار نموذج الموافقة الذي وقّعه الراوي، مثل 2025-01. مطلوب للراوي الجديد.",
        },
        width=12,
    ),
    _column(
        "consent_given_at",
        {
            "en": "Consent date",
            "pl": "Data zgody",
            "et": "Nõusoleku kuupäev",
            "it": "Data del consenso",
            "uk": "Дата згоди",
            "ar": "تاريخ الموافقة",
        },
        {
            "en": "The day consent was given. Empty: the workshop date.",
            "pl": "Dzień udzielenia zgody. Puste: data warsztatu.",
            "et": "Nõusoleku andmise päev. Tühi: töötoa kuupäev.",
            "it": "Il giorno in cui è stato dato il consenso. Vuoto: la data del laboratorio.",
            "uk": "День надання згоди. Порожньо: дата воркшопу.",
            "ar": "يوم إعطاء الموافقة. إذا تُرك فارغًا: تاريخ الورشة.",
        },
        width=14,
    ),
    _column(
        "consent_scopes",
        {
            "en": "Consent scopes",
            "pl": "Zakres zgody",
            "et": "Nõusoleku ulatus",
            "it": "Ambiti del consenso",
            "uk": "Обсяг згоди",
            "ar": "نطاق الموافقة",
        },
        {
            "en": "What the storyteller agreed to: Research, Archive, Quotation, separated by ;. Required for a new storyteller.",
            "pl": "Na co osoba się zgodziła: Badania, Archiwum, Cytowanie, rozdzielone znakiem ;. Wymagane dla nowej osoby.",
            "et": "Millega jutustaja nõustus: Uurimistöö, Arhiiv, Tsiteerimine, eraldatud märgiga ;. Uue jutustaja puhul kohustuslik.",
            "it": "A cosa ha acconsentito: Ricerca, Archivio, Citazione, separati da ;. Obbligatorio per chi racconta per la prima volta.",
            "uk": "На що погодився оповідач: Дослідження, Архів, Цитування, через ;. Обов'язково для нового оповідача.",
            "ar": "ما وافق عليه الراوي: البحث، الأرشيف، الاقتباس، تفصل بينها ;. مطلوب للراوي الجديد.",
        },
        values="consent_scope",
        is_list=True,
        width=26,
    ),
    _column(
        "story_kind",
        {
            "en": ("Story type", "Story kind"),
            "pl": "Rodzaj historii",
            "et": "Loo liik",
            "it": "Tipo di storia",
            "uk": "Тип історії",
            "ar": "نوع القصة",
        },
        {
            "en": "A present-day experience of democracy or a vision of the future; choose from the list.",
            "pl": "Dzisiejsze doświadczenie demokracji albo wizja przyszłości; wybierz z listy.",
            "et": "Tänane demokraatiakogemus või tulevikunägemus; vali loendist.",
            "it": "Un'esperienza di democrazia di oggi o una visione del futuro; scegli dall'elenco.",
            "uk": "Сьогоднішній досвід демократії або бачення майбутнього; виберіть зі списку.",
            "ar": "تجربة حالية مع الديمقراطية أو رؤية للمستقبل؛ اختر من القائمة.",
        },
        required=True,
        values="story_kind",
        width=22,
    ),
    _column(
        "horizon_year",
        {
            "en": "Horizon year",
            "pl": "Rok horyzontu",
            "et": "Sihtaasta",
            "it": "Anno dell'orizzonte",
            "uk": "Рік горизонту",
            "ar": "سنة الأفق",
        },
        {
            "en": "For a vision of the future only: the year it imagines, e.g. 2050.",
            "pl": "Tylko dla wizji przyszłości: rok, którego dotyczy, np. 2050.",
            "et": "Ainult tulevikunägemuse puhul: aasta, mida see kujutab, nt 2050.",
            "it": "Solo per una visione del futuro: l'anno che immagina, ad es. 2050.",
            "uk": "Лише для бачення майбутнього: рік, який воно уявляє, напр. 2050.",
            "ar": "لرؤية المستقبل فقط: السنة التي تتخيلها، مثل 2050.",
        },
        width=10,
    ),
    _column(
        "language",
        {
            "en": ("Story language", "Language"),
            "pl": ("Język historii", "Język"),
            "et": ("Loo keel", "Keel"),
            "it": ("Lingua della storia", "Lingua"),
            "uk": ("Мова історії", "Мова"),
            "ar": ("لغة القصة", "اللغة"),
        },
        {
            "en": "The language the story is written in, as a code such as pl, uk or et.",
            "pl": "Język, w którym napisano historię, jako kod, np. pl, uk lub et.",
            "et": "Keel, milles lugu on kirjutatud, koodina, nt et, vro või ru.",
            "it": "La lingua in cui è scritta la storia, come codice, ad es. it, en o ar.",
            "uk": "Мова, якою написано історію, у вигляді коду, напр. uk, pl або en.",
            "ar": "اللغة التي كُتبت بها القصة، كرمز مثل ar أو en أو it.",
        },
        required=True,
        values="language",
        width=10,
    ),
    _column(
        "title",
        {
            "en": ("Title", "Story title"),
            "pl": ("Tytuł", "Tytuł historii"),
            "et": ("Pealkiri", "Loo pealkiri"),
            "it": ("Titolo", "Titolo della storia"),
            "uk": ("Назва", "Назва історії"),
            "ar": ("العنوان", "عنوان القصة"),
        },
        {
            "en": "Optional: the story's title in its own language.",
            "pl": "Opcjonalnie: tytuł historii w jej języku.",
            "et": "Valikuline: loo pealkiri loo enda keeles.",
            "it": "Facoltativo: il titolo della storia nella sua lingua.",
            "uk": "Необов'язково: назва історії її мовою.",
            "ar": "اختياري: عنوان القصة بلغتها الأصلية.",
        },
        is_text=True,
        width=30,
    ),
    _column(
        "body",
        {
            "en": ("Story", "Story text", "Text"),
            "pl": ("Treść historii", "Historia", "Treść"),
            "et": ("Lugu", "Loo tekst", "Tekst"),
            "it": ("Testo della storia", "Storia", "Testo"),
            "uk": ("Текст історії", "Історія", "Текст"),
            "ar": ("نص القصة", "القصة", "النص"),
        },
        {
            "en": "The story's text in its original language, as the storyteller told it.",
            "pl": "Treść historii w oryginalnym języku, tak jak ją opowiedziano.",
            "et": "Loo tekst algkeeles, nii nagu jutustaja selle rääkis.",
            "it": "Il testo della storia nella lingua originale, come è stata raccontata.",
            "uk": "Текст історії мовою оригіналу, так, як її розповів оповідач.",
            "ar": "نص القصة بلغتها الأصلية، كما رواها الراوي.",
        },
        required=True,
        is_text=True,
        width=60,
    ),
    _column(
        "status",
        {
            "en": "Status",
            "pl": "Status",
            "et": "Olek",
            "it": "Stato",
            "uk": "Статус",
            "ar": "الحالة",
        },
        {
            "en": "Draft, Submitted or Reviewed. Empty: Submitted.",
            "pl": "Szkic, Przesłana lub Sprawdzona. Puste: Przesłana.",
            "et": "Mustand, Esitatud või Üle vaadatud. Tühi: Esitatud.",
            "it": "Bozza, Inviata o Revisionata. Vuoto: Inviata.",
            "uk": "Чернетка, Подано або Перевірено. Порожньо: Подано.",
            "ar": "مسودة أو مُرسلة أو تمت مراجعتها. إذا تُرك فارغًا: مُرسلة.",
        },
        values="status",
        width=12,
    ),
    _column(
        "translation_language",
        {
            "en": "Translation language",
            "pl": "Język tłumaczenia",
            "et": "Tõlke keel",
            "it": "Lingua della traduzione",
            "uk": "Мова перекладу",
            "ar": "لغة الترجمة",
        },
        {
            "en": "Optional: the language of the translation, e.g. en.",
            "pl": "Opcjonalnie: język tłumaczenia, np. en.",
            "et": "Valikuline: tõlke keel, nt en.",
            "it": "Facoltativo: la lingua della traduzione, ad es. en.",
            "uk": "Необов'язково: мова перекладу, напр. en.",
            "ar": "اختياري: لغة الترجمة، مثل en.",
        },
        values="language",
        width=10,
    ),
    _column(
        "translation_title",
        {
            "en": "Translated title",
            "pl": "Tytuł w tłumaczeniu",
            "et": "Tõlgitud pealkiri",
            "it": "Titolo tradotto",
            "uk": "Назва в перекладі",
            "ar": "العنوان المترجم",
        },
        {
            "en": "Optional: the title in the translation's language.",
            "pl": "Opcjonalnie: tytuł w języku tłumaczenia.",
            "et": "Valikuline: pealkiri tõlke keeles.",
            "it": "Facoltativo: il titolo nella lingua della traduzione.",
            "uk": "Необов'язково: назва мовою перекладу.",
            "ar": "اختياري: العنوان بلغة الترجمة.",
        },
        is_text=True,
        width=30,
    ),
    _column(
        "translation_body",
        {
            "en": ("Translation", "Translated text"),
            "pl": ("Tłumaczenie", "Treść tłumaczenia"),
            "et": ("Tõlge", "Tõlke tekst"),
            "it": ("Traduzione", "Testo tradotto"),
            "uk": ("Переклад", "Текст перекладу"),
            "ar": ("الترجمة", "النص المترجم"),
        },
        {
            "en": "Optional: the story translated, e.g. into English.",
            "pl": "Opcjonalnie: historia przetłumaczona, np. na angielski.",
            "et": "Valikuline: lugu tõlgituna, nt inglise keelde.",
            "it": "Facoltativo: la storia tradotta, ad es. in inglese.",
            "uk": "Необов'язково: перекладена історія, напр. англійською.",
            "ar": "اختياري: القصة مترجمة، مثلًا إلى الإنجليزية.",
        },
        is_text=True,
        width=60,
    ),
    _column(
        "translation_by",
        {
            "en": "Translated by",
            "pl": "Kto przetłumaczył",
            "et": "Tõlkija",
            "it": "Tradotto da",
            "uk": "Хто переклав",
            "ar": "جهة الترجمة",
        },
        {
            "en": "Who translated: a person or a machine. Empty: a person.",
            "pl": "Kto przetłumaczył: człowiek czy maszyna. Puste: człowiek.",
            "et": "Kes tõlkis: inimene või masin. Tühi: inimene.",
            "it": "Chi ha tradotto: una persona o una macchina. Vuoto: una persona.",
            "uk": "Хто переклав: людина чи машина. Порожньо: людина.",
            "ar": "من ترجم: إنسان أم آلة. إذا تُرك فارغًا: إنسان.",
        },
        values="translation_by",
        width=14,
    ),
    _column(
        "themes",
        {
            "en": ("Themes", "Theme"),
            "pl": ("Tematy", "Temat"),
            "et": ("Teemad", "Teema"),
            "it": ("Temi", "Tema"),
            "uk": ("Теми", "Тема"),
            "ar": ("المواضيع", "الموضوع"),
        },
        {
            "en": "Themes of the project's codebook, by label or key, separated by ;.",
            "pl": "Tematy z książki kodów projektu, nazwą lub kluczem, rozdzielone znakiem ;.",
            "et": "Projekti koodiraamatu teemad, nime või võtmega, eraldatud märgiga ;.",
            "it": "Temi del codebook del progetto, per nome o chiave, separati da ;.",
            "uk": "Теми з кодової книги проєкту, назвою або ключем, через ;.",
            "ar": "مواضيع دليل الترميز في المشروع، بالاسم أو بالمفتاح، تفصل بينها ;.",
        },
        values="theme",
        is_list=True,
        width=36,
    ),
    _column(
        "coder",
        {
            "en": "Coded by",
            "pl": "Kto przypisał tematy",
            "et": "Kodeerija",
            "it": "Codificato da",
            "uk": "Хто кодував",
            "ar": "المُرمِّز",
        },
        {
            "en": "Optional: who chose the themes. Empty: you.",
            "pl": "Opcjonalnie: kto wybrał tematy. Puste: Ty.",
            "et": "Valikuline: kes teemad valis. Tühi: sina.",
            "it": "Facoltativo: chi ha scelto i temi. Vuoto: tu.",
            "uk": "Необов'язково: хто вибрав теми. Порожньо: ви.",
            "ar": "اختياري: من اختار المواضيع. إذا تُرك فارغًا: أنت.",
        },
        width=14,
    ),
)

COLUMNS_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}

# Help for a demographic column; its header comes from the project's own labels.
DEMOGRAPHIC_HELP: dict[str, str] = {
    "en": "Choose from the list; leave empty if it was not recorded.",
    "pl": "Wybierz z listy; zostaw puste, jeśli tego nie zapisano.",
    "et": "Vali loendist; jäta tühjaks, kui seda ei märgitud.",
    "it": "Scegli dall'elenco; lascia vuoto se non è stato rilevato.",
    "uk": "Виберіть зі списку; залиште порожнім, якщо це не записано.",
    "ar": "اختر من القائمة؛ اتركه فارغًا إذا لم يُسجَّل.",
}


def _labels(values: tuple[str, ...], **labels: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Value → {language: label} from one tuple of labels per language, in the values' order."""
    rows = zip(*(labels[tag] for tag in LANGUAGES), strict=True)
    return {
        value: dict(zip(LANGUAGES, row, strict=True))
        for value, row in zip(values, rows, strict=True)
    }


def _in_languages(*texts: str) -> dict[str, str]:
    """{language: text} from texts given in the order of LANGUAGES."""
    return dict(zip(LANGUAGES, texts, strict=True))


# Coded values: canonical value → label per language (the template writes the labels),
# written as tables: the values, then their labels in each language in the same order.
VALUES: dict[str, dict[str, dict[str, str]]] = {
    "workshop_kind": _labels(
        ("storytelling", "future_thinking", "knowledge_exchange"),
        en=("Storytelling", "Future thinking", "Knowledge exchange"),
        pl=("Opowiadanie historii", "Myślenie o przyszłości", "Wymiana wiedzy"),
        et=("Lugude jutustamine", "Tulevikumõtlemine", "Teadmiste vahetus"),
        it=("Narrazione", "Pensiero sul futuro", "Scambio di conoscenze"),
        uk=("Розповідання історій", "Мислення про майбутнє", "Обмін знаннями"),
        ar=("سرد القصص", "التفكير في المستقبل", "تبادل المعرفة"),
    ),
    "story_kind": _labels(
        ("present", "future"),
        en=("Present-day experience", "Vision of the future"),
        pl=("Doświadczenie z dziś", "Wizja przyszłości"),
        et=("Tänane kogemus", "Tulevikunägemus"),
        it=("Esperienza di oggi", "Visione del futuro"),
        uk=("Сьогоднішній досвід", "Бачення майбутнього"),
        ar=("تجربة من الحاضر", "رؤية للمستقبل"),
    ),
    "status": _labels(
        ("draft", "submitted", "reviewed"),
        en=("Draft", "Submitted", "Reviewed"),
        pl=("Szkic", "Przesłana", "Sprawdzona"),
        et=("Mustand", "Esitatud", "Üle vaadatud"),
        it=("Bozza", "Inviata", "Revisionata"),
        uk=("Чернетка", "Подано", "Перевірено"),
        ar=("مسودة", "مُرسلة", "تمت مراجعتها"),
    ),
    "consent_scope": _labels(
        ("research", "archive", "quote"),
        en=("Research", "Archive", "Quotation"),
        pl=("Badania", "Archiwum", "Cytowanie"),
        et=("Uurimistöö", "Arhiiv", "Tsiteerimine"),
        it=("Ricerca", "Archivio", "Citazione"),
        uk=("Дослідження", "Архів", "Цитування"),
        ar=("البحث", "الأرشيف", "الاقتباس"),
    ),
    "translation_by": _labels(
        ("human", "machine"),
        en=("Person", "Machine"),
        pl=("Człowiek", "Maszyna"),
        et=("Inimene", "Masin"),
        it=("Persona", "Macchina"),
        uk=("Людина", "Машина"),
        ar=("إنسان", "آلة"),
    ),
}

# Sheet names of the template.
SHEETS: dict[str, dict[str, str]] = {
    "stories": _in_languages("Stories", "Historie", "Lood", "Storie", "Історії", "القصص"),
    "help": _in_languages("Help", "Pomoc", "Juhend", "Istruzioni", "Довідка", "مساعدة"),
}

# Words of the help sheet's table.
HELP_HEADINGS: dict[str, tuple[str, str, str, str]] = {
    "en": ("Column", "Required", "What to write", "Allowed values"),
    "pl": ("Kolumna", "Wymagana", "Co wpisać", "Dozwolone wartości"),
    "et": ("Veerg", "Kohustuslik", "Mida kirjutada", "Lubatud väärtused"),
    "it": ("Colonna", "Obbligatoria", "Cosa scrivere", "Valori ammessi"),
    "uk": ("Стовпець", "Обов'язковий", "Що писати", "Допустимі значення"),
    "ar": ("العمود", "مطلوب", "ماذا تكتب", "القيم المسموح بها"),
}
YES: dict[str, str] = {"en": "yes", "pl": "tak", "et": "jah", "it": "sì", "uk": "так", "ar": "نعم"}
HELP_INTRO: dict[str, str] = {
    "en": "One row per story. Keep the headers of the first sheet as they are; rows with the same site, workshop date and type become one workshop, and storytellers are matched by code. Importing the same file again changes nothing.",
    "pl": "Jeden wiersz na historię. Nie zmieniaj nagłówków w pierwszym arkuszu; wiersze z tym samym miejscem, datą i rodzajem warsztatu tworzą jeden warsztat, a osoby opowiadające są rozpoznawane po kodzie. Ponowny import tego samego pliku niczego nie zmienia.",
    "et": "Üks rida loo kohta. Jäta esimese lehe päised muutmata; sama paiga, töötoa kuupäeva ja liigiga read moodustavad ühe töötoa ning jutustajad tuvastatakse koodi järgi. Sama faili uuesti importimine ei muuda midagi.",
    "it": "Una riga per storia. Lascia invariate le intestazioni del primo foglio; le righe con stessa sede, data e tipo di laboratorio formano un unico laboratorio e chi racconta è riconosciuto dal codice. Importare di nuovo lo stesso file non cambia nulla.",
    "uk": "Один рядок на історію. Не змінюйте заголовки першого аркуша; рядки з тією самою громадою, датою й типом воркшопу утворюють один воркшоп, а оповідачів розпізнають за кодом. Повторний імпорт того самого файлу нічого не змінює.",
    "ar": "صف واحد لكل قصة. لا تغيّر عناوين الورقة الأولى؛ الصفوف التي لها الموقع وتاريخ الورشة ونوعها نفسها تصبح ورشة واحدة، ويُتعرَّف على الرواة من خلال رموزهم. استيراد الملف نفسه مرة أخرى لا يغيّر شيئًا.",
}


def value_label(vocabulary: str, value: str, language: str) -> str:
    """A coded value's label in a language (English, then the value itself, as fallbacks)."""
    labels = VALUES[vocabulary].get(value, {})
    return labels.get(language) or labels.get("en") or value


@dataclass
class ValueIndex:
    """Recognises a coded value written as its key or as its label in any language."""

    by_text: dict[str, set[str]] = field(default_factory=dict)

    def add(self, value: str, *texts: str) -> None:
        for text in (value, *texts):
            normalized = normalize(text)
            if normalized:
                self.by_text.setdefault(normalized, set()).add(value)

    def lookup(self, text: str) -> set[str]:
        """Every value the text may name: none (unknown), one, or several (ambiguous)."""
        return self.by_text.get(normalize(text), set())


def value_index(vocabulary: str) -> ValueIndex:
    index = ValueIndex()
    for value, labels in VALUES[vocabulary].items():
        index.add(value, *labels.values())
    return index
