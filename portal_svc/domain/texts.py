# ruff: noqa: RUF001  -- Kazakh and Russian texts are meant to contain Cyrillic letters
"""Every message a person reads on the portal or at the desk, in Kazakh, Russian and English
(issue 6 point 7). Keys are the error codes the API answers with; the signature codes reuse
``shared.pki.messages`` so the desk and the portal say the same thing about an EDS."""

from __future__ import annotations

from shared.pages.languages import DEFAULT_LANGUAGE, LANGUAGES, Language, negotiate

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "TEXTS", "Language", "negotiate", "text"]

TEXTS: dict[str, dict[Language, str]] = {
    "invalid_iin": {
        "kk": "ЖСН дұрыс емес.",
        "ru": "Неверный ИИН.",
        "en": "The IIN is not valid.",
    },
    "invalid_bin": {
        "kk": "БСН дұрыс емес.",
        "ru": "Неверный БИН.",
        "en": "The BIN is not valid.",
    },
    "weak_password": {
        "kk": "Құпиясөз тым қысқа немесе қарапайым.",
        "ru": "Пароль слишком короткий или простой.",
        "en": "The password is too short or too simple.",
    },
    "already_registered": {
        "kk": "Бұл пайдаланушы бұрын тіркелген.",
        "ru": "Этот пользователь уже зарегистрирован.",
        "en": "This user is already registered.",
    },
    "wrong_credentials": {
        "kk": "ЖСН немесе құпиясөз қате.",
        "ru": "Неверный ИИН или пароль.",
        "en": "Wrong IIN or password.",
    },
    "too_many_requests": {
        "kk": "Сұраулар тым көп. Біраз күтіп, қайталаңыз.",
        "ru": "Слишком много запросов. Подождите и повторите.",
        "en": "Too many requests. Wait a moment and try again.",
    },
    "login_throttled": {
        "kk": "Тым көп сәтсіз әрекет. Біраз күтіп, қайталаңыз.",
        "ru": "Слишком много неудачных попыток. Подождите и повторите.",
        "en": "Too many failed attempts. Wait a moment and try again.",
    },
    "account_locked": {
        "kk": "Есептік жазба уақытша бұғатталған.",
        "ru": "Учётная запись временно заблокирована.",
        "en": "The account is temporarily locked.",
    },
    "not_authenticated": {
        "kk": "Жүйеге кіру қажет.",
        "ru": "Необходимо войти в систему.",
        "en": "You need to log in.",
    },
    "session_expired": {
        "kk": "Сессия мерзімі аяқталды, қайта кіріңіз.",
        "ru": "Срок сессии истёк, войдите снова.",
        "en": "The session has expired; log in again.",
    },
    "bad_challenge": {
        "kk": "Кіру сұрауы жарамсыз немесе мерзімі өткен.",
        "ru": "Запрос на вход недействителен или устарел.",
        "en": "The login challenge is unknown or has expired.",
    },
    "unknown_service": {
        "kk": "Мұндай қызмет жоқ.",
        "ru": "Такой услуги нет.",
        "en": "There is no such service.",
    },
    "service_not_in_force": {
        "kk": "Қызмет бүгін көрсетілмейді (регламент күшінде емес).",
        "ru": "Услуга сегодня не оказывается (регламент не действует).",
        "en": "The service is not provided today (no regulation in force).",
    },
    "channel_not_offered": {
        "kk": "Бұл қызмет осы арна арқылы көрсетілмейді.",
        "ru": "Эта услуга не оказывается через этот канал.",
        "en": "This service is not offered through this channel.",
    },
    "invalid_form": {
        "kk": "Өтініш нысаны дұрыс толтырылмаған.",
        "ru": "Форма заявления заполнена неверно.",
        "en": "The application form is not filled in correctly.",
    },
    "unknown_document": {
        "kk": "Бұл қызмет үшін мұндай құжат талап етілмейді.",
        "ru": "Такой документ для этой услуги не требуется.",
        "en": "This service does not require such a document.",
    },
    "attachment_too_large": {
        "kk": "Файл тым үлкен.",
        "ru": "Файл слишком большой.",
        "en": "The file is too large.",
    },
    "attachment_type": {
        "kk": "Бұл файл түріне рұқсат жоқ.",
        "ru": "Этот тип файла не допускается.",
        "en": "This file type is not allowed.",
    },
    "attachment_empty": {
        "kk": "Файл бос.",
        "ru": "Файл пуст.",
        "en": "The file is empty.",
    },
    "documents_missing": {
        "kk": "Қажетті құжаттар тіркелмеген.",
        "ru": "Не приложены обязательные документы.",
        "en": "Required documents are not attached.",
    },
    "not_editable": {
        "kk": "Өтініш жіберілген, оны өзгертуге болмайды.",
        "ru": "Заявка уже отправлена, её нельзя изменить.",
        "en": "The request has been sent and can no longer be changed.",
    },
    "request_not_found": {
        "kk": "Өтініш табылмады.",
        "ru": "Заявка не найдена.",
        "en": "The request was not found.",
    },
    "not_yours": {
        "kk": "Бұл өтініш сіздікі емес.",
        "ru": "Эта заявка вам не принадлежит.",
        "en": "This request is not yours.",
    },
    "result_not_found": {
        "kk": "Нәтиже құжаты табылмады.",
        "ru": "Документ-результат не найден.",
        "en": "No result document with this number.",
    },
    "survey_not_open": {
        "kk": "Сауалнама қызмет аяқталғаннан кейін ғана толтырылады.",
        "ru": "Анкета заполняется только после оказания услуги.",
        "en": "The survey opens only once the service is over.",
    },
    "survey_answered": {
        "kk": "Сауалнама бұрын толтырылған.",
        "ru": "Анкета уже заполнена.",
        "en": "The survey has already been answered.",
    },
    "invalid_answer": {
        "kk": "Жауап нұсқасы дұрыс емес.",
        "ru": "Неверный вариант ответа.",
        "en": "Not one of the answers offered.",
    },
    "not_an_operator": {
        "kk": "Сертификат ХҚКО операторына тиесілі емес.",
        "ru": "Сертификат не принадлежит оператору ЦОН.",
        "en": "The certificate does not belong to a Public Service Center operator.",
    },
    "not_your_center": {
        "kk": "Бұл өтініш басқа ХҚКО-да берілген.",
        "ru": "Эта заявка подана в другом ЦОН.",
        "en": "This request was filed at another Public Service Center.",
    },
    "applicant_not_found": {
        "kk": "Өтініш беруші тұлғалар тізілімінде табылмады.",
        "ru": "Заявитель не найден в реестре физических лиц.",
        "en": "The applicant was not found in the persons registry.",
    },
    "registry_unavailable": {
        "kk": "Тізілім уақытша қолжетімсіз.",
        "ru": "Реестр временно недоступен.",
        "en": "The registry is temporarily unavailable.",
    },
    "no_result_yet": {
        "kk": "Нәтиже әлі түскен жоқ.",
        "ru": "Результат ещё не поступил.",
        "en": "The result has not arrived yet.",
    },
    "already_handed_out": {
        "kk": "Нәтиже бұрын берілген.",
        "ru": "Результат уже выдан.",
        "en": "The result has already been handed out.",
    },
    # Condition 2 refusal grounds (the definitions' refusal codes).
    "SIGNATURE_NOT_CONFIRMED": {
        "kk": "ЭЦҚ расталмады.",
        "ru": "ЭЦП не подтверждена.",
        "en": "The EDS could not be confirmed.",
    },
    "CERTIFICATE_EXPIRED": {
        "kk": "Сертификаттың қолданылу мерзімі өтіп кеткен.",
        "ru": "Срок действия сертификата истёк.",
        "en": "The certificate has expired.",
    },
    "CERTIFICATE_REVOKED": {
        "kk": "Сертификат кері қайтарылған.",
        "ru": "Сертификат отозван.",
        "en": "The certificate has been revoked.",
    },
    "no_right_to_sign": {
        "kk": "Бұл сертификатпен заңды тұлғаның атынан қол қоюға болмайды: өтінішке бірінші "
        "басшы немесе қол қою құқығы бар тұлға қол қояды.",
        "ru": "Этим сертификатом нельзя подписать от имени юридического лица: заявку подписывает "
        "первый руководитель или лицо с правом подписи.",
        "en": "This certificate may not sign for the legal entity: its request is signed by the "
        "first head or a person with the right to sign.",
    },
    "SUBJECT_MISMATCH": {
        "kk": "Өтініштегі ЖСН/БСН сертификаттағы ЖСН/БСН-ға сәйкес келмейді.",
        "ru": "ИИН/БИН в заявке не совпадает с ИИН/БИН в сертификате.",
        "en": "The IIN/BIN in the request is not the one in the certificate.",
    },
}


def text(code: str, language: Language) -> str | None:
    entry = TEXTS.get(code)
    return None if entry is None else entry[language]
