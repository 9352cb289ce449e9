"""The application core: config, i18n, access rules, domain logic and app assembly."""
