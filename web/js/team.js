// The team page (#/team): the figures strip on the queue, the week's figures, the SLA policy editor
// (owners and admins) and the desktop notification switch.
import { el, facts } from "./dom.js";
import { NotifyPolicyForm } from "./notify_policy.js";

const seconds = (value) => {
  if (value === null || value === undefined) return "–";
  if (value < 60) return `${Math.round(value)} s`;
  const minutes = Math.floor(value / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(value % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

const FIELDS = ["remind_after_s", "escalate_after_s", "repeat_every_s", "max_level"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// The priorities set on purpose: those unlike the defaults the server derives from the account's steps (P1: half of
// each step, always on; P2-P4: the steps). The others are left out, so they follow the steps saved with them.
function overrides(policy) {
  const steps = ["remind_after_s", "escalate_after_s", "repeat_every_s"];
  const derived = (priority) => ({
    ...Object.fromEntries(steps.map((name) => [name, priority === "P1" ? Math.max(30, Math.floor(policy[name] / 2)) : policy[name]])),
    always_on: priority === "P1",
  });
  const same = (a, b) => [...steps, "always_on"].every((name) => a[name] === b[name]);
  return Object.fromEntries(Object.entries(policy.priorities || {}).filter(([priority, own]) => !same(own, derived(priority))));
}

// The rest of the policy (set through the API), in one sentence: priorities and business hours.
function policySummary(policy) {
  const p1 = policy.priorities && policy.priorities.P1;
  const parts = [];
  if (p1) parts.push(`P1: level 1 after ${p1.remind_after_s} s${p1.always_on ? ", around the clock" : ""}`);
  const hours = policy.business_hours;
  if (hours) {
    const open = DAYS.filter((day) => (hours.weekly[day] || []).length)
      .map((day) => `${day} ${hours.weekly[day].map(([from, to]) => `${from}–${to}`).join(", ")}`);
    parts.push(`the clock runs in business hours (${hours.time_zone}: ${open.join("; ")}${hours.holidays.length ? `; ${hours.holidays.length} days off` : ""}) and pauses outside them`);
  } else parts.push("the clock runs around the clock (no business hours set)");
  return `${parts.join("; ")}.`;
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
    this.current = policy;
    for (const name of FIELDS) this.form.elements[name].value = String(policy[name]);
    this.root.querySelector("#policy-summary").textContent = policySummary(policy);
  }

  async save(event) {
    event.preventDefault();
    const status = this.root.querySelector("#policy-message");
    // The steps and the cap from the form; the priorities and business hours as they are (the PUT replaces the policy).
    const kept = this.current ? { business_hours: this.current.business_hours, priorities: overrides(this.current) } : {};
    const policy = { ...kept, ...Object.fromEntries(FIELDS.map((name) => [name, Number(this.form.elements[name].value)])) };
    try {
      this.fill(await this.figures.setPolicy(policy));
      status.dataset.tone = "ok";
      status.textContent = "Saved: it applies from each escalation's next deadline.";
    } catch (error) {
      status.dataset.tone = "error";
      status.textContent = error.message;
    }
    status.focus();
  }
}
