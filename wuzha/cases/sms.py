"""The SMS edge for emergency alerts.

`core.notify` has no SMS channel yet, so the emergency lane talks to an `SmsProvider` chosen by
`settings.CASES_SMS_PROVIDER` (a dotted path). The default writes the message to the log, which is
what a deployment without an SMS contract gets; a real provider (a carrier's or a cloud vendor's
API) implements `send` and raises `SmsError` on failure so the attempt is recorded and retried.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("wuzha.cases.sms")


class SmsError(Exception):
    pass


class SmsProvider(Protocol):
    def send(self, mobile: str, text: str) -> None:
        """Send `text` to `mobile`; raise SmsError when the provider refuses it."""


class LoggingSmsProvider:
    """Writes each message to the `wuzha.cases.sms` log instead of sending it."""

    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mobile, text)


def get_provider() -> SmsProvider:
    provider: SmsProvider = import_string(settings.CASES_SMS_PROVIDER)()
    return provider
