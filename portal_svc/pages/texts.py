# ruff: noqa: RUF001  -- Kazakh and Russian texts are meant to contain Cyrillic letters
"""The texts of the portal's pages in Kazakh, Russian and English, over the shared ones
(shared.pages.texts) and the portal's messages (portal_svc.domain.texts: every error code the
service layer answers with, so a refusal reads the same on a page as in the API)."""

from __future__ import annotations

from typing import Final

from portal_svc.domain.texts import TEXTS as MESSAGES
from shared.pages.languages import Language
from shared.pages.texts import Texts

Entry = dict[Language, str]


def _t(kk: str, ru: str, en: str) -> Entry:
    return {"kk": kk, "ru": ru, "en": en}


_PAGES: Final[dict[str, Entry]] = {
    # --- the menu ------------------------------------------------------------------------
    "nav.services": _t("Мемлекеттік қызметтер", "Государственные услуги", "Public services"),
    "nav.cabinet": _t("Жеке кабинет", "Личный кабинет", "Personal cabinet"),
    "nav.register": _t("Тіркелу", "Регистрация", "Register"),
    "nav.desk": _t("ХҚКО операторы", "Оператор ЦОН", "PSC operator"),
    # --- the catalog and a service's page ---------------------------------------------------
    "catalog.title": _t("Мемлекеттік қызметтер", "Государственные услуги", "Public services"),
    "catalog.date": _t(
        "{date} күні порталда көрсетілетін қызметтер",
        "Услуги, оказываемые на портале на {date}",
        "Services the portal provides on {date}",
    ),
    "catalog.empty": _t(
        "Бұл күні регламенті күшінде тұрған қызмет жоқ.",
        "На эту дату нет услуг с действующим регламентом.",
        "No service has a regulation in force on this date.",
    ),
    "col.service": _t("Қызмет", "Услуга", "Service"),
    "col.provider": _t("Қызмет беруші", "Услугодатель", "Provider"),
    "col.term": _t("Мерзімі", "Срок", "Term"),
    "col.fee": _t("Құны", "Стоимость", "Cost"),
    "col.number": _t("Өтініш нөмірі", "Номер заявки", "Request number"),
    "col.status": _t("Мәртебесі", "Статус", "Status"),
    "col.deadline": _t("Орындалу мерзімі", "Срок исполнения", "Due by"),
    "col.when": _t("Уақыты", "Время", "When"),
    "col.applicant": _t("Өтініш беруші (ЖСН/БСН)", "Заявитель (ИИН/БИН)", "Applicant (IIN/BIN)"),
    "fee.free": _t("Тегін", "Бесплатно", "Free"),
    "fee.amount": _t("{amount} теңге", "{amount} тенге", "{amount} tenge"),
    "service.term": _t("Қызмет көрсету мерзімі", "Срок оказания услуги", "Term of the service"),
    "service.term_from_steps": _t(
        "Регламент әр әрекеттің мерзімін белгілейді; ең ұзақ әрекет: {norm}.",
        "Регламент устанавливает срок каждого действия; самое долгое: {norm}.",
        "The regulation times each action; the longest takes {norm}.",
    ),
    "service.cost": _t("Құны", "Стоимость", "Cost"),
    "service.provider": _t("Қызмет беруші", "Услугодатель", "Provider"),
    "service.type": _t("Қызмет түрі", "Вид услуги", "Type of service"),
    "service.channels": _t("Қайда көрсетіледі", "Где оказывается", "Where it is provided"),
    "service.documents": _t("Қажетті құжаттар", "Необходимые документы", "Documents required"),
    "service.result": _t(
        "Қызмет көрсету нәтижесі", "Результат оказания услуги", "Result of the service"
    ),
    "service.result_form": _t("Нәтиже нысаны", "Форма результата", "Form of the result"),
    "service.statuses": _t("Өтініш мәртебелері", "Статусы заявки", "The request's statuses"),
    "service.complain": _t(
        "Ақпарат алу және шағымдану", "Информация и обжалование", "Information and complaints"
    ),
    "service.complain_how": _t(
        "Қызмет туралы сұрақтар мен шағымдар мына телефондар бойынша қабылданады:",
        "Вопросы и жалобы по услуге принимаются по телефонам:",
        "Questions and complaints about the service are taken at these numbers:",
    ),
    "service.call_centre": _t(
        "Бірыңғай байланыс орталығы: 1414",
        "Единый контакт-центр: 1414",
        "The unified contact centre: 1414",
    ),
    "service.regulation": _t("Регламент", "Регламент", "Regulation"),
    "service.act": _t(
        "{body}: {kind} № {number}, {date}",
        "{body}: {kind} № {number} от {date}",
        "{body}: {kind} No. {number} of {date}",
    ),
    "service.in_force": _t(
        "{date} бастап қолданылады", "Применяется с {date}", "Applies from {date}"
    ),
    "service.apply": _t("Өтініш беру", "Подать заявку", "Apply"),
    "service.apply_sign_in": _t(
        "Өтініш беру үшін порталға кіріңіз.",
        "Чтобы подать заявку, войдите на портал.",
        "Sign in to the portal to apply.",
    ),
    "result_form.electronic": _t("электрондық", "электронная", "electronic"),
    "result_form.paper": _t("қағаз", "бумажная", "paper"),
    "channel.portal": _t("ЭҮП (egov.kz)", "ПЭП (egov.kz)", "the e-gov portal (egov.kz)"),
    "channel.elicense_portal": _t(
        "«Е-лицензиялау» (elicense.kz)",
        "«Е-лицензирование» (elicense.kz)",
        "E-licensing (elicense.kz)",
    ),
    "channel.provider_office": _t(
        "қызмет берушінің кеңсесі", "канцелярия услугодателя", "the provider's office"
    ),
    "channel.psc": _t(
        "халыққа қызмет көрсету орталығы (ХҚКО)",
        "центр обслуживания населения (ЦОН)",
        "a Public Service Center (PSC)",
    ),
    # Units of a term (Russian needs the plural form: see units.py).
    "unit.working_days": _t("жұмыс күні", "рабочих дней", "working days"),
    "unit.calendar_days": _t("күнтізбелік күн", "календарных дней", "calendar days"),
    "unit.hours": _t("сағат", "часов", "hours"),
    "unit.minutes": _t("минут", "минут", "minutes"),
    "unit.seconds": _t("секунд", "секунд", "seconds"),
    # --- signing in and registering ---------------------------------------------------------
    "signin.title": _t("Порталға кіру", "Вход на портал", "Log in to the portal"),
    "signin.password": _t(
        "ЖСН және құпиясөз арқылы", "По ИИН и паролю", "With the IIN and password"
    ),
    "signin.eds": _t("ЭЦҚ арқылы", "С помощью ЭЦП", "With the EDS"),
    "signin.eds_how": _t(
        "Қол қою бағдарламасы (NCALayer немесе egov signer) аутентификация кілтін (AUTH) "
        "таңдауды ұсынады. Бет кілтті де, оның құпиясөзін де көрмейді.",
        "Программа подписи (NCALayer или egov signer) предложит выбрать ключ "
        "аутентификации (AUTH). Страница не видит ни ключа, ни его пароля.",
        "The signing application (NCALayer or egov signer) lets you choose your "
        "authentication (AUTH) key. The page sees neither the key nor its password.",
    ),
    "signin.submit": _t("Кіру", "Войти", "Log in"),
    "signin.no_account": _t(
        "Порталда әлі тіркелмегенсіз бе?",
        "Ещё не зарегистрированы на портале?",
        "Not registered on the portal yet?",
    ),
    "signin.operator": _t(
        "ХҚКО операторы ме? Оператордың кіруі",
        "Оператор ЦОН? Вход оператора",
        "A PSC operator? The operator's sign-in",
    ),
    "signin.as": _t("Сіз кірдіңіз: {name}", "Вы вошли: {name}", "Signed in: {name}"),
    "field.iin": _t("ЖСН", "ИИН", "IIN"),
    "field.bin": _t(
        "БСН (заңды тұлға үшін)", "БИН (для юридического лица)", "BIN (for a legal entity)"
    ),
    "field.password": _t("Құпиясөз", "Пароль", "Password"),
    "field.password2": _t("Құпиясөзді қайталаңыз", "Повторите пароль", "Repeat the password"),
    "register.title": _t("Порталда тіркелу", "Регистрация на портале", "Register on the portal"),
    "register.step1": _t(
        "ЖСН-іңізді енгізіңіз (заңды тұлға атынан тіркелсеңіз, БСН-ді де).",
        "Введите ИИН (при регистрации от имени юридического лица — также БИН).",
        "Enter your IIN (and the BIN, to register for a legal entity).",
    ),
    "register.next": _t("Әрі қарай", "Далее", "Next"),
    "register.sign_what": _t(
        "Тіркелу үшін сіз ЭЦҚ-мен (қол қою кілтімен) мына мәтінге қол қоясыз: ол сертификат "
        "кілтінің сізде екенін дәлелдейді. Сертификаттағы ЖСН/БСН енгізілгенмен бірдей "
        "болуы керек.",
        "Для регистрации вы подписываете ЭЦП (ключом подписи) этот текст: он доказывает, что "
        "ключ сертификата у вас. ИИН/БИН в сертификате должны совпадать с введёнными.",
        "To register you sign this text with your EDS (the signing key): it proves you hold "
        "the certificate's key. The IIN/BIN in the certificate must be the ones you entered.",
    ),
    "register.password_rules": _t(
        "Кемінде 8 таңба, әріптер мен сандар бірге.",
        "Не менее 8 символов, буквы и цифры вместе.",
        "At least 8 characters, letters and digits together.",
    ),
    "register.submit": _t(
        "Қол қою және тіркелу", "Подписать и зарегистрироваться", "Sign and register"
    ),
    "passwords_differ": _t(
        "Құпиясөздер сәйкес келмейді.", "Пароли не совпадают.", "The passwords do not match."
    ),
    "signature_missing": _t(
        "Қолтаңба жоқ: ЭЦҚ-мен қол қойыңыз.",
        "Нет подписи: подпишите ЭЦП.",
        "No signature: sign with your EDS.",
    ),
    "wait_s": _t(
        "{seconds} секундтан кейін қайталаңыз.",
        "Повторите через {seconds} с.",
        "Try again in {seconds} s.",
    ),
    # --- the cabinet -----------------------------------------------------------------------
    "cabinet.title": _t("Жеке кабинет", "Личный кабинет", "Personal cabinet"),
    "cabinet.requests": _t(
        "Қызмет көрсету тарихы", "История оказания услуг", "My requests and their history"
    ),
    "cabinet.empty": _t("Өтініштер әзірге жоқ.", "Заявок пока нет.", "No requests yet."),
    "cabinet.new": _t("Жаңа өтініш", "Новая заявка", "A new request"),
    "overdue": _t("мерзімі өтті", "просрочено", "overdue"),
    "page.prev": _t("Алдыңғы", "Предыдущая", "Previous"),
    "page.next": _t("Келесі", "Следующая", "Next"),
    "page.of": _t(
        "{page}-бет, барлығы {pages}", "Страница {page} из {pages}", "Page {page} of {pages}"
    ),
    "request.title": _t("Өтініш {number}", "Заявка {number}", "Request {number}"),
    "request.history": _t(
        "Қызмет көрсету тарихы", "История оказания услуги", "The service's history"
    ),
    "request.live": _t(
        "Мәртебе өзгергенде тарих бетті жаңартпай толықтырылады.",
        "При смене статуса история дополняется без перезагрузки страницы.",
        "The history grows as the status changes, without reloading the page.",
    ),
    "request.result_ready": _t("Нәтиже дайын.", "Результат готов.", "The result is ready."),
    "request.view_result": _t("Нәтижені қарау", "Просмотреть результат", "View the result"),
    "request.refusal": _t(
        "Бас тарту себебі: {reason}", "Причина отказа: {reason}", "Reason for the refusal: {reason}"
    ),
    "request.signature_refused": _t(
        "Қолтаңба қабылданбады: {reason}",
        "Подпись не принята: {reason}",
        "The signature was not accepted: {reason}",
    ),
    "request.sent": _t(
        "Өтініш қол қойылып, жіберілді.",
        "Заявка подписана и отправлена.",
        "The request was signed and sent.",
    ),
    "draft.form": _t("Өтініш нысаны", "Форма заявления", "The application form"),
    "draft.save": _t("Сақтау", "Сохранить", "Save"),
    "draft.saved": _t("Сақталды.", "Сохранено.", "Saved."),
    "draft.create": _t("Өтінішті сақтау", "Сохранить заявку", "Save the application"),
    "draft.prefilled": _t(
        "тіркелу деректерінен толтырылды",
        "заполнено по данным регистрации",
        "filled in from your registration",
    ),
    "draft.required": _t("міндетті", "обязательно", "required"),
    "draft.choose": _t("— таңдаңыз —", "— выберите —", "— choose —"),
    "draft.documents": _t(
        "Құжаттардың электрондық көшірмелері",
        "Электронные копии документов",
        "Electronic copies of the documents",
    ),
    "draft.file_rules": _t(
        "PDF, JPEG немесе PNG, {size}-тан аспайды.",
        "PDF, JPEG или PNG, не более {size}.",
        "PDF, JPEG or PNG, at most {size}.",
    ),
    "unit.mb": _t("{n} МБ", "{n} МБ", "{n} MB"),
    "unit.kb": _t("{n} КБ", "{n} КБ", "{n} KB"),
    "draft.attach": _t("Тіркеу", "Прикрепить", "Attach"),
    "draft.attached": _t(
        "Тіркелген: {name} ({size} байт)",
        "Прикреплён: {name} ({size} байт)",
        "Attached: {name} ({size} bytes)",
    ),
    "draft.not_attached": _t("Тіркелмеген", "Не прикреплён", "Not attached"),
    "draft.no_file": _t("Файлды таңдаңыз.", "Выберите файл.", "Choose a file."),
    "sign.title": _t("Қол қою және жіберу", "Подписание и отправка", "Sign and send"),
    "sign.meaning": _t(
        "Сіз ЭЦҚ-мен өтінішке қол қоясыз: қызмет, регламент нұсқасы, өтініш берушінің "
        "ЖСН/БСН-і, нысандағы мәндер және әр құжат өзінің SHA-256 хэші арқылы (қолтаңба "
        "олардың мазмұнын да қамтиды).",
        "Вы подписываете ЭЦП заявку: услугу, версию регламента, ИИН/БИН заявителя, значения "
        "формы и каждый документ по его хэшу SHA-256 (подпись охватывает и их содержимое).",
        "With your EDS you sign the request: the service, the regulation's version, the "
        "applicant's IIN/BIN, the form's values, and each document by its SHA-256 (so the "
        "signature covers their content too).",
    ),
    "sign.exact": _t(
        "Қол қойылатын мәтін (дәл өзі)", "Подписываемый текст (в точности)", "The exact text signed"
    ),
    "sign.button": _t(
        "ЭЦҚ-мен қол қою және жіберу", "Подписать ЭЦП и отправить", "Sign with the EDS and send"
    ),
    "sign.as_head": _t(
        "Бірінші басшы ретінде қол қою",
        "Подписать как первый руководитель",
        "Sign as the first head",
    ),
    "sign.as_signer": _t(
        "Қол қою құқығы бар тұлға ретінде қол қою",
        "Подписать как лицо с правом подписи",
        "Sign with the right to sign",
    ),
    "sign.incomplete": _t(
        "Қол қою үшін нысанды толтырып, барлық құжаттарды тіркеңіз.",
        "Чтобы подписать, заполните форму и прикрепите все документы.",
        "Fill in the form and attach every document before signing.",
    ),
    "sign.document": _t("Құжат", "Документ", "Document"),
    "sign.version": _t("Регламент нұсқасы", "Версия регламента", "Regulation version"),
    # --- the result ------------------------------------------------------------------------
    "result.title": _t(
        "Қызмет көрсету нәтижесі", "Результат оказания услуги", "The result of the service"
    ),
    "result.number": _t("Құжат нөмірі", "Номер документа", "Document number"),
    "result.decision": _t("Шешім", "Решение", "Decision"),
    "decision.issued": _t("берілді", "выдан", "issued"),
    "decision.refused": _t("бас тартылды", "отказано", "refused"),
    "result.document": _t("Құжат мазмұны", "Содержание документа", "The document"),
    "result.from": _t("Жіберуші", "Отправитель", "Sent by"),
    "result.pdf": _t("PDF жүктеп алу", "Скачать PDF", "Download the PDF"),
    "result.verify": _t("Түпнұсқалығын тексеру", "Проверить подлинность", "Check its authenticity"),
    "result.valid": _t(
        "ЭЦҚ жарамды. Қол қойған: {signer}",
        "ЭЦП действительна. Подписал: {signer}",
        "The EDS is valid. Signed by: {signer}",
    ),
    "result.invalid": _t(
        "ЭЦҚ расталмады ({code}).",
        "ЭЦП не подтверждена ({code}).",
        "The EDS could not be confirmed ({code}).",
    ),
    "result.sha256": _t("Құжаттың SHA-256", "SHA-256 документа", "The document's SHA-256"),
    "result.as_signed": _t(
        "Қол қойылған құжат (дәл өзі, оның SHA-256-ы жоғарыда)",
        "Подписанный документ (в точности, его SHA-256 выше)",
        "The document exactly as signed (its SHA-256 above)",
    ),
    # The result as a document (its PDF) and its public check (portal_svc.pages.result).
    "result.applicant": _t("Көрсетілетін қызметті алушы", "Услугополучатель", "Applicant"),
    "result.issuer": _t("Берген орган", "Выдавший орган", "Issued by"),
    "result.date": _t("Берілген күні", "Дата выдачи", "Date of issue"),
    "result.signature": _t("Электрондық цифрлық қолтаңба", "Электронная цифровая подпись", "EDS"),
    "result.signature_state": _t("ЭЦҚ", "ЭЦП", "EDS"),
    "result.signature_ok": _t("жарамды", "действительна", "valid"),
    "result.signature_bad": _t(
        "расталмады ({code})", "не подтверждена ({code})", "not confirmed ({code})"
    ),
    "result.unsigned": _t(
        "нәтиже қол қойылған құжатсыз келді",
        "результат поступил без подписанного документа",
        "the result came without a signed document",
    ),
    "result.signer": _t("Қол қойған", "Подписал", "Signed by"),
    "result.serial": _t(
        "Тіркеу куәлігінің сериялық нөмірі",
        "Серийный номер регистрационного свидетельства",
        "Certificate serial number",
    ),
    "result.checked_at": _t("Тексерілген уақыты", "Время проверки", "Checked at"),
    "result.check_by_qr": _t(
        "Құжаттың түпнұсқалығын QR-код бойынша немесе мына мекенжайда тексеруге болады:",
        "Подлинность документа можно проверить по QR-коду или по адресу:",
        "Check the document's authenticity by the QR code or at:",
    ),
    "result.attached": _t(
        "Қол қойылған деректер осы файлға тіркелген: {names}",
        "Подписанные данные приложены к этому файлу: {names}",
        "The signed data is attached to this file: {names}",
    ),
    "verify.title": _t(
        "Нәтиже құжатын тексеру", "Проверка документа-результата", "Checking a result document"
    ),
    "verify.valid": _t(
        "Құжаттың ЭЦҚ-сы жарамды: құжат түпнұсқа.",
        "ЭЦП документа действительна: документ подлинный.",
        "The document's EDS is valid: the document is authentic.",
    ),
    "verify.invalid": _t(
        "Құжаттың ЭЦҚ-сы расталмады ({code}).",
        "ЭЦП документа не подтверждена ({code}).",
        "The document's EDS could not be confirmed ({code}).",
    ),
    "verify.unsigned": _t(
        "Нәтиже қол қойылған құжатсыз келді: тексеретін ЭЦҚ жоқ.",
        "Результат поступил без подписанного документа: проверять нечего.",
        "The result came without a signed document: there is no EDS to check.",
    ),
    # The fields of a signed result document (portal_svc.pages.document), by their names in it.
    "doc.kind": _t("Құжат түрі", "Вид документа", "Kind of document"),
    "doc.name": _t("Атауы", "Наименование", "Name"),
    "doc.title": _t("Атауы", "Наименование", "Title"),
    "doc.number": _t("Құжат нөмірі", "Номер документа", "Document number"),
    "doc.permit_number": _t("Рұқсат нөмірі", "Номер разрешения", "Permit number"),
    "doc.edition": _t("Басылымы", "Редакция", "Edition"),
    "doc.request_id": _t("Өтініш", "Заявка", "Request"),
    "doc.request_number": _t(
        "Өтініштің тіркеу нөмірі",
        "Регистрационный номер заявления",
        "The request's registration number",
    ),
    "doc.service": _t("Қызмет", "Услуга", "Service"),
    "doc.version": _t("Регламент нұсқасы", "Версия регламента", "Regulation version"),
    "doc.provider": _t("Қызмет беруші", "Услугодатель", "Provider"),
    "doc.workstation": _t(
        "Қызмет берушінің жұмыс орны", "Рабочее место услугодателя", "The provider's workstation"
    ),
    "doc.applicant_iin": _t("Өтініш берушінің ЖСН-і", "ИИН заявителя", "The applicant's IIN"),
    "doc.holder": _t("Иесі", "Владелец", "Holder"),
    "doc.iin": _t("ЖСН", "ИИН", "IIN"),
    "doc.bin": _t("БСН", "БИН", "BIN"),
    "doc.id": _t("ЖСН/БСН", "ИИН/БИН", "IIN/BIN"),
    "doc.decision": _t("Шешім", "Решение", "Decision"),
    "doc.refusal_code": _t("Бас тарту негізі", "Основание отказа", "Ground for the refusal"),
    "doc.grounds": _t("Бас тарту дәлелі", "Мотивы отказа", "Reasons for the refusal"),
    "doc.form": _t("Өтініш нысаны", "Форма заявления", "The application form"),
    "doc.prepared_at": _t("Дайындалған уақыты", "Время подготовки", "Prepared at"),
    "doc.issued_at": _t("Берілген уақыты", "Время выдачи", "Issued at"),
    "doc.basis": _t("Негіздеме", "Основание", "Basis"),
    "doc.act": _t("Акт нөмірі", "Номер акта", "Act number"),
    "doc.date": _t("Күні", "Дата", "Date"),
    "doc.reissue_reason": _t(
        "Қайта ресімдеу себебі", "Причина переоформления", "Reason for the re-issue"
    ),
    # A result's kind (shared.regulation.model.ResultKind) where its regulation does not name
    # it (a reasoned refusal), and a holder's kind.
    "kind.certificate": _t("куәлік", "свидетельство", "certificate"),
    "kind.permit": _t("рұқсат", "разрешение", "permit"),
    "kind.approval": _t("келісім", "согласование", "approval"),
    "kind.conclusion": _t("қорытынды", "заключение", "conclusion"),
    "kind.informational_letter": _t("хабарлама-хат", "информационное письмо", "information letter"),
    "kind.archive_reference": _t("мұрағаттық анықтама", "архивная справка", "archive reference"),
    "kind.reasoned_refusal": _t("дәлелді бас тарту", "мотивированный отказ", "reasoned refusal"),
    "kind.individual": _t("жеке тұлға", "физическое лицо", "individual"),
    "kind.legal_entity": _t("заңды тұлға", "юридическое лицо", "legal entity"),
    # --- the survey ------------------------------------------------------------------------
    "survey.title": _t(
        "Қызмет сапасын бағалау", "Оценка качества услуги", "Rate the quality of the service"
    ),
    "survey.choose": _t(
        "Әр сұраққа бір жауап таңдаңыз.",
        "Выберите по одному ответу на каждый вопрос.",
        "Choose one answer to each question.",
    ),
    "survey.send": _t("Жіберу", "Отправить", "Send"),
    "survey.thanks": _t(
        "Бағалағаныңызға рахмет.", "Спасибо за вашу оценку.", "Thank you for your answers."
    ),
    # --- statuses (the act's own names win where the definition gives them) -------------------
    "status.draft": _t("жоба", "черновик", "draft"),
    "status.rejected_signature": _t(
        "қолтаңба қабылданбады", "подпись не принята", "signature refused"
    ),
    "status.submitted": _t("жіберілді", "отправлена", "sent"),
    "status.registered": _t("тіркелді", "зарегистрирована", "registered"),
    "status.in_progress": _t("орындалуда", "в работе", "in progress"),
    "status.under_review": _t("қаралуда", "на рассмотрении", "under review"),
    "status.result_forming": _t(
        "нәтиже дайындалуда", "результат готовится", "result in preparation"
    ),
    "status.signing": _t("қол қоюда", "на подписании", "being signed"),
    "status.completed": _t("аяқталды", "завершена", "completed"),
    "status.refused": _t("бас тартылды", "отказано", "refused"),
    "status.handed_out": _t("нәтиже берілді", "результат выдан", "result handed out"),
    "status.registry_not_found": _t(
        "деректер тізілімде табылмады", "данные не найдены в реестре", "not found in the registry"
    ),
    # --- a form field's problem (shared.regulation.forms codes) ------------------------------
    "problem.REQUIRED": _t("Толтыру міндетті.", "Обязательное поле.", "This field is required."),
    "problem.WRONG_TYPE": _t(
        "Мән түрі дұрыс емес.", "Неверный тип значения.", "Wrong kind of value."
    ),
    "problem.TOO_LONG": _t("Мәтін тым ұзын.", "Слишком длинный текст.", "The text is too long."),
    "problem.PATTERN": _t("Пішімі дұрыс емес.", "Неверный формат.", "Wrong format."),
    "problem.NOT_A_CHOICE": _t(
        "Ұсынылған нұсқалардың бірін таңдаңыз.",
        "Выберите один из предложенных вариантов.",
        "Choose one of the options offered.",
    ),
    "problem.INVALID": _t("Мәні дұрыс емес.", "Недопустимое значение.", "Not a valid value."),
    "problem.UNKNOWN_FIELD": _t("Мұндай өріс жоқ.", "Такого поля нет.", "There is no such field."),
    # An enum field's choices (the definitions name them by id).
    "choice.in_person": _t("қолма-қол", "лично", "in person"),
    "choice.email": _t("электрондық пошта арқылы", "по электронной почте", "by e-mail"),
    "choice.cabinet": _t("жеке кабинетке", "в личный кабинет", "to the personal cabinet"),
    # --- the PSC desk ----------------------------------------------------------------------
    "desk.title": _t(
        "ХҚКО операторының жұмыс орны", "Рабочее место оператора ЦОН", "The PSC operator's desk"
    ),
    "desk.sign_in": _t("ХҚКО операторының кіруі", "Вход оператора ЦОН", "PSC operator sign-in"),
    "desk.sign_in_how": _t(
        "Орталықтың қызметкер сертификатымен (ЭЦҚ қол қою кілті) кіріңіз. Бет кілтті де, "
        "құпиясөзді де көрмейді.",
        "Войдите с сертификатом сотрудника центра (ключ подписи ЭЦП). Страница не видит ни "
        "ключа, ни пароля.",
        "Sign in with your center's employee certificate (the EDS signing key). The page sees "
        "neither the key nor its password.",
    ),
    "desk.operator": _t(
        "Оператор: {name}, ЖСН {iin}", "Оператор: {name}, ИИН {iin}", "Operator: {name}, IIN {iin}"
    ),
    "desk.new": _t(
        "Келушінің атынан өтініш беру",
        "Подать заявку за посетителя",
        "File a request for a visitor",
    ),
    "desk.visitor_iin": _t("Келушінің ЖСН-і", "ИИН посетителя", "The visitor's IIN"),
    "desk.open_form": _t("Нысанды ашу", "Открыть форму", "Open the form"),
    "desk.requests": _t("Орталықтың өтініштері", "Заявки центра", "The center's requests"),
    "desk.uncollected": _t(
        "Алынбаған нәтижелер", "Невостребованные результаты", "Uncollected results"
    ),
    "desk.uncollected_days": _t(
        "Нәтиже келгеннен бері өткен күндер (кемінде)",
        "Дней с поступления результата (не менее)",
        "Days since the result arrived (at least)",
    ),
    "desk.show": _t("Көрсету", "Показать", "Show"),
    "desk.all": _t("Барлық өтініштер", "Все заявки", "All requests"),
    "desk.sign_meaning": _t(
        "Оператор өтінішке өзінің ЭЦҚ-сымен қол қояды (004: ХҚКО операторы), өтініште "
        "келушінің ЖСН-і тұрады.",
        "Оператор подписывает заявку своей ЭЦП (004: оператор ЦОН); в заявке указан ИИН "
        "посетителя.",
        "The operator signs the request with their own EDS (004: the PSC operator); the "
        "request names the visitor's IIN.",
    ),
    "desk.hand_out": _t("Нәтижені беру", "Выдать результат", "Hand out the result"),
    "desk.how": _t("Қалай беріледі", "Способ выдачи", "How"),
    "desk.how.in_person": _t("қолма-қол", "лично", "in person"),
    "desk.how.email": _t("электрондық пошта арқылы", "по электронной почте", "by e-mail"),
    "desk.email": _t("Электрондық пошта", "Электронная почта", "E-mail"),
    "desk.handed_out": _t(
        "Нәтиже берілді: {how}, {at}.", "Результат выдан: {how}, {at}.", "Handed out: {how}, {at}."
    ),
    "desk.result_waiting": _t(
        "Нәтиже келді, берілуін күтуде.",
        "Результат поступил и ждёт выдачи.",
        "The result has arrived and waits to be handed out.",
    ),
    "invalid_hand_out": _t(
        "Беру тәсілін таңдаңыз; электрондық пошта үшін мекенжайды көрсетіңіз.",
        "Выберите способ выдачи; для электронной почты укажите адрес.",
        "Choose how; for e-mail give the address.",
    ),
}

PAGE_TEXTS: Final = Texts({**MESSAGES, **_PAGES})
