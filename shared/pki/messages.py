"""What each verification code means, in Kazakh, Russian and English, for the people who see a
rejected request (portal, CSC operator) and for logs."""

from __future__ import annotations

from typing import Literal

from shared.signing import VerificationCode

Language = Literal["kk", "ru", "en"]

MESSAGES: dict[VerificationCode, dict[Language, str]] = {
    VerificationCode.OK: {
        "kk": "Электрондық цифрлық қолтаңба жарамды.",
        "ru": "Электронная цифровая подпись действительна.",
        "en": "The electronic digital signature is valid.",
    },
    VerificationCode.BAD_SIGNATURE: {
        "kk": "Қолтаңба құжатқа сәйкес келмейді немесе бүлінген.",
        "ru": "Подпись не соответствует документу или повреждена.",
        "en": "The signature does not match the document or is malformed.",
    },
    VerificationCode.UNTRUSTED_CHAIN: {
        "kk": "Сертификатты сенімді куәландырушы орталық бермеген.",
        "ru": "Сертификат выдан не доверенным удостоверяющим центром.",
        "en": "The certificate was not issued by a trusted certification authority.",
    },
    VerificationCode.CERT_EXPIRED: {
        "kk": "Сертификаттың қолданылу мерзімі өтіп кеткен.",
        "ru": "Срок действия сертификата истёк.",
        "en": "The certificate has expired.",
    },
    VerificationCode.CERT_NOT_YET_VALID: {
        "kk": "Сертификаттың қолданылу мерзімі әлі басталған жоқ.",
        "ru": "Срок действия сертификата ещё не наступил.",
        "en": "The certificate is not yet valid.",
    },
    VerificationCode.CERT_REVOKED: {
        "kk": "Сертификат кері қайтарылған.",
        "ru": "Сертификат отозван.",
        "en": "The certificate has been revoked.",
    },
    VerificationCode.REVOCATION_UNKNOWN: {
        "kk": "Сертификаттың кері қайтарылу мәртебесін тексеру мүмкін болмады.",
        "ru": "Не удалось проверить статус отзыва сертификата.",  # noqa: RUF001
        "en": "The certificate's revocation status could not be checked.",
    },
    VerificationCode.WRONG_KEY_USAGE: {
        "kk": "Бұл кілт құжаттарға қол қоюға арналмаған.",
        "ru": "Этот ключ не предназначен для подписания документов.",
        "en": "This key is not meant for signing documents.",
    },
    VerificationCode.SUBJECT_MISMATCH: {
        "kk": "Өтініштегі ЖСН/БСН сертификаттағы ЖСН/БСН-ға сәйкес келмейді.",
        "ru": "ИИН/БИН в заявке не совпадает с ИИН/БИН в сертификате.",  # noqa: RUF001
        "en": "The IIN/BIN in the request is not the one in the certificate.",
    },
}


def message(code: VerificationCode, language: Language = "en") -> str:
    return MESSAGES[code][language]
