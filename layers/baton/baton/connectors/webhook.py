"""What the incoming-webhook connectors share: the settings they show and where their URL lives."""

from __future__ import annotations

from pydantic import Field

from baton.connectors.declaration import SecretLocation
from baton.domain.modeling import Model

# The URL is the secret: an SSM SecureString `<INTEGRATIONS_PARAMETER_PATH>/<account_id>/<connector>`.
WEBHOOK_URL = SecretLocation(root_setting="integrations_parameter_path", field="webhook_url")


class WebhookSettings(Model):
    """A webhook connector's settings as anyone allowed may see them: never the URL."""

    last4: str | None = Field(default=None, description="The URL's last 4 characters, to tell which one is set.")
