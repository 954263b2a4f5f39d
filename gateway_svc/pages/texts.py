# ruff: noqa: RUF001  -- Kazakh and Russian texts are meant to contain Cyrillic letters
"""The gateway console's texts in Kazakh, Russian and English (over shared.pages.texts)."""

from __future__ import annotations

from shared.pages.texts import Texts

TEXTS = Texts(
    {
        # --- the menu ------------------------------------------------------------------------
        "gw.nav.messages": {
            "kk": "Хабарламалар журналы",
            "ru": "Журнал сообщений",
            "en": "Message log",
        },
        "gw.nav.trace": {"kk": "Сұрау жолы", "ru": "Маршрут запроса", "en": "Request trace"},
        "gw.nav.parked": {
            "kk": "Жеткізілмеген хабарламалар",
            "ru": "Недоставленные сообщения",
            "en": "Parked messages",
        },
        "gw.nav.rules": {
            "kk": "Қолжетімділік ережелері",
            "ru": "Правила доступа",
            "en": "Access rules",
        },
        "gw.nav.traffic": {
            "kk": "Маршруттар бойынша трафик",
            "ru": "Трафик по маршрутам",
            "en": "Traffic per route",
        },
        # --- shared words --------------------------------------------------------------------
        "gw.sender": {"kk": "Жіберуші", "ru": "Отправитель", "en": "Sender"},
        "gw.recipient": {"kk": "Алушы", "ru": "Получатель", "en": "Recipient"},
        "gw.correlation_id": {
            "kk": "Корреляция идентификаторы",
            "ru": "Идентификатор корреляции",
            "en": "Correlation id",
        },
        "gw.message_id": {
            "kk": "Хабарлама идентификаторы",
            "ru": "Идентификатор сообщения",
            "en": "Message id",
        },
        "gw.since": {"kk": "Басталуы (UTC)", "ru": "С (UTC)", "en": "Since (UTC)"},
        "gw.until": {"kk": "Аяқталуы (UTC)", "ru": "До (UTC)", "en": "Until (UTC)"},
        "gw.time_hint": {
            "kk": "ЖЖЖЖ-АА-КК СС:ММ",
            "ru": "ГГГГ-ММ-ДД ЧЧ:ММ",
            "en": "YYYY-MM-DD HH:MM",
        },
        "gw.filters": {"kk": "Сүзгілер", "ru": "Фильтры", "en": "Filters"},
        "gw.show": {"kk": "Көрсету", "ru": "Показать", "en": "Show"},
        "gw.clear": {"kk": "Сүзгілерді тазарту", "ru": "Сбросить фильтры", "en": "Clear filters"},
        "gw.time": {"kk": "Уақыты (UTC)", "ru": "Время (UTC)", "en": "Time (UTC)"},
        "gw.record": {"kk": "Жазба", "ru": "Запись", "en": "Record"},
        "gw.type": {
            "kk": "Хабарлама түрі / қызмет",
            "ru": "Тип сообщения / сервис",
            "en": "Message type / service",
        },
        "gw.state": {"kk": "Күйі", "ru": "Состояние", "en": "State"},
        "gw.route": {"kk": "Маршрут", "ru": "Маршрут", "en": "Route"},
        "gw.no_entries": {
            "kk": "Бұл сүзгілерге сай жазба жоқ.",
            "ru": "Записей, подходящих под фильтры, нет.",
            "en": "No entry matches these filters.",
        },
        "gw.older": {"kk": "Ертеректегілер", "ru": "Более ранние", "en": "Older entries"},
        "gw.newest": {"kk": "Ең жаңалары", "ru": "Самые новые", "en": "Newest entries"},
        "gw.masked_note": {
            "kk": "Сізге ЖСН мен БСН жасырылып көрсетіледі (88******0411).",
            "ru": "Вам ИИН и БИН показываются скрытыми (88******0411).",
            "en": "IINs and BINs are shown to you masked (88******0411).",
        },
        "gw.claimed": {
            "kk": "хабарламаның өзі айтқаны, тексерілмеген",
            "ru": "со слов сообщения, не проверено",
            "en": "as the message claimed, unverified",
        },
        "gw.open_trace": {
            "kk": "Сұрау жолын ашу",
            "ru": "Открыть маршрут запроса",
            "en": "Open the request's trace",
        },
        "gw.messages.title": {
            "kk": "ЭҮШ хабарламалар журналы",
            "ru": "Журнал сообщений ШЭП",
            "en": "The gateway's message log",
        },
        "gw.messages.intro": {
            "kk": "Шлюздің әр жазбасы: қабылданған, қабылданбаған, өңірлік шлюз арқылы "
            "жіберілген хабарламалар, жеткізу күйлері және синхронды сұраулар. Ең жаңасы "
            "жоғарыда, бір бетте {size} жазба.",
            "ru": "Каждая запись шлюза: принятые и отклонённые сообщения, передачи через "
            "региональный шлюз, состояния доставки и синхронные запросы. Новые сверху, "
            "по {size} записей на странице.",
            "en": "Every record the gateway keeps: messages accepted and refused, relayed by "
            "the regional gateway, delivery states and sync calls. Newest first, {size} to "
            "a page.",
        },
        # --- validation ----------------------------------------------------------------------
        "gw.bad_time": {
            "kk": "Күн мен уақытты ЖЖЖЖ-АА-КК СС:ММ түрінде енгізіңіз.",
            "ru": "Введите дату и время в виде ГГГГ-ММ-ДД ЧЧ:ММ.",
            "en": "Enter a date and time as YYYY-MM-DD HH:MM.",
        },
        "gw.bad_range": {
            "kk": "Аяқталу уақыты басталу уақытынан кейін болуы керек.",
            "ru": "Время «до» должно быть позже времени «с».",
            "en": "“Until” must be later than “since”.",
        },
        "gw.bad_system": {
            "kk": "Жүйе идентификаторы нүктемен бөлінген кіші әріпті сөздерден тұрады, "
            "мысалы provider.almaty.culture.",
            "ru": "Идентификатор системы состоит из строчных слов через точку, например "
            "provider.almaty.culture.",
            "en": "A system id is lower-case words joined by dots, e.g. provider.almaty.culture.",
        },
        "gw.bad_id": {
            "kk": "Идентификатор әріптерден, цифрлардан және «._:-» таңбаларынан тұрады "
            "(128 таңбаға дейін).",
            "ru": "Идентификатор состоит из букв, цифр и знаков «._:-» (до 128 символов).",
            "en": "An id is letters, digits and '._:-' (up to 128 characters).",
        },
        "gw.bad_page": {
            "kk": "Бет нөмірі дұрыс емес.",
            "ru": "Неверная позиция страницы.",
            "en": "That page position is not valid.",
        },
        # --- log records and states ----------------------------------------------------------
        "gw.rec.MessageAccepted.v1": {"kk": "Қабылданды", "ru": "Принято", "en": "Accepted"},
        "gw.rec.MessageRejected.v1": {
            "kk": "Қабылданбады",
            "ru": "Отклонено",
            "en": "Refused",
        },
        "gw.rec.MessageRelayed.v1": {
            "kk": "Өңірлік шлюз жіберді",
            "ru": "Передано региональным шлюзом",
            "en": "Relayed by the regional gateway",
        },
        "gw.rec.DeliveryStateChanged.v1": {
            "kk": "Жеткізу күйі",
            "ru": "Состояние доставки",
            "en": "Delivery state",
        },
        "gw.rec.SyncRequestLogged.v1": {
            "kk": "Синхронды сұрау",
            "ru": "Синхронный запрос",
            "en": "Sync request",
        },
        "gw.rec.SyncResponseLogged.v1": {
            "kk": "Синхронды жауап",
            "ru": "Синхронный ответ",
            "en": "Sync answer",
        },
        "gw.state.accepted": {"kk": "қабылданды", "ru": "принято", "en": "accepted"},
        "gw.state.relayed": {"kk": "жіберілді", "ru": "передано", "en": "relayed"},
        "gw.state.forwarded": {
            "kk": "жеткізушіге жіберілді",
            "ru": "передано поставщику",
            "en": "forwarded to the provider",
        },
        "gw.state.requested": {"kk": "сұрау", "ru": "запрос", "en": "request"},
        "gw.state.ON_DELIVERY": {"kk": "жеткізілуде", "ru": "на доставке", "en": "on delivery"},
        "gw.state.DELIVERED": {"kk": "жеткізілді", "ru": "доставлено", "en": "delivered"},
        "gw.state.NOT_DELIVERED": {
            "kk": "жеткізілмеді",
            "ru": "не доставлено",
            "en": "not delivered",
        },
        "gw.state.DELIVERY_STOPPED": {
            "kk": "жеткізу тоқтатылды",
            "ru": "доставка остановлена",
            "en": "delivery stopped",
        },
        # --- the trace -----------------------------------------------------------------------
        "gw.trace.title": {
            "kk": "Сұрау жолы",
            "ru": "Маршрут запроса",
            "en": "A request's journey",
        },
        "gw.trace.of": {
            "kk": "{cid} сұрауының жолы",
            "ru": "Маршрут запроса {cid}",
            "en": "The journey of {cid}",
        },
        "gw.trace.intro": {
            "kk": "Корреляция идентификаторы бір сұраудың барлық хабарламаларын байланыстырады: "
            "порталдан жеткізушіге дейін және кері.",
            "ru": "Идентификатор корреляции связывает все сообщения одного запроса: от портала "
            "до услугодателя и обратно.",
            "en": "A correlation id ties together every message of one request: from the "
            "portal to the provider and back.",
        },
        "gw.trace.find": {"kk": "Жолды көрсету", "ru": "Показать маршрут", "en": "Show the trace"},
        "gw.trace.none": {
            "kk": "Журналда бұл корреляция идентификаторымен хабарлама жоқ.",
            "ru": "В журнале нет сообщений с этим идентификатором корреляции.",
            "en": "The log holds no message with this correlation id.",
        },
        "gw.trace.diagram": {
            "kk": "Реттілік диаграммасы",
            "ru": "Диаграмма последовательности",
            "en": "Sequence diagram",
        },
        "gw.trace.desc": {
            "kk": "Әр жүйенің өмір сызығы; әр қадам — уақыты мен күйі жазылған көрсеткі. "
            "Төмендегі кесте сол қадамдарды мәтінмен береді.",
            "ru": "Линия жизни каждой системы; каждый шаг — стрелка с временем и "
            "состоянием. Таблица ниже повторяет шаги текстом.",
            "en": "A lifeline per system; each hop an arrow with its time and state. The "
            "table below lists the same hops as text.",
        },
        "gw.trace.hops": {"kk": "Қадамдар", "ru": "Шаги", "en": "Hops"},
        "gw.trace.count": {
            "kk": "{n} қадам, {ms} мс",
            "ru": "Шагов: {n}, {ms} мс",
            "en": "{n} hops over {ms} ms",
        },
        "gw.from": {"kk": "Кімнен", "ru": "От кого", "en": "From"},
        "gw.to": {"kk": "Кімге", "ru": "Кому", "en": "To"},
        "gw.signer": {
            "kk": "Қол қоюшы (субъект / сериялық нөмір)",
            "ru": "Подписант (субъект / серийный номер)",
            "en": "Signer (subject / serial)",
        },
        "gw.lane.central": {"kk": "ЭҮШ", "ru": "ШЭП", "en": "Gateway"},
        "gw.lane.regional": {
            "kk": "ЭҮАШ {region}",
            "ru": "РШЭП {region}",
            "en": "Regional gateway {region}",
        },
        # --- parked messages -----------------------------------------------------------------
        "gw.parked.title": {
            "kk": "Жеткізілмеген хабарламалар",
            "ru": "Недоставленные сообщения",
            "en": "Parked messages",
        },
        "gw.parked.intro": {
            "kk": "Алушының кезегі болмаған хабарламалар конвертімен сақталады. Оларды қайта "
            "жіберуге немесе себебін жазып жеткізуді тоқтатуға болады.",
            "ru": "Сообщения, для получателя которых не нашлось очереди, хранятся вместе с "
            "конвертом. Их можно доставить повторно или остановить доставку, указав причину.",
            "en": "Messages whose recipient had no queue are kept with their envelope. "
            "Re-drive one, or stop its delivery with a reason.",
        },
        "gw.parked.none": {
            "kk": "Жеткізілмеген хабарлама жоқ.",
            "ru": "Недоставленных сообщений нет.",
            "en": "No message is parked.",
        },
        "gw.reason": {"kk": "Себебі", "ru": "Причина", "en": "Reason"},
        "gw.redrive": {
            "kk": "Қайта жеткізу",
            "ru": "Доставить повторно",
            "en": "Re-drive",
        },
        "gw.stop": {
            "kk": "Жеткізуді тоқтату",
            "ru": "Остановить доставку",
            "en": "Stop delivery",
        },
        "gw.stop_reason": {
            "kk": "Тоқтату себебі",
            "ru": "Причина остановки",
            "en": "Reason for stopping",
        },
        "gw.reason_length": {
            "kk": "Себебін 3-тен 500 таңбаға дейін жазыңыз.",
            "ru": "Укажите причину: от 3 до 500 символов.",
            "en": "Give a reason of 3 to 500 characters.",
        },
        "gw.redriven": {
            "kk": "{message_id} хабарламасы {recipient} алушысына қайта жіберілді: {state}.",
            "ru": "Сообщение {message_id} отправлено получателю {recipient} повторно: {state}.",
            "en": "Message {message_id} was re-driven to {recipient}: {state}.",
        },
        "gw.stopped": {
            "kk": "{message_id} хабарламасын {recipient} алушысына жеткізу тоқтатылды.",
            "ru": "Доставка сообщения {message_id} получателю {recipient} остановлена.",
            "en": "Delivery of message {message_id} to {recipient} was stopped.",
        },
        "gw.not_parked": {
            "kk": "Мұндай жеткізілмеген хабарлама жоқ: ол жеткізілген немесе тоқтатылған "
            "болуы мүмкін.",
            "ru": "Такого недоставленного сообщения нет: возможно, оно уже доставлено или "
            "доставка остановлена.",
            "en": "No such message is parked: it may have been delivered or stopped already.",
        },
        "gw.page_of": {
            "kk": "{page}-бет, барлығы {total}",
            "ru": "Страница {page}, всего {total}",
            "en": "Page {page}, {total} in all",
        },
        "gw.next_page": {"kk": "Келесі бет", "ru": "Следующая страница", "en": "Next page"},
        "gw.previous_page": {
            "kk": "Алдыңғы бет",
            "ru": "Предыдущая страница",
            "en": "Previous page",
        },
        # --- rules ---------------------------------------------------------------------------
        "gw.rules.title": {
            "kk": "Күшіндегі қолжетімділік ережелері",
            "ru": "Действующие правила доступа",
            "en": "The access rules in force",
        },
        "gw.rules.version": {
            "kk": "Нұсқасы: {version}. Файл: {path}",
            "ru": "Версия: {version}. Файл: {path}",
            "en": "Version {version}, from {path}",
        },
        "gw.rules.intro": {
            "kk": "Хабарлама тек қандай да бір ереже оның жіберушісін, алушысын және түрін "
            "атаса ғана өтеді; қалғанының бәрі тыйым салынған.",
            "ru": "Сообщение проходит, только если какое-то правило называет его отправителя, "
            "получателя и вид; всё остальное запрещено.",
            "en": "A message passes only when a rule names its sender, its recipient and its "
            "kind; everything else is denied.",
        },
        "gw.rules.reload": {
            "kk": "Ережелерді файлдан қайта жүктеу",
            "ru": "Перечитать правила из файла",
            "en": "Reload the rules from the file",
        },
        "gw.rules.reloaded": {
            "kk": "Ережелер қайта жүктелді: {version}-нұсқа күшінде.",
            "ru": "Правила перечитаны: действует версия {version}.",
            "en": "The rules were reloaded: version {version} is in force.",
        },
        "gw.rules.invalid": {
            "kk": "Ережелер файлы тексеруден өтпеді; бұрынғы ережелер күшінде қалды.",
            "ru": "Файл правил не прошёл проверку; действуют прежние правила.",
            "en": "The rules file does not validate; the previous rules stay in force.",
        },
        "gw.rules.systems": {
            "kk": "Тіркелген жүйелер",
            "ru": "Зарегистрированные системы",
            "en": "Registered systems",
        },
        "gw.rules.system": {"kk": "Жүйе", "ru": "Система", "en": "System"},
        "gw.rules.description": {"kk": "Сипаттамасы", "ru": "Описание", "en": "Description"},
        "gw.rules.regions": {"kk": "Өңірлер", "ru": "Регионы", "en": "Regions"},
        "gw.rules.kinds": {
            "kk": "Хабарлама түрлері",
            "ru": "Виды сообщений",
            "en": "Message kinds",
        },
        "gw.rules.kind": {"kk": "Түрі", "ru": "Вид", "en": "Kind"},
        "gw.rules.patterns": {
            "kk": "Хабарлама түрінің үлгілері",
            "ru": "Шаблоны типов сообщений",
            "en": "Message type patterns",
        },
        "gw.rules.routes": {
            "kk": "Маршрут ережелері",
            "ru": "Правила маршрутов",
            "en": "Routing rules",
        },
        "gw.rules.sync": {
            "kk": "Синхронды қызметтер",
            "ru": "Синхронные сервисы",
            "en": "Sync services",
        },
        "gw.rules.service": {"kk": "Қызмет", "ru": "Сервис", "en": "Service"},
        "gw.rules.provider": {
            "kk": "Жеткізуші жүйе",
            "ru": "Система-поставщик",
            "en": "Provider",
        },
        "gw.rules.call": {"kk": "Шақыру", "ru": "Вызов", "en": "Call"},
        "gw.rules.answer": {"kk": "Жауап", "ru": "Ответ", "en": "Answer"},
        # What a sync service answers (gateway_svc.rules.Answer).
        "gw.answer.envelope": {
            "kk": "қол қойылған конверт",
            "ru": "подписанный конверт",
            "en": "signed envelope",
        },
        "gw.answer.record": {
            "kk": "тізілім жазбасы (JSON)",
            "ru": "запись регистра (JSON)",
            "en": "registry record (JSON)",
        },
        "gw.answer.binary": {
            "kk": "шығарушысы қол қойған құжат",
            "ru": "документ, подписанный выпустившим его",
            "en": "document signed by its issuer",
        },
        "gw.rules.clients": {"kk": "Клиенттер", "ru": "Клиенты", "en": "Clients"},
        "gw.rules.timeout": {
            "kk": "Күту шегі, с",
            "ru": "Тайм-аут, с",
            "en": "Timeout, s",
        },
        # --- traffic -------------------------------------------------------------------------
        "gw.traffic.title": {
            "kk": "Маршруттар бойынша трафик",
            "ru": "Трафик по маршрутам",
            "en": "Traffic per route",
        },
        "gw.traffic.intro": {
            "kk": "Шлюз қабылдаған хабарламалар мен синхронды сұраулар, маршрут бойынша "
            "(жіберуші→алушы/түрі), хабарламалар журналынан.",
            "ru": "Принятые шлюзом сообщения и синхронные запросы по маршрутам "
            "(отправитель→получатель/тип), по журналу сообщений.",
            "en": "Messages the gateway accepted and sync calls, per route "
            "(sender→recipient/type), from the message log.",
        },
        "gw.traffic.window": {"kk": "Кезең", "ru": "Период", "en": "Period"},
        "gw.traffic.1h": {"kk": "соңғы сағат", "ru": "последний час", "en": "the last hour"},
        "gw.traffic.6h": {
            "kk": "соңғы 6 сағат",
            "ru": "последние 6 часов",
            "en": "the last 6 hours",
        },
        "gw.traffic.24h": {
            "kk": "соңғы тәулік",
            "ru": "последние сутки",
            "en": "the last 24 hours",
        },
        "gw.traffic.7d": {
            "kk": "соңғы 7 күн",
            "ru": "последние 7 дней",
            "en": "the last 7 days",
        },
        "gw.traffic.chart": {
            "kk": "Маршруттар бойынша хабарламалар саны, уақыт аралықтары бойынша",
            "ru": "Число сообщений по маршрутам в каждом интервале",
            "en": "Messages per route in each interval",
        },
        "gw.traffic.bucket": {
            "kk": "Бір баған — {minutes} минут.",
            "ru": "Один столбец — {minutes} мин.",
            "en": "One bar is {minutes} minutes.",
        },
        "gw.traffic.other": {
            "kk": "басқа маршруттар",
            "ru": "прочие маршруты",
            "en": "other routes",
        },
        "gw.traffic.total": {"kk": "Барлығы", "ru": "Всего", "en": "Total"},
        "gw.traffic.none": {
            "kk": "Бұл кезеңде трафик болған жоқ.",
            "ru": "За этот период трафика не было.",
            "en": "There was no traffic in this period.",
        },
        "gw.traffic.refused": {
            "kk": "Осы кезеңде қабылданбаған хабарламалар: {n}.",
            "ru": "Отклонённых сообщений за период: {n}.",
            "en": "Messages refused in this period: {n}.",
        },
        "gw.traffic.bad_window": {
            "kk": "Кезеңді тізімнен таңдаңыз.",
            "ru": "Выберите период из списка.",
            "en": "Choose a period from the list.",
        },
    }
)
