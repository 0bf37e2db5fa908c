// Settings › Channels (#/settings/channels, owners and admins): the account's Microsoft Teams and Slack incoming webhooks.
// The URL is a secret: the API never returns it, only whether one is set and its last 4 characters.
import { el } from "./dom.js";
import { when } from "./format.js";
import { enterScreen, runAction, screenHeading, toolForm } from "./tool_forms.js";

const PROVIDERS = {
  teams: {
    name: "Microsoft Teams",
    how: "In Teams: the channel's ⋯ › Workflows › “Post to a channel when a webhook request is received”, then copy the URL it shows.",
    placeholder: "https://….webhook.office.com/… or https://….logic.azure.com/…",
  },
  slack: {
    name: "Slack",
    how: "In Slack: create an app with Incoming Webhooks on, add a webhook to the channel, then copy its URL.",
    placeholder: "https://hooks.slack.com/services/…",
  },
};
const PATH = "/api/v1/account/integrations";

function describeLast(delivery) {
  if (!delivery) return "Nothing sent yet.";
  const what = delivery.event_id ? "Last message" : "Last test message";
  const outcome = { delivered: "delivered", rejected: "refused (not retried)", retrying: "failed, being retried" }[delivery.outcome];
  return `${what} ${when(delivery.at)}: ${outcome}. ${delivery.detail}`;
}

export class ChannelsScreen {
  constructor(section, api) {
    this.section = section;
    this.api = api;
    this.forms = {};
    screenHeading(
      section, "channels-title", "Channels",
      "New, escalated and overdue escalations are also posted to your team's chat, with a link that opens them with Pick Up. " +
        "Paste the channel's incoming-webhook URL; it is stored encrypted and never shown again (only its last 4 characters).",
    );
    for (const channel of Object.keys(PROVIDERS)) section.append(this.channelForm(channel));
  }

  channelForm(channel) {
    const provider = PROVIDERS[channel];
    const id = (part) => `channel-${channel}-${part}`;
    const state = el("p", { id: id("state"), className: "channel-state" });
    const last = el("p", { id: id("last"), className: "channel-last" });
    const input = el("input", {
      id: id("url"), name: "webhook_url", type: "url", required: true, autocomplete: "off", spellcheck: false,
      placeholder: provider.placeholder,
    });
    input.setAttribute("aria-describedby", `${id("how")} ${id("state")}`);
    const { form, message, save, test, remove } = toolForm(id, provider.name, {
      lines: [state, last],
      fields: [
        el("label", { htmlFor: id("url"), textContent: `${provider.name} incoming-webhook URL` }),
        el("p", { id: id("how"), className: "hint", textContent: provider.how }),
        input,
      ],
      buttons: { save: "Save", test: "Send a test message", remove: "Remove" },
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run(channel, "Saving…", async () => {
        await this.api.request("PUT", `${PATH}/${channel}`, { webhook_url: input.value.trim() });
        input.value = "";
        return `Saved. ${provider.name} will get new and overdue escalations.`;
      });
    });
    test.addEventListener("click", () => this.run(channel, "Sending a test message…", async () => {
      const { data } = await this.api.request("POST", `${PATH}/${channel}/test`);
      return { text: data.detail, tone: data.delivered ? "ok" : "error" };
    }));
    remove.addEventListener("click", () => this.run(channel, "Removing…", async () => {
      await this.api.request("DELETE", `${PATH}/${channel}`);
      return `Removed. Nothing more goes to ${provider.name}.`;
    }));
    this.forms[channel] = { form, input, state, last, message, save, test, remove };
    return form;
  }

  // One action at a time (its buttons disabled meanwhile), then what the server answered.
  run(channel, busy, action) {
    const parts = this.forms[channel];
    const lock = [parts.save, parts.test, parts.remove];
    return runAction(parts, busy, action, { reload: () => this.refresh(), what: "the settings", lock });
  }

  async refresh() {
    const { data } = await this.api.request("GET", PATH);
    for (const [channel, parts] of Object.entries(this.forms)) {
      const integration = data[channel];
      const provider = PROVIDERS[channel];
      parts.form.dataset.configured = String(integration.configured);
      parts.state.textContent = integration.configured
        ? `Set: a URL ending in …${integration.last4}, by ${integration.updated_by_name} on ${when(integration.updated_at)}.`
        : `Not set: nothing goes to ${provider.name}.`;
      parts.last.textContent = integration.configured ? describeLast(integration.last_delivery) : "";
      parts.last.dataset.outcome = integration.last_delivery ? integration.last_delivery.outcome : "";
      parts.save.textContent = integration.configured ? "Replace" : "Save";
      parts.test.hidden = parts.remove.hidden = !integration.configured;
    }
  }

  enter() {
    return enterScreen(this.section, "#channels-title", () => this.refresh(), Object.values(this.forms));
  }
}
