// Chat links (#/profile/chat-links, every member): who you are in Slack and Teams. "Link Slack" / "Link Teams" asks the API
// for a single-use code (10 minutes) to send to the bot; once the bot has it, that chat user's clicks on baton's
// buttons act as you (your role still decides what they may do).
import { el } from "./dom.js";
import { when } from "./format.js";

const PATH = "/api/v1/me/chat-links";
const TOOLS = {
  slack: { name: "Slack", button: "Link Slack" },
  teams: { name: "Microsoft Teams", button: "Link Teams" },
};

export class ChatLinksScreen {
  constructor(section, api, me) {
    this.section = section;
    this.api = api;
    this.parts = {};
    section.replaceChildren(
      el("h2", { id: "chat-links-title", tabIndex: -1, textContent: "Chat links" }),
      el("p", { id: "chat-links-who", textContent: `${me.display_name} (${me.email}) · ${me.role} in ${me.account_id}` }),
      el("p", {
        className: "hint",
        textContent: "Link your chat user once to pick up, release and resolve escalations from baton's messages in Slack or Teams.",
      }),
    );
    for (const tool of Object.keys(TOOLS)) section.append(this.linkRow(tool));
  }

  linkRow(tool) {
    const id = (part) => `link-${tool}-${part}`;
    const state = el("p", { id: id("state"), className: "channel-state" });
    const code = el("p", { id: id("code"), className: "link-code", role: "status" });
    const start = el("button", { type: "button", id: id("start"), textContent: TOOLS[tool].button });
    const remove = el("button", { type: "button", id: id("remove"), className: "secondary", textContent: "Unlink" });
    start.addEventListener("click", () => this.run(tool, async () => {
      const { data } = await this.api.request("POST", `${PATH}/${tool}`);
      return `Your code: ${data.code} (until ${when(data.expires_at)}). ${data.instruction}`;
    }));
    remove.addEventListener("click", () => this.run(tool, async () => {
      await this.api.request("DELETE", `${PATH}/${tool}`);
      return `Unlinked: your ${TOOLS[tool].name} user's clicks no longer act as you.`;
    }));
    this.parts[tool] = { state, code, start, remove };
    const row = el("div", { className: "channel", id: id("row") }, el("h4", { textContent: TOOLS[tool].name }), state,
      el("div", { className: "actions" }, start, remove), code);
    return row;
  }

  async run(tool, action) {
    const parts = this.parts[tool];
    let text;
    try {
      text = await action();
      parts.code.dataset.tone = "ok";
    } catch (error) {
      text = error.message;
      parts.code.dataset.tone = "error";
    }
    parts.code.textContent = text;
    await this.refresh().catch(() => {});
  }

  async refresh() {
    const { data } = await this.api.request("GET", PATH);
    for (const [tool, parts] of Object.entries(this.parts)) {
      const link = data.find((found) => found.provider === tool);
      parts.state.textContent = link ? `Linked on ${when(link.linked_at)} (user ${link.external_id}).` : "Not linked.";
      parts.remove.hidden = !link;
      parts.start.textContent = link ? "Link again (new code)" : TOOLS[tool].button;
    }
  }

  async enter() {
    this.section.hidden = false;
    try {
      await this.refresh();
    } catch (error) {
      for (const parts of Object.values(this.parts)) parts.state.textContent = error.message;
    }
  }
}
