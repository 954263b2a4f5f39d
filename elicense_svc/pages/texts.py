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
        # --- the staff's desk -------------------------------------------------------------------
        "desk.title": {
            "kk": "Қызмет берушінің өтініштері",
            "ru": "Заявления услугодателя",
            "en": "The provider's requests",
        },
        "desk.intro": {
            "kk": "{provider} · сіздің рөлдеріңіз: {roles} · барлығы {total}",
            "ru": "{provider} · ваши роли: {roles} · всего {total}",
            "en": "{provider} · your roles: {roles} · {total} in all",
        },
        "desk.empty": {
            "kk": "Әзірге өтініштер жоқ.",
            "ru": "Заявлений пока нет.",
            "en": "No requests yet.",
        },
        "service": {"kk": "Қызмет", "ru": "Услуга", "en": "Service"},
        "channel": {"kk": "Арна", "ru": "Канал", "en": "Channel"},
        "channel.portal": {
            "kk": "«Электрондық үкімет» порталы (egov.kz)",
            "ru": "Портал «электронного правительства» (egov.kz)",
            "en": "E-government portal (egov.kz)",
        },
        "channel.elicense_portal": {
            "kk": "«Е-лицензиялау» порталы (elicense.kz)",
            "ru": "Портал «Е-лицензирование» (elicense.kz)",
            "en": "E-licensing portal (elicense.kz)",
        },
        "channel.provider_office": {
            "kk": "Қызмет берушінің кеңсесі",
            "ru": "Канцелярия услугодателя",
            "en": "The provider's office",
        },
        "channel.psc": {"kk": "ХҚКО", "ru": "ЦОН", "en": "Public Service Center"},
        "status": {"kk": "Мәртебесі", "ru": "Статус", "en": "Status"},
        "status.registered": {"kk": "Тіркелді", "ru": "Зарегистрировано", "en": "Registered"},
        "status.in_progress": {"kk": "Іске алынды", "ru": "В работе", "en": "In progress"},
        "status.under_review": {"kk": "Қаралуда", "ru": "На рассмотрении", "en": "Under review"},
        "status.result_forming": {
            "kk": "Нәтиже қалыптастырылуда",
            "ru": "Формируется результат",
            "en": "Result being formed",
        },
        "status.signing": {"kk": "Қол қоюда", "ru": "На подписи", "en": "Being signed"},
        "status.completed": {"kk": "Аяқталды", "ru": "Завершено", "en": "Completed"},
        "status.refused": {"kk": "Бас тартылды", "ru": "Отказано", "en": "Refused"},
        "status.awaiting_registry": {
            "kk": "ЖТ МДБ / ЗТ МДБ жауабы күтілуде",
            "ru": "Ожидается ответ ГБД ФЛ / ГБД ЮЛ",
            "en": "Waiting for the state registries",
        },
        "status.registry_not_found": {
            "kk": "Деректерді алу мүмкін емес",
            "ru": "Невозможно получить данные",
            "en": "Data cannot be obtained",
        },
        "status.overdue": {"kk": "Мерзімі өтті", "ru": "Срок истёк", "en": "Overdue"},
        "overdue": {"kk": "мерзімі өтті", "ru": "просрочено", "en": "overdue"},
        "step": {"kk": "Қадам", "ru": "Шаг", "en": "Step"},
        "step.current": {"kk": "Ағымдағы қадам", "ru": "Текущий шаг", "en": "Current step"},
        "step.deadline": {"kk": "Қадамның мерзімі", "ru": "Срок шага", "en": "Step deadline"},
        "step.started": {"kk": "Басталды", "ru": "Начат", "en": "Started"},
        "step.completed": {"kk": "Аяқталды", "ru": "Завершён", "en": "Completed"},
        "step.outcome": {"kk": "Нәтижесі", "ru": "Итог", "en": "Outcome"},
        "step.actor": {"kk": "Орындаған (ЖСН)", "ru": "Исполнил (ИИН)", "en": "Done by (IIN)"},
        "role": {"kk": "Рөл", "ru": "Роль", "en": "Role"},
        "request.deadline": {
            "kk": "Қызмет көрсету мерзімі",
            "ru": "Срок оказания услуги",
            "en": "Service deadline",
        },
        "applicant": {"kk": "Қызмет алушы", "ru": "Услугополучатель", "en": "Applicant"},
        "registry": {
            "kk": "ЖТ МДБ / ЗТ МДБ тексеруі",
            "ru": "Проверка в ГБД ФЛ / ГБД ЮЛ",
            "en": "State registries check",
        },
        "registry.pending": {"kk": "Күтілуде", "ru": "Ожидается", "en": "Pending"},
        "registry.deferred": {
            "kk": "Тізілім қолжетімсіз, қайта сұралады",
            "ru": "Реестр недоступен, запрос будет повторён",
            "en": "Registry unreachable, will ask again",
        },
        "registry.found": {"kk": "Деректер табылды", "ru": "Данные найдены", "en": "Data found"},
        "registry.not_found": {
            "kk": "Деректер жоқ",
            "ru": "Данные отсутствуют",
            "en": "Data not found",
        },
        "registry.retry_at": {
            "kk": "қайта сұрау: {at}",
            "ru": "повторный запрос: {at}",
            "en": "asking again at {at}",
        },
        "received_at": {"kk": "Түскен уақыты", "ru": "Поступило", "en": "Received"},
        "actions": {"kk": "Әрекеттер", "ru": "Действия", "en": "Actions"},
        "actions.waiting_registry": {
            "kk": "ЖТ МДБ / ЗТ МДБ жауабы күтілуде: қызметкердің қадамдары жауаптан кейін ашылады.",
            "ru": "Ожидается ответ ГБД ФЛ / ГБД ЮЛ: шаги сотрудников откроются после ответа.",
            "en": "Waiting for the state registries: staff steps open after their answer.",
        },
        "actions.none": {
            "kk": "Қазір сізге қолжетімді әрекет жоқ.",
            "ru": "Сейчас нет доступных вам действий.",
            "en": "Nothing for you to do here now.",
        },
        "actions.draft_permit": {
            "kk": "{outcome}: рұқсаттың жобасын дайындау және ЭЦҚ-мен қол қою",
            "ru": "{outcome}: подготовить проект разрешения и подписать ЭЦП",
            "en": "{outcome}: draft the permit and sign it with the EDS",
        },
        "documents": {"kk": "Құжаттар", "ru": "Документы", "en": "Documents"},
        "documents.none": {
            "kk": "Құжаттар бекітілмеген.",
            "ru": "Документы не прикреплены.",
            "en": "No documents attached.",
        },
        "document.kind": {"kk": "Құжат", "ru": "Документ", "en": "Document"},
        "document.file": {"kk": "Файл", "ru": "Файл", "en": "File"},
        "document.size": {"kk": "Көлемі, байт", "ru": "Размер, байт", "en": "Size, bytes"},
        "document.scan": {"kk": "Сканерленген көшірме", "ru": "Скан-копия", "en": "Scanned copy"},
        "document.attach": {"kk": "Бекіту", "ru": "Прикрепить", "en": "Attach"},
        "history": {"kk": "Тарихы", "ru": "История", "en": "History"},
        "history.event": {"kk": "Оқиға", "ru": "Событие", "en": "Event"},
        "history.at": {"kk": "Уақыты", "ru": "Время", "en": "When"},
        "done.step": {"kk": "Қадам орындалды.", "ru": "Шаг выполнен.", "en": "The step is done."},
        "done.documents": {
            "kk": "Құжат бекітілді.",
            "ru": "Документ прикреплён.",
            "en": "The document is attached.",
        },
        "done.suspend": {
            "kk": "Рұқсаттың қолданысы тоқтатыла тұрды.",
            "ru": "Действие разрешения приостановлено.",
            "en": "The permit is suspended.",
        },
        "done.resume": {
            "kk": "Рұқсаттың қолданысы қайта қалпына келтірілді.",
            "ru": "Действие разрешения возобновлено.",
            "en": "The permit is resumed.",
        },
        "done.terminate": {
            "kk": "Рұқсаттың қолданысы тоқтатылды.",
            "ru": "Действие разрешения прекращено.",
            "en": "The permit is terminated.",
        },
        "done.reissue": {
            "kk": "Рұқсат қайта ресімделді.",
            "ru": "Разрешение переоформлено.",
            "en": "The permit is re-issued.",
        },
        "command.reissue": {"kk": "Қайта ресімдеу", "ru": "Переоформить", "en": "Re-issue"},
        "command.reissue_draft": {
            "kk": "Жаңа басылымды дайындау",
            "ru": "Подготовить новую редакцию",
            "en": "Draft the new edition",
        },
        "command.suspend": {"kk": "Тоқтата тұру", "ru": "Приостановить", "en": "Suspend"},
        "command.resume": {"kk": "Қайта қалпына келтіру", "ru": "Возобновить", "en": "Resume"},
        "command.terminate": {"kk": "Қолданысын тоқтату", "ru": "Прекратить", "en": "Terminate"},
        "event.PermitIssued.v1": {"kk": "Берілді", "ru": "Выдано", "en": "Issued"},
        "event.PermitReissued.v1": {
            "kk": "Қайта ресімделді",
            "ru": "Переоформлено",
            "en": "Re-issued",
        },
        "event.PermitSuspended.v1": {
            "kk": "Тоқтатыла тұрды",
            "ru": "Приостановлено",
            "en": "Suspended",
        },
        "event.PermitResumed.v1": {
            "kk": "Қайта қалпына келтірілді",
            "ru": "Возобновлено",
            "en": "Resumed",
        },
        "event.PermitTerminated.v1": {
            "kk": "Қолданысы тоқтатылды",
            "ru": "Прекращено",
            "en": "Terminated",
        },
        # --- signing a permit ---------------------------------------------------------------------
        "sign.permit_title": {
            "kk": "Рұқсатқа ЭЦҚ-мен қол қою",
            "ru": "Подписание разрешения ЭЦП",
            "en": "Sign the permit with the EDS",
        },
        "sign.reissue_title": {
            "kk": "Жаңа басылымға ЭЦҚ-мен қол қою",
            "ru": "Подписание новой редакции ЭЦП",
            "en": "Sign the new edition with the EDS",
        },
        "sign.intro": {
            "kk": "Құжатты тексеріңіз. Қол қою бағдарламасы (NCALayer немесе egov signer) кілтті таңдап, құпиясөзді сұрайды және дәл төмендегі мәтінге қол қояды; «Е-лицензиялау» қолтаңбаны сол мәтін бойынша тексереді.",
            "ru": "Проверьте документ. Программа подписи (NCALayer или egov signer) предложит выбрать ключ, спросит пароль и подпишет ровно текст ниже; «Е-лицензирование» проверит подпись по этому тексту.",
            "en": "Check the document. The signing application (NCALayer or egov signer) lets you choose the key, asks for its password and signs exactly the text below; E-licensing checks the signature against that text.",
        },
        "sign.exact_text": {
            "kk": "Қол қойылатын мәтін",
            "ru": "Подписываемый текст",
            "en": "The exact text signed",
        },
        "sign.button": {
            "kk": "ЭЦҚ-мен қол қою және жіберу",
            "ru": "Подписать ЭЦП и отправить",
            "en": "Sign with the EDS and send",
        },
        # --- the applicant at elicense.kz -------------------------------------------------------
        "apply.title": {
            "kk": "«Е-лицензиялау» арқылы өтініш беру",
            "ru": "Подать заявление через «Е-лицензирование»",
            "en": "Apply through E-licensing",
        },
        "apply.intro": {
            "kk": "«Е-лицензиялау» арқылы бүгін көрсетілетін қызметтер. Өтініш беру үшін ЭЦҚ кілтіңізбен кіріңіз: өтінішке сол кілтпен қол қоясыз.",
            "ru": "Услуги, которые сегодня оказываются через «Е-лицензирование». Чтобы подать заявление, войдите с ключом ЭЦП: им же вы подпишете запрос.",
            "en": "The services provided through E-licensing today. To apply, sign in with your EDS key: you sign the request with it too.",
        },
        "apply.not_here": {
            "kk": "бұл нұсқасы elicense.kz арқылы қабылданбайды: egov.kz порталы немесе қызмет берушінің кеңсесі арқылы беріледі",
            "ru": "эта редакция не принимается через elicense.kz: подаётся через портал egov.kz или в канцелярии услугодателя",
            "en": "this version is not taken at elicense.kz: apply at the egov.kz portal or at the provider's office",
        },
        "apply.none": {
            "kk": "Бүгін «Е-лицензиялау» арқылы көрсетілетін қызмет жоқ.",
            "ru": "Сегодня через «Е-лицензирование» услуги не оказываются.",
            "en": "No service is provided through E-licensing today.",
        },
        "apply.form_intro": {
            "kk": "Нысанды толтырып, Стандартта көрсетілген құжаттардың электрондық көшірмелерін бекітіңіз. Келесі қадамда өтінішке ЭЦҚ-мен қол қоясыз.",
            "ru": "Заполните форму и прикрепите электронные копии документов, указанных в Стандарте. На следующем шаге вы подпишете запрос ЭЦП.",
            "en": "Fill in the form and attach electronic copies of the documents the Standard lists. Next you sign the request with your EDS.",
        },
        "apply.from_certificate": {
            "kk": "ЭЦҚ тіркеу куәлігінен алынды",
            "ru": "Взято из регистрационного свидетельства ЭЦП",
            "en": "Taken from your EDS certificate",
        },
        "apply.problems": {
            "kk": "Нысанда қателер бар: төменде көрсетілген.",
            "ru": "В форме есть ошибки: они указаны ниже.",
            "en": "The form has problems, shown below.",
        },
        "apply.next": {
            "kk": "Тексеру және қол қоюға өту",
            "ru": "Проверить и перейти к подписанию",
            "en": "Check and go on to signing",
        },
        "apply.edit": {"kk": "нысанды өзгерту", "ru": "изменить форму", "en": "change the form"},
        "apply.sign_title": {
            "kk": "Сұрау салуға ЭЦҚ-мен қол қою",
            "ru": "Подписание запроса ЭЦП",
            "en": "Sign the request with the EDS",
        },
        "apply.sign_intro": {
            "kk": "Сұрау салуды тексеріңіз. Қол қою бағдарламасы (NCALayer немесе egov signer) кілтті таңдап, құпиясөзді сұрайды және дәл төмендегі мәтінге қол қояды. «Е-лицензиялау» ЭЦҚ-ны және сұраудағы ЖСН/БСН-нің тіркеу куәлігіндегімен сәйкестігін тексеріп, сұрауды нөмір беріп тіркейді.",
            "ru": "Проверьте запрос. Программа подписи (NCALayer или egov signer) предложит выбрать ключ, спросит пароль и подпишет ровно текст ниже. «Е-лицензирование» проверит ЭЦП и совпадение ИИН/БИН в запросе с регистрационным свидетельством и зарегистрирует запрос с присвоением номера.",
            "en": "Check the request. The signing application (NCALayer or egov signer) lets you choose the key, asks for its password and signs exactly the text below. E-licensing checks the signature and that the IIN/BIN in the request is the certificate's, and registers the request under a number.",
        },
        "apply.sign_button": {
            "kk": "ЭЦҚ-мен қол қою және жіберу",
            "ru": "Подписать ЭЦП и отправить",
            "en": "Sign with the EDS and send",
        },
        "mine.title": {"kk": "Менің өтініштерім", "ru": "Мои заявления", "en": "My requests"},
        "mine.intro": {
            "kk": "«Е-лицензиялаудағы» {who} өтініштері: elicense.kz, egov.kz порталы немесе қызмет берушінің кеңсесі арқылы берілгендер.",
            "ru": "Заявления {who} в «Е-лицензировании»: поданные через elicense.kz, портал egov.kz или в канцелярии услугодателя.",
            "en": "The requests of {who} in E-licensing: filed at elicense.kz, at the egov.kz portal or at the provider's office.",
        },
        "mine.empty": {"kk": "Өтініштер жоқ.", "ru": "Заявлений нет.", "en": "No requests."},
        "mine.refusal": {
            "kk": "Бас тарту негізі",
            "ru": "Основание отказа",
            "en": "Ground of refusal",
        },
        "mine.permit_link": {
            "kk": "рұқсатты ашу және тексеру",
            "ru": "открыть и проверить разрешение",
            "en": "open and check the permit",
        },
        "mine.refresh": {
            "kk": "Мәртебені жаңарту",
            "ru": "Обновить статус",
            "en": "Update the status",
        },
        "field.REQUIRED": {"kk": "Толтырыңыз.", "ru": "Заполните это поле.", "en": "Fill this in."},
        "field.WRONG_TYPE": {
            "kk": "Мәні сәйкес емес: сан енгізіңіз.",
            "ru": "Неверное значение: введите число.",
            "en": "Wrong value: enter a number.",
        },
        "field.TOO_LONG": {
            "kk": "Мәтін тым ұзын.",
            "ru": "Слишком длинный текст.",
            "en": "The text is too long.",
        },
        "field.PATTERN": {
            "kk": "Мәні талап етілген пішімге сәйкес емес.",
            "ru": "Значение не соответствует требуемому формату.",
            "en": "The value is not in the required format.",
        },
        "field.NOT_A_CHOICE": {
            "kk": "Тізімнен таңдаңыз.",
            "ru": "Выберите из списка.",
            "en": "Choose from the list.",
        },
        "field.INVALID": {
            "kk": "Мәні дұрыс емес.",
            "ru": "Неверное значение.",
            "en": "The value is not valid.",
        },
        "field.UNKNOWN_FIELD": {
            "kk": "Нысанда мұндай өріс жоқ.",
            "ru": "В форме нет такого поля.",
            "en": "The form has no such field.",
        },
        "field.DOCUMENT_MISSING": {
            "kk": "Құжаттың электрондық көшірмесін бекітіңіз.",
            "ru": "Прикрепите электронную копию документа.",
            "en": "Attach the document's electronic copy.",
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
        "error.AUTHORIZATION_REFUSED": {
            "kk": "Авторизациялаудан бас тартылды: сертификат «Е-лицензиялау» қызметкеріне тиесілі емес немесе қызмет берушінің БСН-іне берілмеген.",
            "ru": "Отказ в авторизации: сертификат не принадлежит сотруднику «Е-лицензирования» или выдан не на БИН услугодателя.",
            "en": "Authorization refused: the certificate is not an E-licensing staff member's, or not issued for the provider's BIN.",
        },
        "error.REQUEST_NOT_FOUND": {
            "kk": "Мұндай өтініш жоқ.",
            "ru": "Такого заявления нет.",
            "en": "There is no such request.",
        },
        "error.ROLE_REQUIRED": {
            "kk": "Бұл қадамды басқа рөл орындайды.",
            "ru": "Этот шаг выполняет другая роль.",
            "en": "Another role does this step.",
        },
        "error.WRONG_ORDER": {
            "kk": "Бұл қадамның кезегі емес: өтінішті жаңартып, қайталаңыз.",
            "ru": "Сейчас не очередь этого шага: обновите заявление и повторите.",
            "en": "This step is not next: reload the request and try again.",
        },
        "error.OUTCOME_NOT_ALLOWED": {
            "kk": "Бұл нәтижені таңдауға болмайды.",
            "ru": "Этот итог выбрать нельзя.",
            "en": "This outcome cannot be chosen.",
        },
        "error.UNKNOWN_OUTCOME": {
            "kk": "Мұндай нәтиже жоқ.",
            "ru": "Такого итога нет.",
            "en": "There is no such outcome.",
        },
        "error.REQUEST_FINISHED": {
            "kk": "Өтініш бойынша жұмыс аяқталған.",
            "ru": "Работа по заявлению завершена.",
            "en": "The request is finished.",
        },
        "error.REGISTRY_CHECK_PENDING": {
            "kk": "ЖТ МДБ / ЗТ МДБ жауабы әлі жоқ.",
            "ru": "Ответа ГБД ФЛ / ГБД ЮЛ ещё нет.",
            "en": "The state registries have not answered yet.",
        },
        "error.CONCURRENT_CHANGE": {
            "kk": "Сіз әрекет еткенде өтініш өзгерді: жаңартып, қайталаңыз.",
            "ru": "Заявление изменилось, пока вы действовали: обновите и повторите.",
            "en": "The request changed while you acted: reload it and try again.",
        },
        "error.NOT_AT_SIGNING": {
            "kk": "Өтініш қол қою қадамында емес.",
            "ru": "Заявление не на шаге подписания.",
            "en": "The request is not at the signing step.",
        },
        "error.NO_DRAFT": {
            "kk": "Алдымен рұқсаттың жобасын дайындаңыз.",
            "ru": "Сначала подготовьте проект разрешения.",
            "en": "Draft the permit first.",
        },
        "error.SIGNATURE_REQUIRED": {
            "kk": "Рұқсатқа ЭЦҚ-мен қол қойыңыз.",
            "ru": "Подпишите разрешение ЭЦП.",
            "en": "Sign the permit with your EDS.",
        },
        "error.SIGNATURE": {
            "kk": "ЭЦҚ расталмады: қолтаңба сіздің сертификатыңызбен осы құжатқа қойылмаған немесе сертификат жарамсыз.",
            "ru": "ЭЦП не подтверждена: подпись поставлена не вашим сертификатом, не под этим документом, или сертификат недействителен.",
            "en": "The signature is not confirmed: it is not by your certificate, not over this document, or the certificate is not valid.",
        },
        "error.NO_SIGNATURE_HERE": {
            "kk": "Бұл қадамда қол қойылатын құжат жоқ.",
            "ru": "На этом шаге нечего подписывать.",
            "en": "This step signs no document.",
        },
        "error.CHOOSE_OUTCOME": {
            "kk": "Қадамның нәтижесін таңдаңыз.",
            "ru": "Выберите итог шага.",
            "en": "Choose the step's outcome.",
        },
        "error.NO_DOCUMENTS": {
            "kk": "Құжатты және оның сканерленген көшірмесін таңдаңыз.",
            "ru": "Выберите документ и его скан-копию.",
            "en": "Choose the document and its scan.",
        },
        "error.SCAN_TOO_LARGE": {
            "kk": "Файл тым үлкен (5 МБ-тан аспауы тиіс).",
            "ru": "Файл слишком большой (не более 5 МБ).",
            "en": "The file is too large (5 MB at most).",
        },
        "error.INVALID_FILE_NAME": {
            "kk": "Файлдың атауы жарамсыз.",
            "ru": "Недопустимое имя файла.",
            "en": "The file name is not acceptable.",
        },
        "error.PERMIT_STATE": {
            "kk": "Рұқсаттың қазіргі жай-күйінде бұл әрекет мүмкін емес.",
            "ru": "В текущем состоянии разрешения это действие невозможно.",
            "en": "The permit's state does not allow this.",
        },
        "error.REASON_REQUIRED": {
            "kk": "Себебін жазыңыз.",
            "ru": "Укажите причину.",
            "en": "Give the reason.",
        },
        "error.UNKNOWN_COMMAND": {
            "kk": "Мұндай әрекет жоқ.",
            "ru": "Такого действия нет.",
            "en": "There is no such action.",
        },
        "error.REQUEST_NOT_FINISHED": {
            "kk": "Өтініш бойынша жұмыс әлі аяқталмаған.",
            "ru": "Работа по заявлению ещё не завершена.",
            "en": "The request is still in work.",
        },
        "error.APPLICANT_SIGNATURE_INVALID": {
            "kk": "ЭЦҚ расталмады: сұрау салуға сіздің тіркеу куәлігіңізбен қол қойылмаған, мәтін өзгерген немесе куәлік жарамсыз. Сұрау тіркелмеді.",
            "ru": "ЭЦП не подтверждена: запрос подписан не вашим регистрационным свидетельством, текст изменён или свидетельство недействительно. Запрос не зарегистрирован.",
            "en": "The signature is not confirmed: the request is not signed with your certificate, its text changed, or the certificate is not valid. The request is not registered.",
        },
        "error.APPLICATION_DAMAGED": {
            "kk": "Қол қойылатын сұрау бүлінген немесе толық емес. Нысанды қайта толтырыңыз.",
            "ru": "Подписываемый запрос повреждён или неполон. Заполните форму заново.",
            "en": "The request to sign is damaged or incomplete. Fill in the form again.",
        },
        "error.NOT_YOURS": {
            "kk": "Сіз тек өз атыңыздан (немесе өзіңіз басқаратын заңды тұлғаның атынан) өтініш бере аласыз.",
            "ru": "Подать заявление можно только от своего имени (или от имени юридического лица, которое вы возглавляете).",
            "en": "You can file only your own request (or that of the legal entity you head).",
        },
        "error.VERSION_CHANGED": {
            "kk": "Қызмет регламенті өзгерді: нысанды қайта толтырыңыз.",
            "ru": "Регламент услуги изменился: заполните форму заново.",
            "en": "The service's regulation changed: fill in the form again.",
        },
        "error.SERVICE_NOT_PROVIDED": {
            "kk": "«Е-лицензиялау» бұл қызметті бүгін көрсетпейді.",
            "ru": "«Е-лицензирование» сегодня эту услугу не оказывает.",
            "en": "E-licensing does not provide this service today.",
        },
        "error.CHANNEL_NOT_OFFERED": {
            "kk": "Бұл қызмет elicense.kz арқылы қабылданбайды.",
            "ru": "Эта услуга не принимается через elicense.kz.",
            "en": "This service is not taken at elicense.kz.",
        },
        "error.DUPLICATE_REQUEST": {
            "kk": "Бұл сұрау тіркеліп қойған.",
            "ru": "Этот запрос уже зарегистрирован.",
            "en": "This request is registered already.",
        },
        "error.PERMIT_NOT_FOUND": {
            "kk": "Мұндай рұқсат тізілімде жоқ.",
            "ru": "Такого разрешения в реестре нет.",
            "en": "There is no such permit in the registry.",
        },
    }
)
