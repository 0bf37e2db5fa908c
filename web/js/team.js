// The team page (#/team): the figures strip on the queue, the week's figures, the SLA policy editor
// (owners and admins) and the desktop notification switch.
import { busy, el, facts } from "./dom.js";
import { NotifyPolicyForm } from "./notify_policy.js";
import { SlaEditor, toMinutes, toSeconds } from "./sla_editor.js";

const seconds = (value) => {
  if (value === null || value === undefined) return "–";
  if (value < 60) return `${Math.round(value)} s`;
  const minutes = Math.floor(value / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(value % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const STEP_FIELDS = ["remind_after_s", "escalate_after_s", "repeat_every_s"];  // minutes in the form, seconds in the API

// "2.5 min", "1 h 30 min": a step as people say it.
const minutesText = (s) => (s < 3600 ? `${toMinutes(s)} min` : `${Math.floor(s / 3600)} h${s % 3600 ? ` ${toMinutes(s % 3600)} min` : ""}`);

// The policy as saved, in one sentence: P1's clock and the business hours.
function policySummary(policy) {
  const p1 = policy.priorities && policy.priorities.P1;
  const parts = [];
  if (p1) parts.push(`P1: level 1 after ${minutesText(p1.remind_after_s)}${p1.always_on ? ", around the clock" : ""}`);
  const hours = policy.business_hours;
  if (hours) {
    const open = DAYS.filter((day) => (hours.weekly[day] || []).length)
      .map((day) => `${day} ${hours.weekly[day].map(([from, to]) => `${from}–${to}`).join(", ")}`);
    parts.push(`the clock runs in business hours (${hours.time_zone}: ${open.join("; ")}${hours.holidays.length ? `; ${hours.holidays.length} days off` : ""}) and pauses outside them`);
  } else parts.push("the clock runs around the clock (no business hours set)");
  return `In force now: ${parts.join("; ")}.`;
}

export class Figures {
  constructor(api) { this.api = api; }
  async load(days) { return (await this.api.request("GET", `/api/v1/account/stats?days=${days}`)).data; }
  async policy() { return (await this.api.request("GET", "/api/v1/account/policy")).data; }
  async setPolicy(policy) { return (await this.api.request("PUT", "/api/v1/account/policy", policy)).data; }
}

// The small strip above the queue: today's escalations, median time to pickup, overdue now.
export class FiguresStrip {
  constructor(root, figures) {
    this.root = root;
    this.figures = figures;
    this.timer = null;
  }

  async refresh() {
    try {
      const today = await this.figures.load(1);
      this.set("today", String(today.escalations));
      this.set("median", seconds(today.median_time_to_pickup_s));
      this.set("overdue", String(today.overdue_now));
      this.root.dataset.overdue = String(today.overdue_now > 0);
      this.root.hidden = false;
    } catch {
      this.root.hidden = true; // figures are a help, never in the way of the queue
    }
  }

  set(name, text) { this.root.querySelector(`[data-figure="${name}"]`).textContent = text; }

  // Many events at once (a busy minute) make one request, a second later.
  soon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 1000);
  }
}

export class TeamPage {
  // `canEditPolicy`: the user's role may change the SLA policy (the server checks it again).
  constructor(root, figures, { canEditPolicy }) {
    this.root = root;
    this.figures = figures;
    this.canEditPolicy = canEditPolicy;
    this.form = root.querySelector("#policy-form");
    this.form.addEventListener("submit", (event) => this.save(event));
    this.editor = new SlaEditor(root.querySelector("#sla-editor"), () => this.steps());
    for (const name of STEP_FIELDS) this.form.elements[name].addEventListener("input", () => this.editor.ladderChanged());
    this.notify = canEditPolicy ? new NotifyPolicyForm(figures) : null;
  }

  async enter() {
    const message = this.root.querySelector("#team-message");
    message.textContent = "";
    try {
      this.renderWeek(await this.figures.load(7));
    } catch (error) {
      message.textContent = `Could not load the figures: ${error.message}`;
    }
    this.root.querySelector("#policy").hidden = !this.canEditPolicy;
    this.root.querySelector("#notify-policy").hidden = !this.canEditPolicy;
    if (this.canEditPolicy) {
      try {
        const policy = await this.figures.policy();
        this.fill(policy);
        this.notify.fill(policy);
      } catch (error) {
        message.textContent = `Could not load the SLA policy: ${error.message}`;
      }
    }
  }

  renderWeek(week) {
    const rows = [
      ["Escalations", week.escalations],
      ["Picked up", week.claimed],
      ["Median time to pickup", seconds(week.median_time_to_pickup_s)],
      ["90th percentile time to pickup", seconds(week.p90_time_to_pickup_s)],
      ["Went overdue", week.overdue],
      ["Overdue now", week.overdue_now],
    ];
    facts(this.root.querySelector("#week"), rows.map(([label, value]) => [label, String(value)]));
    this.root.querySelector("#claims tbody").replaceChildren(
      ...week.claims_per_engineer.map((row) => el(
        "tr", {}, el("td", { textContent: row.name || row.user_id }), el("td", { textContent: String(row.claims) }),
      )),
    );
    this.root.querySelector("#claims-empty").hidden = week.claims_per_engineer.length > 0;
  }

  fill(policy) {
    for (const name of STEP_FIELDS) this.form.elements[name].value = toMinutes(policy[name]);
    this.form.elements.max_level.value = String(policy.max_level);
    this.editor.fill(policy);
    this.root.querySelector("#policy-summary").textContent = policySummary(policy);
  }

  // The ladder's steps as typed, in seconds.
  steps() {
    return Object.fromEntries(STEP_FIELDS.map((name) => [name, toSeconds(this.form.elements[name].value)]));
  }

  async save(event) {
    event.preventDefault();
    const status = this.root.querySelector("#policy-message");
    // The whole policy but who is emailed (left out, it stays as it is): the PUT replaces the rest.
    const policy = { ...this.steps(), max_level: Number(this.form.elements.max_level.value), ...this.editor.read() };
    const done = busy(this.form.querySelector("button[type=submit]"), "Saving…");
    try {
      this.fill(await this.figures.setPolicy(policy));
      status.dataset.tone = "ok";
      status.textContent = "Saved: it applies from each escalation's next deadline.";
    } catch (error) {
      status.dataset.tone = "error";
      status.textContent = error.message;
    } finally {
      done();
    }
    status.focus();
  }
}
