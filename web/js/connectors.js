// Settings › Connectors (#/settings/connectors, owners and admins): the account's PSA connectors (ConnectWise PSA,
// Autotask, HaloPSA): connect (the server checks the keys with the PSA and registers its callback), test, remove, each
// one's last delivery (a note on a ticket) and last inbound call (a ticket change), and its member map.
// Keys are secrets: sent once, stored encrypted, never shown again.
import { el } from "./dom.js";
import { when } from "./format.js";
import { enterScreen, runAction, screenHeading, toolForm } from "./tool_forms.js";

// Each PSA's settings and secrets, as its connector declares them (GET /api/v1/openapi.json: ConnectorSet).
const PSAS = {
  connectwise: {
    name: "ConnectWise PSA",
    how: "In ConnectWise: System › Members › API Members: a member for baton, then its API Keys tab. The client id comes from developer.connectwise.com.",
    settings: [
      ["site", "Site (API host)", "api-na.myconnectwise.net"],
      ["company_id", "Company id", "the company you sign in with"],
      ["escalation_status", "Escalation status", "Escalate to T2"],
      ["api_member", "API member identifier (optional)", "baton"],
    ],
    secrets: [
      ["public_key", "Public key"],
      ["private_key", "Private key"],
      ["client_id", "Client id"],
    ],
    connected: (settings) => `Connected to ${settings.site} (company ${settings.company_id}); escalation status “${settings.escalation_status}”.`,
  },
  autotask: {
    name: "Autotask",
    how: "In Autotask: Admin › Resources/Users: an API user (API-only security level) with an API tracking identifier; its zone URL comes from zoneInformation.",
    settings: [
      ["zone_url", "Zone URL", "https://webservices5.autotask.net/atservicesrest/"],
      ["escalation_status_id", "Escalation status id", "14"],
      ["resource_role_id", "Role id for assigned resources", "29683459"],
      ["api_resource_id", "baton's API user resource id (optional)", ""],
    ],
    secrets: [
      ["integration_code", "Integration code (API tracking identifier)"],
      ["username", "API user name"],
      ["secret", "API user secret"],
    ],
    connected: (settings) => `Connected to ${settings.zone_url}; escalation status id ${settings.escalation_status_id}.`,
  },
  halopsa: {
    name: "HaloPSA",
    how: "In Halo: Configuration › Integrations › HaloPSA API › View Applications › New: Client ID and Secret (client credentials), permissions: tickets (read/write), actions, agents, webhooks.",
    settings: [
      ["base_url", "Halo address", "https://yourmsp.halopsa.com"],
      ["tenant", "Tenant (hosted Halo, optional)", ""],
      ["escalation_status_id", "Escalation status id", "21"],
      ["api_agent_id", "Agent id of the API application (optional)", ""],
    ],
    secrets: [
      ["client_id", "Client id"],
      ["client_secret", "Client secret"],
    ],
    connected: (settings) => `Connected to ${settings.base_url}; escalation status id ${settings.escalation_status_id}.`,
  },
};
const PATH = "/api/v1/account/connectors";

function describeDelivery(delivery) {
  if (!delivery) return "No note written yet.";
  const outcome = { delivered: "written", rejected: "refused (not retried)", retrying: "failed, being retried" }[delivery.outcome];
  return `Last note ${when(delivery.at)}: ${outcome}. ${delivery.detail}`;
}

function describeInbound(inbound) {
  if (!inbound) return "No ticket change received yet.";
  return `Last ticket change ${when(inbound.at)}: ${inbound.outcome}. ${inbound.detail}`;
}

export class ConnectorsScreen {
  constructor(section, api) {
    this.section = section;
    this.api = api;
    this.parts = {};
    screenHeading(
      section, "connectors-title", "Connectors",
      "Link baton to your PSA: a ticket moved to the escalation status becomes an escalation here, and every " +
        "pickup, reassign and resolution is written back to the ticket as an internal note.",
    );
    for (const name of Object.keys(PSAS)) section.append(this.connectorForm(name));
  }

  connectorForm(name) {
    const psa = PSAS[name];
    const id = (part) => `connector-${name}-${part}`;
    const field = ([key, label, placeholder], secret) => {
      const input = el("input", {
        id: id(key), name: key, type: secret ? "password" : "text", autocomplete: "off", spellcheck: false,
        placeholder: placeholder || "", required: !label.includes("optional"),
      });
      return [el("label", { htmlFor: id(key), textContent: label }), input];
    };
    const settingFields = psa.settings.map((entry) => field(entry, false));
    const secretFields = psa.secrets.map((entry) => field(entry, true));
    const state = el("p", { id: id("state"), className: "channel-state" });
    const last = el("p", { id: id("last"), className: "channel-last" });
    const inbound = el("p", { id: id("inbound"), className: "channel-last" });
    const members = el("div", { id: id("members"), className: "member-map" });
    const { form, message, save, test, remove } = toolForm(id, psa.name, {
      lines: [state, last, inbound, el("p", { id: id("how"), className: "hint", textContent: psa.how })],
      fields: [...settingFields.flat(), ...secretFields.flat()],
      buttons: { save: "Connect", test: "Test the connection", remove: "Disconnect" },
      after: [members],
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const read = (fields) => Object.fromEntries(
        fields.map(([, input]) => [input.name, input.value.trim()]).filter(([, value]) => value !== ""),
      );
      this.run(name, "Connecting… (baton checks the keys with the PSA)", async () => {
        await this.api.request("PUT", `${PATH}/${name}`, { settings: read(settingFields), secrets: read(secretFields) });
        for (const [, input] of secretFields) input.value = "";
        return `Connected. Tickets moved to the escalation status will appear in the queue.`;
      });
    });
    test.addEventListener("click", () => this.run(name, "Calling the PSA…", async () => {
      const { data } = await this.api.request("POST", `${PATH}/${name}/test`);
      return { text: data.detail, tone: data.ok ? "ok" : "error" };
    }));
    remove.addEventListener("click", () => this.run(name, "Disconnecting…", async () => {
      await this.api.request("DELETE", `${PATH}/${name}`);
      return `Disconnected. baton's callback is removed from ${psa.name}.`;
    }));
    this.parts[name] = { form, state, last, inbound, message, save, test, remove, members, settingFields };
    return form;
  }

  run(name, busy, action) {
    return runAction(this.parts[name], busy, action, { reload: () => this.refresh(), what: "the connectors" });
  }

  async refresh() {
    const { data } = await this.api.request("GET", PATH);
    for (const connector of data) {
      const parts = this.parts[connector.name];
      if (!parts) continue;
      const psa = PSAS[connector.name];
      parts.form.dataset.configured = String(connector.configured);
      parts.state.textContent = connector.configured
        ? psa.connected(connector.settings)
        : `Not connected: ${psa.name} tickets do not reach baton.`;
      parts.last.textContent = connector.configured ? describeDelivery(connector.last_delivery) : "";
      parts.last.dataset.outcome = connector.last_delivery ? connector.last_delivery.outcome : "";
      parts.inbound.textContent = connector.configured ? describeInbound(connector.last_inbound) : "";
      parts.inbound.dataset.outcome = connector.last_inbound ? connector.last_inbound.outcome : "";
      for (const [, input] of parts.settingFields) {
        if (connector.configured && connector.settings[input.name] !== undefined && connector.settings[input.name] !== null) {
          input.value = connector.settings[input.name];
        }
      }
      parts.save.textContent = connector.configured ? "Save and reconnect" : "Connect";
      parts.test.hidden = parts.remove.hidden = !connector.configured;
      if (connector.configured) await this.showMembers(connector.name);
      else parts.members.replaceChildren();
    }
  }

  // The member map: each baton member and the PSA member their pickups set as the ticket's owner.
  async showMembers(name) {
    const parts = this.parts[name];
    const { data } = await this.api.request("GET", `${PATH}/${name}/members`);
    const id = (part) => `connector-${name}-${part}`;
    const choices = [["", "(not mapped)"], ...data.directory.map((m) => [m.external_id, `${m.name || m.external_id}${m.email ? ` <${m.email}>` : ""}`])];
    const rows = data.members.map((row) => {
      const select = el("select", { id: id(`member-${row.user_id}`), name: row.user_id });
      for (const [value, label] of choices) select.append(el("option", { value, textContent: label, selected: value === (row.external_id || "") }));
      const how = row.matched_by ? ` (${row.matched_by === "email" ? "matched by email" : "set by hand"})` : "";
      return el("tr", {},
        el("th", { scope: "row" }, el("label", { htmlFor: select.id, textContent: `${row.display_name} <${row.email}>` })),
        el("td", {}, select, el("span", { className: "hint", textContent: how })));
    });
    const unmatched = data.unmatched.length;
    const saveMap = el("button", { type: "button", id: id("save-members"), className: "secondary", textContent: "Save the member map" });
    saveMap.addEventListener("click", () => this.run(name, "Saving the member map…", async () => {
      const members = [...parts.members.querySelectorAll("select")]
        .filter((select) => select.value)
        .map((select) => ({ user_id: select.name, external_id: select.value }));
      await this.api.request("PUT", `${PATH}/${name}/members`, { members });
      return "Member map saved.";
    }));
    parts.members.replaceChildren(
      el("h4", { id: id("members-title"), textContent: "Member map" }),
      el("p", { className: "hint", textContent: unmatched
        ? `${unmatched} member(s) are not mapped: their pickups write a note but leave the ticket's owner as it was.`
        : "Every member is mapped." }),
      el("table", { className: "member-table" }, el("tbody", {}, ...rows)),
      el("div", { className: "actions" }, saveMap),
    );
  }

  enter() {
    return enterScreen(this.section, "#connectors-title", () => this.refresh(), Object.values(this.parts));
  }
}
