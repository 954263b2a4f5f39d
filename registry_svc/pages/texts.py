# ruff: noqa: RUF001, RUF002  -- Kazakh and Russian texts are meant to contain Cyrillic letters
"""The НУЦ and registries pages' texts in Kazakh, Russian and English (over
shared.pages.texts). The names are the registries' own: ЖТ МДБ / ГБД ФЛ, ЗТ МДБ / ГБД ЮЛ, ҰКО /
НУЦ, and the RFC 5280 revocation reasons as НУЦ names them."""

from __future__ import annotations

from shared.pages.languages import Language
from shared.pages.texts import Texts


def _t(kk: str, ru: str, en: str) -> dict[Language, str]:
    return {"kk": kk, "ru": ru, "en": en}


TEXTS = Texts(
    {
        # --- the menu ------------------------------------------------------------------------
        "ra.nav.persons": _t("Жеке тұлғалар (ЖТ МДБ)", "Физические лица (ГБД ФЛ)", "Persons"),
        "ra.nav.entities": _t(
            "Заңды тұлғалар (ЗТ МДБ)", "Юридические лица (ГБД ЮЛ)", "Legal entities"
        ),
        "ra.nav.certificates": _t("Тіркеу куәліктері", "Сертификаты", "Certificates"),
        "ra.nav.revocation": _t(
            "Кері қайтарылғандар тізімі және OCSP", "СОС и OCSP", "CRL and OCSP"
        ),
        # --- shared words --------------------------------------------------------------------
        "ra.iin": _t("ЖСН", "ИИН", "IIN"),
        "ra.bin": _t("БСН", "БИН", "BIN"),
        "ra.find": _t("Табу", "Найти", "Find"),
        "ra.register": _t("Тіркеу", "Зарегистрировать", "Register"),
        "ra.in_kk": _t("қазақша", "на казахском", "in Kazakh"),
        "ra.in_ru": _t("орысша", "на русском", "in Russian"),
        "ra.surname": _t("Тегі", "Фамилия", "Surname"),
        "ra.name": _t("Аты", "Имя", "Given name"),
        "ra.patronymic": _t("Әкесінің аты", "Отчество", "Patronymic"),
        "ra.birth_date": _t("Туған күні", "Дата рождения", "Date of birth"),
        "ra.gender": _t("Жынысы", "Пол", "Gender"),
        "ra.gender.MALE": _t("ер", "мужской", "male"),
        "ra.gender.FEMALE": _t("әйел", "женский", "female"),
        "ra.from_iin": _t(
            "бос қалса, ЖСН-нен алынады",
            "если не указано, берётся из ИИН",
            "read from the IIN when left blank",
        ),
        "ra.citizenship": _t(
            "Азаматтығы (ISO елдің екі әріпті коды)",
            "Гражданство (двухбуквенный код страны ISO)",
            "Citizenship (ISO two-letter country code)",
        ),
        "ra.address": _t("Мекенжайы", "Адрес", "Address"),
        "ra.status": _t("Мәртебесі", "Статус", "Status"),
        "ra.person.active": _t("әрекетте", "действующий", "active"),
        "ra.person.deceased": _t("қайтыс болған", "умер", "deceased"),
        "ra.person.departed": _t(
            "тұрақты тұруға шетелге кеткен",
            "выехал на ПМЖ за рубеж",
            "left the country for good",
        ),
        "ra.entity.active": _t("әрекетте", "действующее", "active"),
        "ra.entity.suspended": _t(
            "қызметі тоқтатыла тұрған", "деятельность приостановлена", "suspended"
        ),
        "ra.entity.liquidated": _t("таратылған", "ликвидировано", "liquidated"),
        "ra.entity_name": _t("Атауы", "Наименование", "Name"),
        "ra.registration_date": _t("Тіркелген күні", "Дата регистрации", "Registration date"),
        "ra.head_iin": _t("Басшының ЖСН", "ИИН руководителя", "Head's IIN"),
        "ra.entity_type": _t("Түрі", "Вид", "Type"),
        "ra.type.resident_legal_entity": _t(
            "резидент заңды тұлға", "юридическое лицо-резидент", "resident legal entity"
        ),
        "ra.type.non_resident_legal_entity": _t(
            "бейрезидент заңды тұлға", "юридическое лицо-нерезидент", "non-resident legal entity"
        ),
        "ra.type.joint_entrepreneur": _t(
            "бірлескен кәсіпкерлік түріндегі дара кәсіпкер",
            "ИП в форме совместного предпринимательства",
            "joint individual entrepreneurship",
        ),
        "ra.attribute.head_unit": _t("бас ұйым", "головное подразделение", "head unit"),
        "ra.attribute.branch": _t("филиал", "филиал", "branch"),
        "ra.attribute.representative_office": _t(
            "өкілдік", "представительство", "representative office"
        ),
        "ra.attribute.peasant_farm": _t(
            "шаруа (фермер) қожалығы",
            "крестьянское (фермерское) хозяйство",
            "peasant (farm) household",
        ),
        "ra.date_hint": _t("ЖЖЖЖ-АА-КК", "ГГГГ-ММ-ДД", "YYYY-MM-DD"),
        "ra.optional": _t("міндетті емес", "необязательно", "optional"),
        "ra.form_invalid": _t(
            "Нысанда қателер бар; ештеңе сақталған жоқ.",
            "В форме есть ошибки; ничего не сохранено.",
            "The form has errors; nothing was stored.",
        ),
        # --- persons -------------------------------------------------------------------------
        "ra.persons.title": _t(
            "Жеке тұлғалар мемлекеттік деректер базасы (ЖТ МДБ)",
            "Государственная база данных «Физические лица» (ГБД ФЛ)",
            "The state database of individuals",
        ),
        "ra.persons.find": _t(
            "Жеке тұлғаны ЖСН бойынша іздеу",
            "Поиск физического лица по ИИН",
            "Find a person by IIN",
        ),
        "ra.persons.new": _t(
            "Жеке тұлғаны тіркеу", "Регистрация физического лица", "Register a person"
        ),
        "ra.persons.not_found": _t(
            "ЖТ МДБ-да бұл ЖСН бойынша жеке тұлға жоқ: деректерді алу мүмкін емес.",
            "В ГБД ФЛ нет лица с этим ИИН: данные не могут быть получены.",
            "The registry holds no person with this IIN: the data cannot be obtained.",
        ),
        "ra.persons.registered": _t(
            "Жеке тұлға ЖТ МДБ-да тіркелді.",
            "Физическое лицо зарегистрировано в ГБД ФЛ.",
            "The person is registered.",
        ),
        "ra.persons.exists": _t(
            "Бұл ЖСН ЖТ МДБ-да бұрыннан тіркелген.",
            "Этот ИИН уже зарегистрирован в ГБД ФЛ.",
            "This IIN is registered already.",
        ),
        "ra.persons.heads": _t(
            "Басқаратын заңды тұлғалары",
            "Возглавляемые юридические лица",
            "Legal entities this person heads",
        ),
        "ra.persons.heads_none": _t(
            "Басқаратын заңды тұлғасы жоқ.",
            "Не возглавляет юридических лиц.",
            "Heads no legal entity.",
        ),
        "ra.persons.issue": _t(
            "Осы адамға тіркеу куәлігін беру",
            "Выпустить сертификат этому лицу",
            "Issue this person a certificate",
        ),
        # --- entities ------------------------------------------------------------------------
        "ra.entities.title": _t(
            "Заңды тұлғалар мемлекеттік деректер базасы (ЗТ МДБ)",
            "Государственная база данных «Юридические лица» (ГБД ЮЛ)",
            "The state database of legal entities",
        ),
        "ra.entities.find": _t(
            "Заңды тұлғаны БСН бойынша іздеу",
            "Поиск юридического лица по БИН",
            "Find a legal entity by BIN",
        ),
        "ra.entities.new": _t(
            "Заңды тұлғаны тіркеу",
            "Регистрация юридического лица",
            "Register a legal entity",
        ),
        "ra.entities.not_found": _t(
            "ЗТ МДБ-да бұл БСН бойынша заңды тұлға жоқ: деректерді алу мүмкін емес.",
            "В ГБД ЮЛ нет юридического лица с этим БИН: данные не могут быть получены.",
            "The registry holds no legal entity with this BIN: the data cannot be obtained.",
        ),
        "ra.entities.registered": _t(
            "Заңды тұлға ЗТ МДБ-да тіркелді.",
            "Юридическое лицо зарегистрировано в ГБД ЮЛ.",
            "The legal entity is registered.",
        ),
        "ra.entities.exists": _t(
            "Бұл БСН ЗТ МДБ-да бұрыннан тіркелген.",
            "Этот БИН уже зарегистрирован в ГБД ЮЛ.",
            "This BIN is registered already.",
        ),
        "ra.entities.head_unknown": _t(
            "Бұл ЖСН бойынша адам ЖТ МДБ-да жоқ: алдымен басшыны тіркеңіз.",
            "Лица с этим ИИН нет в ГБД ФЛ: сначала зарегистрируйте руководителя.",
            "No person with this IIN is registered: register the head first.",
        ),
        "ra.entities.issue": _t(
            "Осы ұйымның қызметкеріне тіркеу куәлігін беру",
            "Выпустить сертификат сотруднику этой организации",
            "Issue a certificate for this organisation",
        ),
        # --- identifiers and fields: what is wrong -------------------------------------------
        "ra.required": _t("Толтырыңыз.", "Заполните поле.", "Fill this in."),
        "ra.too_long": _t(
            "Тым ұзын: {max} таңбаға дейін.",
            "Слишком длинно: не более {max} символов.",
            "Too long: at most {max} characters.",
        ),
        "ra.bad_date": _t(
            "Күнді ЖЖЖЖ-АА-КК түрінде енгізіңіз.",
            "Введите дату в виде ГГГГ-ММ-ДД.",
            "Enter a date as YYYY-MM-DD.",
        ),
        "ra.future_date": _t(
            "Күн болашақта болмауы керек.",
            "Дата не может быть в будущем.",
            "The date cannot be in the future.",
        ),
        "ra.birth_date_mismatch": _t(
            "Туған күні ЖСН-дағы күнге сәйкес емес.",
            "Дата рождения не совпадает с датой в ИИН.",
            "The date of birth differs from the one in the IIN.",
        ),
        "ra.gender_mismatch": _t(
            "Жынысы ЖСН-ның 7-цифрына сәйкес емес.",
            "Пол не совпадает с 7-й цифрой ИИН.",
            "The gender differs from the IIN's 7th digit.",
        ),
        "ra.registration_mismatch": _t(
            "Тіркелген күні БСН-ның алғашқы төрт цифрына (жылы мен айы) сәйкес емес.",
            "Дата регистрации не совпадает с первыми четырьмя цифрами БИН (год и месяц).",
            "The registration date differs from the BIN's first four digits (year, month).",
        ),
        "ra.bad_country": _t(
            "Елдің екі латын бас әрпінен тұратын кодын енгізіңіз (KZ).",
            "Введите код страны из двух заглавных латинских букв (KZ).",
            "Enter a country code of two capital Latin letters (KZ).",
        ),
        "ra.choose": _t("Тізімнен таңдаңыз.", "Выберите из списка.", "Choose from the list."),
        "ra.both_languages": _t(
            "Екі тілде де толтырыңыз немесе екеуін де бос қалдырыңыз.",
            "Заполните на обоих языках или оставьте оба пустыми.",
            "Fill in both languages, or leave both blank.",
        ),
        "ra.id.WRONG_LENGTH": _t(
            "Нөмір 12 цифрдан тұрады.",
            "Номер состоит из 12 цифр.",
            "The number has 12 digits.",
        ),
        "ra.id.NOT_DIGITS": _t(
            "Нөмір тек цифрлардан тұрады.",
            "Номер состоит только из цифр.",
            "The number is digits only.",
        ),
        "ra.id.BAD_CHECK_DIGIT": _t(
            "Бақылау цифры сәйкес емес: нөмірде қате бар.",
            "Не сходится контрольная цифра: в номере ошибка.",
            "The check digit does not match: the number has a typo.",
        ),
        "ra.id.NEVER_ISSUED": _t(
            "Мұндай нөмір берілмейді.",
            "Такой номер не выдаётся.",
            "No such number is ever issued.",
        ),
        "ra.id.BAD_CENTURY_DIGIT": _t(
            "ЖСН-ның 7-цифры 1-ден 6-ға дейін болуы керек.",
            "7-я цифра ИИН должна быть от 1 до 6.",
            "An IIN's 7th digit is 1 to 6.",
        ),
        "ra.id.BAD_BIRTH_DATE": _t(
            "ЖСН-ның алғашқы алты цифры күн емес.",
            "Первые шесть цифр ИИН не образуют дату.",
            "The IIN's first six digits are not a date.",
        ),
        "ra.id.BAD_ENTITY_TYPE": _t(
            "БСН-ның 5-цифры 4, 5 немесе 6 болуы керек.",
            "5-я цифра БИН должна быть 4, 5 или 6.",
            "A BIN's 5th digit is 4, 5 or 6.",
        ),
        "ra.id.BAD_ATTRIBUTE": _t(
            "БСН-ның 6-цифры 0-ден 3-ке дейін болуы керек.",
            "6-я цифра БИН должна быть от 0 до 3.",
            "A BIN's 6th digit is 0 to 3.",
        ),
        "ra.id.BAD_REGISTRATION_DATE": _t(
            "БСН-дағы тіркелу күні дұрыс емес.",
            "Неверная дата регистрации в БИН.",
            "The BIN's registration date is not valid.",
        ),
        "ra.id.BAD_SERIAL": _t(
            "Нөмірдің реттік бөлігі дұрыс емес.",
            "Неверная порядковая часть номера.",
            "The number's serial part is not valid.",
        ),
        # --- certificates --------------------------------------------------------------------
        "ra.certs.title": _t(
            "ҰКО тіркеу куәліктері",
            "Сертификаты НУЦ",
            "The certification authority's certificates",
        ),
        "ra.certs.intro": _t(
            "Берілген тіркеу куәліктері, ең жаңасы жоғарыда.",
            "Выпущенные сертификаты, новые сверху.",
            "The certificates issued, newest first.",
        ),
        "ra.certs.find": _t(
            "Сериялық нөмір бойынша табу",
            "Найти по серийному номеру",
            "Find by serial number",
        ),
        "ra.certs.none": _t(
            "Әлі тіркеу куәлігі берілген жоқ.",
            "Сертификаты ещё не выпускались.",
            "No certificate has been issued yet.",
        ),
        "ra.certs.new": _t("Тіркеу куәлігін беру", "Выпустить сертификат", "Issue a certificate"),
        "ra.serial": _t("Сериялық нөмірі", "Серийный номер", "Serial number"),
        "ra.bad_serial": _t(
            "Сериялық нөмір он алтылық цифрлардан тұрады (0-9, a-f).",
            "Серийный номер состоит из шестнадцатеричных цифр (0-9, a-f).",
            "A serial number is hexadecimal digits (0-9, a-f).",
        ),
        "ra.cert.not_found": _t(
            "Бұл сериялық нөмірмен тіркеу куәлігі берілмеген.",
            "Сертификат с этим серийным номером не выпускался.",
            "No certificate with this serial number was issued.",
        ),
        "ra.subject": _t("Иесі (субъект)", "Владелец (субъект)", "Holder (subject)"),
        "ra.holder_kind": _t("Иесінің түрі", "Тип владельца", "Kind of holder"),
        "ra.kind.individual": _t("жеке тұлға", "физическое лицо", "individual"),
        "ra.kind.legal_entity": _t(
            "заңды тұлғаның өкілі",
            "представитель юридического лица",
            "legal entity's representative",
        ),
        "ra.kind.system": _t("ақпараттық жүйе", "информационная система", "information system"),
        "ra.role": _t("Рөлі", "Роль", "Role"),
        "ra.role.first_head": _t("бірінші басшы", "первый руководитель", "first head"),
        "ra.role.signer": _t(
            "қол қою құқығы бар адам", "лицо с правом подписи", "person with the right to sign"
        ),
        "ra.role.finance": _t(
            "қаржы құжаттарына қол қоятын қызметкер",
            "сотрудник с правом подписи финансовых документов",
            "signer of financial documents",
        ),
        "ra.role.hr": _t("кадр қызметінің қызметкері", "сотрудник отдела кадров", "HR officer"),
        "ra.role.employee": _t("қызметкер", "сотрудник", "employee"),
        "ra.purpose": _t("Кілттің мақсаты", "Назначение ключа", "Key purpose"),
        "ra.purpose.signing": _t("ЭЦҚ қою", "подпись (ЭЦП)", "signing"),
        "ra.purpose.auth": _t("аутентификация", "аутентификация", "authentication"),
        "ra.algorithm": _t("Алгоритм", "Алгоритм", "Algorithm"),
        "ra.valid_from": _t("Әрекет ету басы", "Действует с", "Valid from"),
        "ra.valid_until": _t("Әрекет ету соңы", "Действует до", "Valid until"),
        "ra.cert.state": _t("Күйі", "Состояние", "State"),
        "ra.cert.good": _t("әрекетте", "действителен", "good"),
        "ra.cert.revoked": _t("кері қайтарылған", "отозван", "revoked"),
        "ra.cert.revoked_at": _t("Кері қайтарылған уақыты", "Время отзыва", "Revoked at"),
        "ra.cert.reason": _t("Кері қайтару себебі", "Причина отзыва", "Reason for revocation"),
        "ra.cert.title": _t(
            "{serial} тіркеу куәлігі", "Сертификат {serial}", "Certificate {serial}"
        ),
        "ra.cert.issued": _t(
            "Тіркеу куәлігі берілді. Кілт файлы (PKCS#12) {file} атымен сақталды: оны иесіне "
            "беріңіз, құпиясөзін бөлек айтыңыз.",
            "Сертификат выпущен. Файл ключа (PKCS#12) сохранён как {file}: передайте его "
            "владельцу, а пароль сообщите отдельно.",
            "The certificate is issued. Its key file (PKCS#12) was saved as {file}: hand it to "
            "the holder, and tell them the password separately.",
        ),
        "ra.cert.revoked_now": _t(
            "Тіркеу куәлігі кері қайтарылды.",
            "Сертификат отозван.",
            "The certificate is revoked.",
        ),
        "ra.cert.already_revoked": _t(
            "Бұл тіркеу куәлігі бұрыннан кері қайтарылған.",
            "Этот сертификат уже отозван.",
            "This certificate is revoked already.",
        ),
        "ra.revoke": _t("Кері қайтарып алу", "Отозвать", "Revoke"),
        "ra.revoke.title": _t(
            "Тіркеу куәлігін кері қайтарып алу",
            "Отзыв сертификата",
            "Revoke the certificate",
        ),
        "ra.revoke.warning": _t(
            "Кері қайтарылған тіркеу куәлігімен қойылған қолтаңба бұдан былай қабылданбайды; "
            "бұл әрекетті болдырмау мүмкін емес.",
            "Подписи отозванным сертификатом больше не принимаются; отзыв нельзя отменить.",
            "Signatures by a revoked certificate are refused from then on; a revocation "
            "cannot be undone.",
        ),
        "ra.reason.choose": _t("— себебін таңдаңыз —", "— выберите причину —", "— choose —"),
        "ra.reason.unspecified": _t("себебі көрсетілмеген", "причина не указана", "unspecified"),
        "ra.reason.keyCompromise": _t(
            "кілттің құпиясы ашылды", "компрометация ключа", "key compromise"
        ),
        "ra.reason.cACompromise": _t(
            "куәландырушы орталық кілтінің құпиясы ашылды",
            "компрометация ключа УЦ",
            "CA compromise",
        ),
        "ra.reason.affiliationChanged": _t(
            "иесінің ұйымдағы жағдайы өзгерді",
            "изменение принадлежности",
            "affiliation changed",
        ),
        "ra.reason.superseded": _t("жаңасымен ауыстырылды", "заменён новым", "superseded"),
        "ra.reason.cessationOfOperation": _t(
            "қызметі тоқтатылды", "прекращение деятельности", "cessation of operation"
        ),
        "ra.reason.certificateHold": _t("уақытша тоқтатылды", "приостановлен", "certificate hold"),
        "ra.reason.privilegeWithdrawn": _t(
            "өкілеттігі алынды", "отзыв полномочий", "privilege withdrawn"
        ),
        "ra.reason.aACompromise": _t(
            "атрибут орталығы кілтінің құпиясы ашылды",
            "компрометация ключа центра атрибутов",
            "AA compromise",
        ),
        # --- issuing -------------------------------------------------------------------------
        "ra.issue.title": _t("Тіркеу куәлігін беру", "Выпуск сертификата", "Issue a certificate"),
        "ra.issue.intro": _t(
            "ҰКО кілт жұбын жасап, тіркеу куәлігін береді. Кілт пен куәлік құпиясөзбен "
            "қорғалған PKCS#12 файлы ретінде жүктеледі: бет оны көрсетпейді, ал ҰКО журналы "
            "кілтті сақтамайды.",
            "НУЦ создаёт пару ключей и выпускает сертификат. Ключ и сертификат скачиваются "
            "файлом PKCS#12, защищённым паролем: страница его не показывает, а журнал НУЦ "
            "ключ не хранит.",
            "The certification authority makes a key pair and issues its certificate. The key "
            "and certificate download as a password-protected PKCS#12 file: the page never "
            "shows it, and the authority's log never keeps the key.",
        ),
        "ra.issue.for": _t("Кімге", "Для кого", "For"),
        "ra.holder": _t("Иесі", "Владелец", "Holder"),
        "ra.organization": _t("Ұйымның атауы", "Наименование организации", "Organisation"),
        "ra.system_id": _t("Жүйенің идентификаторы", "Идентификатор системы", "System id"),
        "ra.system_owner": _t(
            "Иесі ұйым (бос қалса — симулятордың операторы)",
            "Организация-владелец (если пусто — оператор симулятора)",
            "Owning organisation (blank: the simulator's operator)",
        ),
        "ra.reissue": _t(
            "Жүйенің әрекеттегі тіркеу куәлігі болса да, жаңа кілт беру",
            "Выдать новый ключ, даже если у системы есть действующий сертификат",
            "Hand out a new key even though the system has a valid certificate",
        ),
        "ra.password": _t("Кілт файлының құпиясөзі", "Пароль файла ключа", "Key file password"),
        "ra.password_again": _t("Құпиясөзді қайталаңыз", "Повторите пароль", "The password again"),
        "ra.password_short": _t(
            "Құпиясөз кемінде 6 таңба болуы керек.",
            "Пароль должен быть не короче 6 символов.",
            "The password must be at least 6 characters.",
        ),
        "ra.password_differs": _t(
            "Құпиясөздер сәйкес емес.",
            "Пароли не совпадают.",
            "The passwords differ.",
        ),
        "ra.bad_system_id": _t(
            "Жүйе идентификаторы нүктемен бөлінген кіші әріпті сөздерден тұрады, "
            "мысалы provider.almaty.culture.",
            "Идентификатор системы состоит из строчных слов через точку, например "
            "provider.almaty.culture.",
            "A system id is lower-case words joined by dots, e.g. provider.almaty.culture.",
        ),
        "ra.system_has_certificate": _t(
            "Бұл жүйенің әрекеттегі тіркеу куәлігі бар; жаңа кілт тек «жаңа кілт беру» "
            "белгіленсе ғана беріледі.",
            "У этой системы есть действующий сертификат; новый ключ выдаётся, только если "
            "отмечено «выдать новый ключ».",
            "This system has a valid certificate; a new key is handed out only when "
            "“hand out a new key” is ticked.",
        ),
        "ra.issue.submit": _t(
            "Беру және кілт файлын жүктеу",
            "Выпустить и скачать файл ключа",
            "Issue and download the key file",
        ),
        "ra.issue.saving": _t(
            "Кілт файлы жүктелуде…", "Файл ключа скачивается…", "Downloading the key file…"
        ),
        "ra.ca_busy": _t(
            "ҰКО журналын басқа процестер жазып жатыр; қайталап көріңіз.",
            "Журнал НУЦ сейчас пишут другие процессы; попробуйте ещё раз.",
            "Other processes are writing the authority's log; try again.",
        ),
        # --- CRL and OCSP --------------------------------------------------------------------
        "ra.revocation.title": _t(
            "Кері қайтарылған куәліктер тізімі (CRL) және OCSP",
            "Список отозванных сертификатов (СОС) и OCSP",
            "The revocation list (CRL) and OCSP",
        ),
        "ra.crl": _t(
            "Кері қайтарылған куәліктердің ағымдағы тізімі",
            "Текущий список отозванных сертификатов",
            "The current certificate revocation list",
        ),
        "ra.crl.number": _t("Тізімнің нөмірі", "Номер списка", "CRL number"),
        "ra.crl.issuer": _t("Шығарушы", "Издатель", "Issuer"),
        "ra.crl.this_update": _t(
            "Шығарылған уақыты (thisUpdate)",
            "Время выпуска (thisUpdate)",
            "This update",
        ),
        "ra.crl.next_update": _t(
            "Келесі шығарылымы (nextUpdate)",
            "Следующий выпуск (nextUpdate)",
            "Next update",
        ),
        "ra.crl.revoked": _t(
            "Кері қайтарылған куәліктер саны",
            "Отозвано сертификатов",
            "Certificates revoked",
        ),
        "ra.crl.download": _t(
            "Тізімді жүктеу (DER)", "Скачать список (DER)", "Download the CRL (DER)"
        ),
        "ra.crl.note": _t(
            "Тізім әр сұрауда ҰКО журналынан жасалады: нөмірі — журналдың нұсқасы, сондықтан "
            "әр жаңа куәлік немесе кері қайтару оны арттырады.",
            "Список составляется из журнала НУЦ при каждом запросе: его номер — версия "
            "журнала, так что каждый выпуск или отзыв его увеличивает.",
            "The list is made from the authority's log at every request: its number is the "
            "log's version, so each issuance or revocation raises it.",
        ),
        "ra.ocsp": _t("OCSP қызметі", "Служба OCSP", "The OCSP responder"),
        "ra.ocsp.responder": _t(
            "Жауап берушінің тіркеу куәлігі",
            "Сертификат ответчика",
            "The responder's certificate",
        ),
        "ra.ocsp.probe": _t(
            "Жаңа ғана сұралған жауап",
            "Ответ, полученный только что",
            "An answer asked for just now",
        ),
        "ra.ocsp.about": _t("Сұралған куәлік", "О сертификате", "About certificate"),
        "ra.ocsp.status": _t("Жауап", "Ответ", "Answer"),
        "ra.ocsp.produced_at": _t(
            "Жасалған уақыты (producedAt)", "Создан (producedAt)", "Produced at"
        ),
        "ra.ocsp.fresh_for": _t(
            "Жауап {minutes} минут бойы жарамды; жауап берушінің куәлігі {until} дейін "
            "әрекет етеді, содан соң жаңасы беріледі.",
            "Ответ годен {minutes} мин.; сертификат ответчика действует до {until}, затем "
            "выпускается новый.",
            "An answer is good for {minutes} minutes; the responder's certificate is valid "
            "until {until}, and a new one is issued after that.",
        ),
        "ra.ocsp.good": _t("әрекетте (good)", "действителен (good)", "good"),
        "ra.ocsp.revoked": _t("кері қайтарылған (revoked)", "отозван (revoked)", "revoked"),
        "ra.ocsp.unknown": _t("белгісіз (unknown)", "неизвестен (unknown)", "unknown"),
        "ra.page_of": _t(
            "{page}-бет, барлығы {total}",
            "Страница {page}, всего {total}",
            "Page {page}, {total} in all",
        ),
        "ra.next_page": _t("Келесі бет", "Следующая страница", "Next page"),
        "ra.previous_page": _t("Алдыңғы бет", "Предыдущая страница", "Previous page"),
    }
)
