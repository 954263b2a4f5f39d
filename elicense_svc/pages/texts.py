# ruff: noqa: RUF001, RUF002, E501 - Kazakh and Russian texts are Cyrillic on purpose; a text is one line
"""The texts of E-licensing's pages in Kazakh, Russian and English (over shared.pages.texts).
The regulations' own words (seeds 000 and 003, the definitions' kk/ru names) are the
vocabulary: «Е-лицензиялау» МДБ АЖ / ГБД «Е-лицензирование», рұқсат / разрешение,
куәлік / свидетельство, өтініш / заявление, сұрау салу / запрос, ЭЦҚ / ЭЦП."""

from __future__ import annotations

from shared.pages.texts import Texts

TEXTS = Texts(
    {
        # --- menu and common words ------------------------------------------------------------
        "nav.check": {
            "kk": "Рұқсатты тексеру",
            "ru": "Проверка разрешения",
            "en": "Check a permit",
        },
        "nav.apply": {"kk": "Өтініш беру", "ru": "Подать заявление", "en": "Apply"},
        "nav.mine": {"kk": "Менің өтініштерім", "ru": "Мои заявления", "en": "My requests"},
        "nav.desk": {
            "kk": "Қызметкердің жұмыс орны",
            "ru": "Рабочее место сотрудника",
            "en": "Staff desk",
        },
        "signed_in_as": {
            "kk": "Кірген: {who}",
            "ru": "Вы вошли как {who}",
            "en": "Signed in as {who}",
        },
        "pages": {"kk": "Беттер", "ru": "Страницы", "en": "Pages"},
        "page_previous": {"kk": "Алдыңғы бет", "ru": "Предыдущая страница", "en": "Previous page"},
        "page_next": {"kk": "Келесі бет", "ru": "Следующая страница", "en": "Next page"},
        "page_of": {
            "kk": "Бет: {page} / {pages}",
            "ru": "Страница {page} из {pages}",
            "en": "Page {page} of {pages}",
        },
        "request_number": {
            "kk": "Өтініштің нөмірі",
            "ru": "Номер заявления",
            "en": "Request number",
        },
        "applicant_kind.individual": {
            "kk": "жеке тұлға, ЖСН",
            "ru": "физическое лицо, ИИН",
            "en": "individual, IIN",
        },
        "applicant_kind.legal_entity": {
            "kk": "заңды тұлға, БСН",
            "ru": "юридическое лицо, БИН",
            "en": "legal entity, BIN",
        },
        # --- the public permit check ------------------------------------------------------------
        "check.title": {
            "kk": "Рұқсатты тексеру",
            "ru": "Проверка разрешения",
            "en": "Check a permit",
        },
        "check.intro": {
            "kk": "Рұқсаттың (куәліктің, келісімнің) нөмірін енгізіңіз: «Е-лицензиялау» оның күшінде екенін, не екенін, кім бергенін және ЭЦҚ-сы бүгін расталатынын көрсетеді. Иесінің дербес деректері көрсетілмейді.",
            "ru": "Введите номер разрешения (свидетельства, согласования): «Е-лицензирование» покажет, действует ли оно, что это за документ, кем выдан и подтверждается ли сегодня его ЭЦП. Персональные данные владельца не показываются.",
            "en": "Enter the number of a permit (certificate, approval): E-licensing shows whether it stands, what it is, who issued it and whether its signature verifies today. The holder's personal data is not shown.",
        },
        "check.button": {"kk": "Тексеру", "ru": "Проверить", "en": "Check"},
        "permit_number": {
            "kk": "Рұқсаттың нөмірі",
            "ru": "Номер разрешения",
            "en": "Permit number",
        },
        "check_number_invalid": {
            "kk": "Нөмірді KZ-2013-A-000001 түрінде енгізіңіз.",
            "ru": "Введите номер в виде KZ-2013-A-000001.",
            "en": "Enter the number as KZ-2013-A-000001.",
        },
        "check_sha256_invalid": {
            "kk": "QR-кодтағы хэш SHA-256 емес: кодты қайта сканерлеңіз.",
            "ru": "Хэш в QR-коде не является SHA-256: отсканируйте код ещё раз.",
            "en": "The hash in the QR code is not a SHA-256: scan the code again.",
        },
        "check_not_found": {
            "kk": "Бұл нөмірмен рұқсат тізілімде жоқ.",
            "ru": "Разрешения с таким номером в реестре нет.",
            "en": "No permit with this number is in the registry.",
        },
        "permit.state": {"kk": "Жай-күйі", "ru": "Состояние", "en": "State"},
        "permit_state.valid": {"kk": "Күшінде", "ru": "Действует", "en": "Valid"},
        "permit_state.suspended": {
            "kk": "Тоқтатыла тұрды",
            "ru": "Приостановлено",
            "en": "Suspended",
        },
        "permit_state.terminated": {
            "kk": "Қолданысы тоқтатылды",
            "ru": "Прекращено",
            "en": "Terminated",
        },
        "permit.document": {"kk": "Құжат", "ru": "Документ", "en": "Document"},
        "permit.issuer": {"kk": "Берген", "ru": "Выдал", "en": "Issued by"},
        "permit.edition": {"kk": "Басылымы", "ru": "Редакция", "en": "Edition"},
        "permit.issued_at": {"kk": "Берілген күні", "ru": "Дата выдачи", "en": "Issued"},
        "permit.changed_at": {
            "kk": "Соңғы өзгеріс",
            "ru": "Последнее изменение",
            "en": "Last change",
        },
        "permit.signature": {"kk": "ЭЦҚ", "ru": "ЭЦП", "en": "Signature"},
        "permit.signature_ok": {
            "kk": "Расталды: қол қойған тұлғаның тіркеу куәлігі бүгін жарамды.",
            "ru": "Подтверждена: регистрационное свидетельство подписавшего действительно сегодня.",
            "en": "Verified: the signer's certificate is valid today.",
        },
        "permit.signature_bad": {
            "kk": "Расталмады ({code}).",
            "ru": "Не подтверждена ({code}).",
            "en": "Not verified ({code}).",
        },
        "permit.sha256": {
            "kk": "Қол қойылған құжаттың SHA-256",
            "ru": "SHA-256 подписанного документа",
            "en": "SHA-256 of the signed document",
        },
        "permit.qr": {"kk": "QR-код", "ru": "QR-код", "en": "QR code"},
        "permit.qr_matches": {
            "kk": "Сәйкес: қолыңыздағы құжат тізілімдегі қол қойылған басылымның дәл өзі.",
            "ru": "Совпадает: документ у вас в руках — та самая подписанная редакция, что в реестре.",
            "en": "It matches: the document in your hands is exactly the signed edition the registry holds.",
        },
        "permit.qr_differs": {
            "kk": "Сәйкес емес: құжат өзгертілген немесе бұл ескі басылым.",
            "ru": "Не совпадает: документ изменён или это прежняя редакция.",
            "en": "It does not match: the document was altered, or it is an earlier edition.",
        },
        "permit.qr_proves": {
            "kk": "Рұқсаттағы QR-кодта оның нөмірі мен қол қойылған құжаттың SHA-256 хэші бар. Сәйкестік қағаздағы не PDF-тегі құжат тізілімде тіркелген басылым екенін дәлелдейді; жай-күйі мен ЭЦҚ тексеруі — осы сәттегі.",
            "ru": "QR-код разрешения содержит его номер и хэш SHA-256 подписанного документа. Совпадение доказывает, что документ на бумаге или в PDF — зарегистрированная в реестре редакция; состояние и проверка ЭЦП — на текущий момент.",
            "en": "A permit's QR code carries its number and the SHA-256 of the signed document. A match proves that the paper or PDF is the edition the registry holds; the state and the signature check are as of now.",
        },
        "permit.full": {
            "kk": "Рұқсат толық (иесіне және қызметкерлерге)",
            "ru": "Разрешение полностью (владельцу и сотрудникам)",
            "en": "The whole permit (for its holder and staff)",
        },
        "permit.holder": {"kk": "Иесі", "ru": "Владелец", "en": "Holder"},
        "permit.reason": {"kk": "Себебі", "ru": "Причина", "en": "Reason"},
        "permit.signer": {
            "kk": "Қол қойған уәкілетті тұлға",
            "ru": "Подписал (уполномоченное лицо)",
            "en": "Signed by (authorized person)",
        },
        "permit.basis": {
            "kk": "Негіз (қаулы)",
            "ru": "Основание (постановление)",
            "en": "Basis (resolution)",
        },
        "permit.qr_caption": {
            "kk": "QR-кодтың мекенжайы:",
            "ru": "Адрес QR-кода:",
            "en": "The QR code's address:",
        },
        # --- refusals ---------------------------------------------------------------------------
        "error.refused": {
            "kk": "Әрекет орындалмады: «Е-лицензиялау» оны қабылдамады.",
            "ru": "Действие не выполнено: «Е-лицензирование» его отклонило.",
            "en": "The action was refused by E-licensing.",
        },
        "error.NOT_RUNNING": {
            "kk": "«Е-лицензиялау» қазір жұмыс істемейді. Сәлден кейін қайталаңыз.",
            "ru": "«Е-лицензирование» сейчас не работает. Повторите позже.",
            "en": "E-licensing is not running now. Try again later.",
        },
        "error.TOO_MANY_REQUESTS": {
            "kk": "Тексеру тым жиі сұралды. {wait} секундтан кейін қайталаңыз.",
            "ru": "Слишком много проверок. Повторите через {wait} с.",
            "en": "Too many checks. Try again in {wait} s.",
        },
        "error.FOREIGN_ORIGIN": {
            "kk": "Нысан басқа сайттан жіберілген: ол қабылданбады.",
            "ru": "Форма отправлена с другого сайта: она не принята.",
            "en": "The form was sent from another site: it is refused.",
        },
        "error.PERMIT_NOT_FOUND": {
            "kk": "Мұндай рұқсат тізілімде жоқ.",
            "ru": "Такого разрешения в реестре нет.",
            "en": "There is no such permit in the registry.",
        },
    }
)
