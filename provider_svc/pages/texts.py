# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose
"""The workstation pages' texts in Kazakh, Russian and English, over the shared ones
(shared.pages.texts). The words follow the seeds' regulations (001, 002, 004): көрсетілетін
қызметті алушы / услугополучатель, ЭЦҚ / ЭЦП, ЖСН / ИИН, БСН / БИН, ЖТ МДБ / ГБД ФЛ, ХҚКО / ЦОН;
the names of steps, roles, outcomes, documents and results come from the definitions."""

from __future__ import annotations

from shared.pages.languages import Language
from shared.pages.texts import Texts

_EVENTS = {
    "RequestReceived": ("Өтініш түсті", "Заявка поступила", "Request received"),
    "ApplicantChecked": (
        "Қызмет алушы ЖТ МДБ-да тексерілді",
        "Услугополучатель проверен в ГБД ФЛ",
        "Applicant checked in the person registry",
    ),
    "RequestSubmitted": (
        "Өтініш қабылданды, мерзімі есептелді",
        "Заявка принята, срок рассчитан",
        "Request accepted, its term set",
    ),
    "StepStarted": ("Кезең басталды", "Этап начат", "Step started"),
    "StepCompleted": ("Кезең аяқталды", "Этап завершён", "Step completed"),
    "RequestCompleted": ("Қызмет көрсетілді", "Услуга оказана", "Service rendered"),
    "RequestRefused": (
        "Қызмет көрсетуден бас тартылды",
        "Отказано в оказании услуги",
        "Service refused",
    ),
    "DeadlineApproaching": (
        "Кезеңнің мерзімі жақындады",
        "Срок этапа на исходе",
        "Step deadline approaching",
    ),
    "StepOverdue": ("Кезеңнің мерзімі өтті", "Срок этапа истёк", "Step overdue"),
    "RequestOverdue": (
        "Қызмет көрсету мерзімі өтті",
        "Срок оказания услуги истёк",
        "Request overdue",
    ),
    "RefusalGroundsRecorded": (
        "Бас тарту негіздері жазылды",
        "Записаны основания отказа",
        "Refusal grounds recorded",
    ),
    "ResultSigned": (
        "Нәтижеге ЭЦҚ қойылды",
        "Результат подписан ЭЦП",
        "Result signed with the EDS",
    ),
    "StatusNotified": (
        "Мәртебе туралы хабарлама жіберілді",
        "Отправлено уведомление о статусе",
        "Status notification sent",
    ),
    "StepExtended": ("Кезеңнің мерзімі ұзартылды", "Срок этапа продлён", "Step extended"),
}

_STATUSES = {
    "registered": ("Тіркелді", "Зарегистрирована", "Registered"),
    "under_review": ("Қаралуда", "На рассмотрении", "Under review"),
    "in_progress": ("Іске алынды", "В работе", "In progress"),
    "result_forming": ("Нәтиже қалыптастырылуда", "Формируется результат", "Result being formed"),
    "signing": ("Қол қоюда", "На подписании", "Being signed"),
    "completed": ("Аяқталды", "Завершена", "Completed"),
    "refused": ("Бас тартылды", "Отказано", "Refused"),
    "overdue": ("Мерзімі өтті", "Просрочена", "Overdue"),
}

# An enum field's choices: the definitions name them by id (004 p.6.11: how the result is
# received), the pages by these words.
_CHOICES = {
    "in_person": ("қолма-қол", "лично", "in person"),
    "email": ("электрондық пошта арқылы", "по электронной почте", "by e-mail"),
    "cabinet": ("жеке кабинетке", "в личный кабинет", "to the personal cabinet"),
}

# The words of a clause reference as the definitions write it ("004 appendix 2 table 3 action
# 6"): on a Kazakh or Russian page the reference is said in its words (present.clause).
_CLAUSE_WORDS = {
    "appendix": ("қосымша", "приложение", "appendix"),
    "table": ("кесте", "таблица", "table"),
    "action": ("әрекет", "действие", "action"),
    "process": ("үдеріс", "процесс", "process"),
    "condition": ("шарт", "условие", "condition"),
    "row": ("жол", "строка", "row"),
    "diagram": ("диаграмма", "диаграмма", "diagram"),
    "p.": ("тармақ", "п.", "p."),
}

_CHANNELS = {
    "portal": (
        "«Электрондық үкімет» веб-порталы",
        "Веб-портал «электронного правительства»",
        "E-government portal",
    ),
    "psc": ("ХҚКО", "ЦОН", "Public Service Center"),
    "provider_office": (
        "Қызмет берушінің кеңсесі (қағаз түрінде)",
        "Канцелярия услугодателя (на бумаге)",
        "The provider's office (on paper)",
    ),
}

_TEXTS: dict[str, tuple[str, str, str]] = {
    # --- navigation and the frame of a workstation's pages ---------------------------------
    "nav.workstations": ("Жұмыс орындары", "Рабочие места", "Workstations"),
    "frame.signed_in_as": ("Сіз: {name}", "Вы: {name}", "You: {name}"),
    "frame.roles": ("Рөлдеріңіз", "Ваши роли", "Your roles"),
    "frame.pages": ("Жұмыс орнының беттері", "Страницы рабочего места", "Workstation pages"),
    "link.inbox": ("Кіріс өтініштер", "Входящие заявки", "Inbox"),
    "link.paper": ("Қағаз өтінішті тіркеу", "Бумажное заявление", "Paper application"),
    "link.sla": ("Мерзімдердің сақталуы", "Соблюдение сроков", "Deadlines kept"),
    # --- the workstations ----------------------------------------------------------------------
    "workstations.title": (
        "Қызмет берушілердің жұмыс орындары",
        "Рабочие места услугодателей",
        "The providers' workstations",
    ),
    "workstations.intro": (
        "ЭҮӨШ АЖО / ЖАО АЖ: әр басқарманың жұмыс орны. Қызметкерлер ЭЦҚ арқылы басқарманың "
        "(оның БСН-і) қызметкер сертификатымен кіреді.",
        "АРМ РШЭП / ИС МИО: рабочее место каждого управления. Сотрудники входят по ЭЦП с "
        "сертификатом работника управления (его БИН).",
        "ЭҮӨШ АЖО / ЖАО АЖ: each department's workstation. Its staff sign in with the EDS, "
        "with the department's employee certificate (its BIN).",
    ),
    "col.department": ("Басқарма", "Управление", "Department"),
    "col.system_id": ("Жүйе идентификаторы", "Идентификатор системы", "System id"),
    "col.bin": ("БСН", "БИН", "BIN"),
    "col.services": ("Көрсетілетін қызметтер", "Услуги", "Services"),
    # --- the inbox ------------------------------------------------------------------------------
    "inbox.title": ("Кіріс өтініштер", "Входящие заявки", "Inbox"),
    "inbox.intro": (
        "Ағымдағы кезеңі сіздің рөлдеріңізге тиесілі ашық өтініштер; кезеңнің мерзімі ең "
        "жақыны бірінші.",
        "Открытые заявки, текущий этап которых за вашими ролями; ближайший срок этапа первым.",
        "Open requests whose current step is one of your roles, the earliest step deadline first.",
    ),
    "inbox.empty": (
        "Сіздің рөлдеріңізге өтініш жоқ.",
        "Для ваших ролей заявок нет.",
        "No requests wait for your roles.",
    ),
    "inbox.count": ("Барлығы: {total}", "Всего: {total}", "In all: {total}"),
    "paging.label": ("Беттер", "Страницы", "Pages"),
    "paging.page": (
        "{page}-бет, барлығы {pages}",
        "Страница {page} из {pages}",
        "Page {page} of {pages}",
    ),
    "paging.previous": ("Алдыңғы бет", "Предыдущая страница", "Previous page"),
    "paging.next": ("Келесі бет", "Следующая страница", "Next page"),
    "col.request": ("Өтініш", "Заявка", "Request"),
    "col.service": ("Көрсетілетін қызмет", "Услуга", "Service"),
    "col.channel": ("Беру тәсілі", "Способ подачи", "Channel"),
    "col.applicant": ("Көрсетілетін қызметті алушы", "Услугополучатель", "Applicant"),
    "col.status": ("Мәртебесі", "Статус", "Status"),
    "col.step": ("Кезең", "Этап", "Step"),
    "col.role": ("Рөл", "Роль", "Role"),
    "col.step_deadline": ("Кезеңнің мерзімі", "Срок этапа", "Step deadline"),
    "col.request_deadline": (
        "Қызмет көрсету мерзімі",
        "Срок оказания услуги",
        "Request deadline",
    ),
    "mark.step_overdue": ("кезеңнің мерзімі өтті", "срок этапа истёк", "step overdue"),
    "mark.request_overdue": (
        "қызмет көрсету мерзімі өтті",
        "срок оказания услуги истёк",
        "request overdue",
    ),
    "mark.warning": ("мерзімі жақын", "срок на исходе", "deadline near"),
    # --- a request's card ----------------------------------------------------------------------
    "card.title": ("Өтініш {rid}", "Заявка {rid}", "Request {rid}"),
    "card.version": ("Регламент нұсқасы", "Версия регламента", "Regulation version"),
    "card.current": ("Ағымдағы кезең", "Текущий этап", "Current step"),
    "card.refusal": ("Бас тарту негізі", "Основание отказа", "Refusal ground"),
    "card.grounds": ("Бас тарту негіздері", "Основания отказа", "Grounds of the refusal"),
    "card.form": ("Өтініш нысаны", "Форма заявки", "The application form"),
    "card.documents": ("Құжаттар", "Документы", "Documents"),
    "card.no_documents": (
        "Құжат тіркелмеген.",
        "Документы не приложены.",
        "No documents are attached.",
    ),
    "doc.title": ("Құжат", "Документ", "Document"),
    "doc.name": ("Файл", "Файл", "File"),
    "doc.size": ("Көлемі", "Размер", "Size"),
    "doc.bytes": ("{n} байт", "{n} байт", "{n} bytes"),
    "doc.pages": ("{n} бет", "{n} стр.", "{n} pages"),
    "doc.sha256": ("SHA-256 хэші", "Хэш SHA-256", "SHA-256 hash"),
    "card.result": ("Нәтиже", "Результат", "Result"),
    "card.result_signer": ("Қол қойған", "Подписал", "Signed by"),
    "card.history": ("Өтініштің тарихы", "История заявки", "History"),
    "hist.at": ("Уақыты", "Время", "When"),
    "hist.event": ("Оқиға", "Событие", "Event"),
    "hist.actor": ("Кім", "Кто", "Who"),
    "hist.outcome": ("Шешім", "Решение", "Outcome"),
    "card.actions": ("Әрекеттер", "Действия", "Actions"),
    "card.no_actions": (
        "Қазір сіздің рөлдеріңізге арналған әрекет жоқ.",
        "Сейчас для ваших ролей действий нет.",
        "Nothing is for your roles to do now.",
    ),
    "action.grounds_kk": (
        "Бас тарту негіздері (қазақ тілінде)",
        "Основания отказа (на казахском языке)",
        "Grounds of the refusal (in Kazakh)",
    ),
    "action.grounds_ru": (
        "Бас тарту негіздері (орыс тілінде)",
        "Основания отказа (на русском языке)",
        "Grounds of the refusal (in Russian)",
    ),
    "action.signs": (
        "Бұл әрекет «{document}» құжатын шығарады: оған өз ЭЦҚ-ңызбен қол қоясыз.",
        "Это действие выпускает документ «{document}»: вы подписываете его своей ЭЦП.",
        "This action issues the document “{document}”: you sign it with your own EDS.",
    ),
    "action.confirm": ("Растау", "Подтвердить", "Confirm"),
    "action.sign_and_confirm": (
        "ЭЦҚ-мен қол қойып, растау",
        "Подписать ЭЦП и подтвердить",
        "Sign with the EDS and confirm",
    ),
    "action.preparing": (
        "Қол қоюға құжат дайындалуда…",
        "Готовится документ для подписи…",
        "Preparing the document to sign…",
    ),
    "action.document": ("Қол қойылатын құжат", "Подписываемый документ", "The document to sign"),
    "done.action": ("Әрекет тіркелді.", "Действие записано.", "The action is recorded."),
    "done.extension": ("Мерзім ұзартылды.", "Срок продлён.", "The deadline is extended."),
    "done.paper": (
        "Қағаз түріндегі өтініш тіркелді.",
        "Заявление на бумажном носителе зарегистрировано.",
        "The paper application is registered.",
    ),
    # --- extending a step (004) -----------------------------------------------------------------
    "ext.title": (
        "Кезеңнің мерзімін ұзарту",
        "Продление срока этапа",
        "Extend the step",
    ),
    "ext.current": (
        "«{step}» кезеңінің қазіргі мерзімі: {deadline}.",
        "Текущий срок этапа «{step}»: {deadline}.",
        "The step “{step}” is due {deadline}.",
    ),
    "ext.maximum": (
        "Акт бойынша ең кеші {maximum} ({clause}: жекелеген жағдайларда {months} айға дейін).",
        "По акту не позднее {maximum} ({clause}: в отдельных случаях до {months} месяцев).",
        "The act allows at most until {maximum} ({clause}: in some cases up to {months} months).",
    ),
    "ext.until": ("Жаңа мерзім (күні)", "Новый срок (дата)", "New deadline (day)"),
    "ext.reason": ("Ұзарту себебі", "Причина продления", "Why more time is needed"),
    "ext.submit": ("Мерзімді ұзарту", "Продлить срок", "Extend the deadline"),
    # --- paper applications ---------------------------------------------------------------------
    "paper.title": (
        "Қағаз түріндегі өтінішті тіркеу",
        "Регистрация заявления на бумажном носителе",
        "Register a paper application",
    ),
    "paper.intro": (
        "Қызмет берушінің кеңсесінде қабылданған өтініш: қызмет алушы ЭҮШ арқылы ЖТ МДБ-да "
        "тексеріледі, әр құжаттың сканерленген көшірмесінің хэші жазылады.",
        "Заявление, принятое в канцелярии услугодателя: услугополучатель проверяется в ГБД ФЛ "
        "через ШЭП, записывается хэш скан-копии каждого документа.",
        "An application taken at the provider's office: the applicant is looked up in the "
        "person registry through the gateway, and the hash of each document's scan is "
        "recorded.",
    ),
    "paper.service": ("Көрсетілетін қызмет", "Услуга", "Service"),
    "paper.choose": ("Таңдау", "Выбрать", "Choose"),
    "paper.none": (
        "Бұл жұмыс орнының қызметтері қағаз түрінде қабылданбайды.",
        "Услуги этого рабочего места на бумажном носителе не принимаются.",
        "This workstation's services are not taken on paper.",
    ),
    "paper.entry_role": (
        "Бұл қызметтің қағаз өтініштерін «{role}» тіркейді; сіздің рөлдеріңізде ол жоқ.",
        "Бумажные заявления этой услуги регистрирует роль «{role}»; среди ваших ролей её нет.",
        "Paper applications of this service are registered by “{role}”, not one of your roles.",
    ),
    "paper.applicant_iin": (
        "Көрсетілетін қызметті алушының ЖСН-і",
        "ИИН услугополучателя",
        "The applicant's IIN",
    ),
    "paper.scans": (
        "Құжаттардың сканерленген көшірмелері",
        "Скан-копии документов",
        "Scans of the documents",
    ),
    "paper.scan_file": (
        "Скан файлы (хэші осы бетте есептеледі, файл жіберілмейді)",
        "Файл скана (хэш вычисляется на этой странице, файл не отправляется)",
        "The scan's file (its hash is computed on this page; the file is not sent)",
    ),
    "paper.scan_name": ("Файл атауы", "Имя файла", "File name"),
    "paper.scan_pages": ("Беттер саны", "Количество страниц", "Pages"),
    "paper.submit": ("Өтінішті тіркеу", "Зарегистрировать заявление", "Register the application"),
    "paper.problems": (
        "Өтініш тіркелмеді: төмендегі өрістерді түзетіңіз.",
        "Заявление не зарегистрировано: исправьте поля ниже.",
        "The application is not registered: correct the fields below.",
    ),
    # --- the SLA chart --------------------------------------------------------------------------
    "sla.title": ("Мерзімдердің сақталуы", "Соблюдение сроков", "Deadlines kept"),
    "sla.intro": (
        "Әр кезең бойынша: мерзімінде (немесе әлі мерзімі өтпеген) және мерзімі өткен "
        "(мерзімнен кейін аяқталған не мерзімі өтсе де ашық) орындаулар.",
        "По каждому этапу: выполнения в срок (или ещё не просроченные) и с просрочкой "
        "(завершённые после срока или открытые после него).",
        "For each step: the runs on time (or not yet due) and the overdue ones (finished "
        "after the deadline, or open past it).",
    ),
    "sla.at": ("{at} жағдайы бойынша.", "По состоянию на {at}.", "As of {at}."),
    "sla.none": (
        "Бұл жұмыс орнында әлі өтініш жоқ.",
        "На этом рабочем месте заявок ещё нет.",
        "This workstation has no requests yet.",
    ),
    "sla.on_time": ("Мерзімінде", "В срок", "On time"),
    "sla.late": ("Мерзімі өткен", "С просрочкой", "Overdue"),
    "sla.chart": (
        "{title}: кезеңдер бойынша диаграмма (кестесі төменде)",
        "{title}: диаграмма по этапам (таблица ниже)",
        "{title}: chart by step (the table follows)",
    ),
    "sla.table": ("{title}: кезеңдер бойынша", "{title}: по этапам", "{title}: by step"),
    "sla.requests": (
        "Өтініштер: {requests}, аяқталғаны: {finished}, мерзімі өткені: {late}; қызмет "
        "көрсету мерзімі: {term}.",
        "Заявок: {requests}, завершено: {finished}, с просрочкой: {late}; срок оказания "
        "услуги: {term}.",
        "Requests: {requests}, finished: {finished}, overdue: {late}; term: {term}.",
    ),
    "sla.term_from_steps": (
        "кезеңдер нормаларының қосындысы (ең ұзағы: {norm})",
        "сумма нормативов этапов (наибольший: {norm})",
        "the sum of the step norms (longest: {norm})",
    ),
    "unit.seconds": ("{n} сек", "{n} сек", "{n} s"),
    "unit.minutes": ("{n} мин", "{n} мин", "{n} min"),
    "unit.hours": ("{n} сағ", "{n} ч", "{n} h"),
    "unit.working_days": ("{n} жұмыс күні", "{n} раб. дн.", "{n} working days"),
    "unit.calendar_days": ("{n} күнтізбелік күн", "{n} календ. дн.", "{n} calendar days"),
    "unit.days_short": ("{n} тәул.", "{n} сут.", "{n} d"),
    "col.norm": ("Норма", "Норматив", "Norm"),
    "col.runs": ("Барлығы", "Всего", "Runs"),
    "col.finished": ("Аяқталғаны", "Завершено", "Finished"),
    "col.mean": ("Орташа уақыты", "Среднее время", "Mean time"),
    "col.max": ("Ең ұзақ уақыты", "Наибольшее время", "Longest time"),
    # --- refusals of a page -----------------------------------------------------------------
    "refused.not_staff": (
        "Сіздің ЖСН-іңіз қызметкерлер тізімінде жоқ: {department}. Бұл жұмыс орнына осы "
        "мекеменің (БСН {bin}) қызметкер сертификатымен кіреді.",
        "Вашего ИИН нет в списке сотрудников: {department}. На это рабочее место входят с "
        "сертификатом работника этой организации (БИН {bin}).",
        "Your IIN is not on the staff of {department}. Its staff sign in with the employee "
        "certificate of BIN {bin}.",
    ),
    "refused.wrong_bin": (
        "Сертификатыңыз БСН {found} үшін берілген. Бұл жұмыс орнына ({department}) БСН {bin} "
        "қызметкер сертификатымен кіреді.",
        "Ваш сертификат выдан для БИН {found}. На это рабочее место ({department}) входят с "
        "сертификатом работника БИН {bin}.",
        "Your certificate is issued for BIN {found}. Staff of {department} sign in with the "
        "employee certificate of BIN {bin}.",
    ),
    "refused.unknown_workstation": (
        "Мұндай жұмыс орны жоқ.",
        "Такого рабочего места нет.",
        "There is no such workstation.",
    ),
    "refused.not_a_supervisor": (
        "Мерзімдердің сақталуы туралы есепті басшы мен оның орынбасары ғана көреді.",
        "Отчёт о соблюдении сроков видят только руководитель и его заместитель.",
        "The deadlines report is for the head and the deputy only.",
    ),
    # --- refusals of an action (the service layer's codes) -------------------------------------
    "error.other": (
        "Әрекет қабылданбады (коды: {code}).",
        "Действие не принято (код: {code}).",
        "The action was refused (code: {code}).",
    ),
    "error.unknown_request": (
        "Бұл жұмыс орнында мұндай өтініш жоқ.",
        "На этом рабочем месте такой заявки нет.",
        "This workstation has no such request.",
    ),
    "error.WRONG_ROLE": (
        "Бұл кезеңді басқа рөл орындайды; ол сіздің рөлдеріңізге кірмейді.",
        "Этот этап выполняет другая роль; среди ваших ролей её нет.",
        "Another role does this step; it is not one of yours.",
    ),
    "error.WRONG_ORDER": (
        "Өтініш бұл кезеңде емес: ол басқа кезеңге өтіп кеткен. Бетті жаңартыңыз.",
        "Заявка не на этом этапе: она уже перешла к другому. Обновите страницу.",
        "The request is not at this step: it has moved on. Reload the page.",
    ),
    "error.OUTCOME_NOT_ALLOWED": (
        "Бұл шешім қазір мүмкін емес: ол белгілі бір алдыңғы шешімнен кейін немесе белгілі "
        "бір беру тәсілінде ғана рұқсат етіледі.",
        "Такое решение сейчас невозможно: оно допускается только после определённого "
        "решения или при определённом способе подачи.",
        "This outcome is not possible now: it is allowed only after a certain decision or "
        "through a certain channel.",
    ),
    "error.UNKNOWN_OUTCOME": (
        "Бұл кезеңде мұндай шешім жоқ.",
        "У этого этапа нет такого решения.",
        "This step has no such outcome.",
    ),
    "error.UNKNOWN_STEP": (
        "Бұл қызметте мұндай кезең жоқ.",
        "У этой услуги нет такого этапа.",
        "This service has no such step.",
    ),
    "error.REQUEST_FINISHED": (
        "Өтініш бойынша жұмыс аяқталған.",
        "Работа по заявке уже завершена.",
        "The request is finished.",
    ),
    "error.BEFORE_STEP_START": (
        "Әрекет уақыты кезеңнің басталуынан ерте.",
        "Время действия раньше начала этапа.",
        "The action's time is before the step started.",
    ),
    "error.CONCURRENT_CHANGE": (
        "Өтінішті осы уақытта басқа біреу өзгертті: бетті жаңартып, қайталаңыз.",
        "Заявку в это время изменил кто-то другой: обновите страницу и повторите.",
        "Someone else changed the request meanwhile: reload the page and try again.",
    ),
    "error.grounds_required": (
        "Бас тарту негіздерін қазақ және орыс тілдерінде жазыңыз.",
        "Укажите основания отказа на казахском и русском языках.",
        "Give the grounds of the refusal in Kazakh and in Russian.",
    ),
    "error.grounds_not_expected": (
        "Негіздер тек бас тарту кезінде жазылады.",
        "Основания указываются только при отказе.",
        "Grounds are given only when refusing.",
    ),
    "error.signature_required": (
        "Бұл әрекет нәтижені шығарады: құжатқа өз ЭЦҚ-ңызбен қол қойыңыз.",
        "Это действие выпускает результат: подпишите документ своей ЭЦП.",
        "This action issues the result: sign the document with your EDS.",
    ),
    "error.signature_bad_signature": (
        "Қолтаңба құжатқа сәйкес келмейді.",
        "Подпись не соответствует документу.",
        "The signature does not match the document.",
    ),
    "error.signature_untrusted_chain": (
        "Қолтаңбаның сертификатын ҰКО бермеген.",
        "Сертификат подписи выдан не НУЦ РК.",
        "The signature's certificate is not issued by the НУЦ.",
    ),
    "error.signature_cert_expired": (
        "ЭЦҚ тіркеу куәлігінің мерзімі өткен.",
        "Истёк срок действия регистрационного свидетельства ЭЦП.",
        "The signature's certificate has expired.",
    ),
    "error.signature_cert_not_yet_valid": (
        "ЭЦҚ тіркеу куәлігінің қолданылу мерзімі әлі басталмаған.",
        "Срок действия регистрационного свидетельства ЭЦП ещё не начался.",
        "The signature's certificate is not valid yet.",
    ),
    "error.signature_cert_revoked": (
        "ЭЦҚ тіркеу куәлігі кері қайтарылған.",
        "Регистрационное свидетельство ЭЦП отозвано.",
        "The signature's certificate is revoked.",
    ),
    "error.signature_revocation_unknown": (
        "ЭЦҚ тіркеу куәлігінің кері қайтарылмағанын қазір тексеру мүмкін емес; кейінірек "
        "қайталаңыз.",
        "Сейчас нельзя проверить, не отозвано ли свидетельство ЭЦП; повторите позже.",
        "Whether the certificate is revoked cannot be checked now; try again later.",
    ),
    "error.signature_wrong_key_usage": (
        "Бұл кілт құжаттарға қол қоюға арналмаған: қол қою кілтін таңдаңыз.",
        "Этот ключ не предназначен для подписи документов: выберите ключ подписи.",
        "This key is not for signing documents: choose your signing key.",
    ),
    "error.signature_subject_mismatch": (
        "Құжатқа өз ЭЦҚ-ңызбен қол қойылуы керек: қолтаңба басқа адамның сертификатымен қойылған.",
        "Документ подписывается вашей собственной ЭЦП: подпись сделана сертификатом другого лица.",
        "The document is signed with your own EDS: this signature is someone else's.",
    ),
    "error.nothing_to_sign": (
        "Бұл әрекет құжат шығармайды: қол қоятын ештеңе жоқ.",
        "Это действие не выпускает документа: подписывать нечего.",
        "This action issues no document: there is nothing to sign.",
    ),
    "error.no_system_key": (
        "Жұмыс орнының жүйелік кілті жоқ: әкімшіге хабарлаңыз.",
        "У рабочего места нет системного ключа: сообщите администратору.",
        "The workstation has no system key: tell the administrator.",
    ),
    "error.NOT_EXTENDABLE": (
        "Актіде бұл кезеңнің мерзімін ұзарту көзделмеген.",
        "Акт не предусматривает продления этого этапа.",
        "The act does not let this step run longer.",
    ),
    "error.REASON_REQUIRED": (
        "Мерзімді не үшін ұзарту керектігін жазыңыз.",
        "Укажите, почему нужно продлить срок.",
        "Say why the step needs more time.",
    ),
    "error.DEADLINE_PASSED": (
        "Кезеңнің мерзімі өтіп кетті: оны мерзімі өткенге дейін ғана ұзартуға болады.",
        "Срок этапа уже истёк: продлить его можно только до истечения.",
        "The step's deadline has passed: it can be extended only before it is due.",
    ),
    "error.BEYOND_MAXIMUM": (
        "Бұл күн акт рұқсат ететін ең ұзақ мерзімнен кейін.",
        "Эта дата позже наибольшего срока, допускаемого актом.",
        "This day is later than the act allows.",
    ),
    "error.NOT_LATER": (
        "Жаңа мерзім қазіргі мерзімнен кейін болуы керек.",
        "Новый срок должен быть позже текущего.",
        "The new deadline must be later than the current one.",
    ),
    "error.documents_missing": (
        "Құжаттың сканерленген көшірмесі жоқ.",
        "Нет скан-копии документа.",
        "The document's scan is missing.",
    ),
    "error.invalid_file_name": (
        "Файл атауы жарамсыз: 1–200 таңба, жолсыз және басқару таңбаларынсыз.",
        "Недопустимое имя файла: 1–200 символов, без пути и управляющих символов.",
        "Not a file name: 1-200 characters, no path, no control characters.",
    ),
    "error.registry_not_found": (
        "Бұл ЖСН ЖТ МДБ-да жоқ немесе белсенді емес: деректерді алу мүмкін емес.",
        "Этого ИИН нет в ГБД ФЛ или он не активен: данные получить невозможно.",
        "This IIN is not in the person registry or not active: the data cannot be obtained.",
    ),
    "error.registry_unavailable": (
        "ЖТ МДБ ЭҮШ арқылы жауап бермеді: кейінірек қайталаңыз.",
        "ГБД ФЛ не ответила через ШЭП: повторите позже.",
        "The person registry did not answer through the gateway: try again later.",
    ),
    "error.channel_not_offered": (
        "Бұл қызмет қағаз түрінде қабылданбайды.",
        "Эта услуга на бумажном носителе не принимается.",
        "This service is not taken on paper.",
    ),
    "error.service_not_rendered": (
        "Бұл жұмыс орны бұл қызметті көрсетпейді.",
        "Это рабочее место не оказывает эту услугу.",
        "This workstation does not render this service.",
    ),
    "error.service_not_provided": (
        "Бұл қызметтің бүгін күшіндегі регламенті жоқ.",
        "У этой услуги сегодня нет действующего регламента.",
        "No regulation of this service is in force today.",
    ),
    "error.unknown_service": (
        "Мұндай көрсетілетін қызмет жоқ.",
        "Такой услуги нет.",
        "There is no such service.",
    ),
    "error.not_regional_gateway": (
        "Бүгін бұл қызмет «Е-лицензиялау» арқылы көрсетіледі, өңірлік шлюз арқылы емес.",
        "Сегодня эта услуга оказывается через «Е-лицензирование», а не региональный шлюз.",
        "Today this service goes through E-licensing, not the regional gateway.",
    ),
    "error.not_a_json_number": (
        "Нысандағы сан тым үлкен немесе жарамсыз.",
        "Число в форме слишком велико или недопустимо.",
        "A number in the form is too large or not a number.",
    ),
    "error.wrong_role": (
        "Бұл қызметтің қағаз өтініштерін басқа рөл тіркейді.",
        "Бумажные заявления этой услуги регистрирует другая роль.",
        "Another role registers this service's paper applications.",
    ),
    # --- a form's fields ------------------------------------------------------------------------
    "form.bad": (
        "Нысанды оқу мүмкін болмады.",
        "Форму не удалось прочитать.",
        "The form could not be read.",
    ),
    "form.no_action": (
        "Әрекет таңдалмады: бетті жаңартып, әрекетті қайта таңдаңыз.",
        "Действие не выбрано: обновите страницу и выберите действие снова.",
        "No action was chosen: reload the page and choose it again.",
    ),
    "form.REQUIRED": ("Міндетті өріс.", "Обязательное поле.", "Required."),
    "form.TOO_LONG": (
        "Тым ұзын: ең көбі {max} таңба.",
        "Слишком длинно: не более {max} символов.",
        "Too long: at most {max} characters.",
    ),
    "form.UNKNOWN_FIELD": (
        "Бұл қызметтің нысанында мұндай өріс жоқ.",
        "В форме этой услуги нет такого поля.",
        "This service's form has no such field.",
    ),
    "form.WRONG_TYPE": (
        "Мәннің түрі дұрыс емес.",
        "Неверный тип значения.",
        "Not a value of the right type.",
    ),
    "form.PATTERN": (
        "Мән талап етілген пішімге сәйкес емес.",
        "Значение не соответствует требуемому формату.",
        "The value is not in the required format.",
    ),
    "form.NOT_A_CHOICE": (
        "Тізімдегі мәндердің бірін таңдаңыз.",
        "Выберите одно из значений списка.",
        "Choose one of the listed values.",
    ),
    "form.INVALID": ("Мән жарамсыз.", "Недопустимое значение.", "Not a valid value."),
    "form.date": (
        "Күнді ЖЖЖЖ-АА-КК түрінде енгізіңіз.",
        "Введите дату в виде ГГГГ-ММ-ДД.",
        "Enter a day as YYYY-MM-DD.",
    ),
    "form.iin": (
        "ЖСН — бақылау разряды дұрыс 12 цифр.",
        "ИИН — 12 цифр с верным контрольным разрядом.",
        "An IIN is 12 digits with a correct check digit.",
    ),
    "form.sha256": (
        "SHA-256 хэші — 64 он алтылық таңба.",
        "Хэш SHA-256 — 64 шестнадцатеричных символа.",
        "A SHA-256 hash is 64 hexadecimal characters.",
    ),
    "form.pages": (
        "Беттер саны 1-ден 10 000-ға дейін.",
        "Количество страниц — от 1 до 10 000.",
        "Pages: from 1 to 10,000.",
    ),
    "form.service": (
        "Қағаз түрінде қабылданатын қызметті таңдаңыз.",
        "Выберите услугу, принимаемую на бумажном носителе.",
        "Choose a service taken on paper.",
    ),
}


def _entries() -> dict[str, dict[Language, str]]:
    tables = {
        "": _TEXTS,
        "event.": _EVENTS,
        "status.": _STATUSES,
        "channel.": _CHANNELS,
        "choice.": _CHOICES,
        "clause.": _CLAUSE_WORDS,
    }
    return {
        f"{prefix}{name}": {"kk": kk, "ru": ru, "en": en}
        for prefix, table in tables.items()
        for name, (kk, ru, en) in table.items()
    }


TEXTS = Texts(_entries())
