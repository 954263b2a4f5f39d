"""The НУЦ and the registries' pages for the RA operators and registrars (``router``), their
forms (``forms``), texts in kk/ru/en (``texts``) and templates."""
