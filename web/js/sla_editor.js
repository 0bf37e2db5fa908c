// The SLA policy's clocks (Team & SLA, owners and admins): each priority's steps (P1-P4, "like the ladder" or
// its own, around the clock or not) and the business hours (a time zone, open hours per weekday, days off).
// Minutes here, seconds in the API (PUT /api/v1/account/policy): `read()` gives the policy's `priorities` and
// `business_hours` for the team page's save, `fill(policy)` shows what the server answered.
import { el } from "./dom.js";

export const PRIORITIES = ["P1", "P2", "P3", "P4"];
export const STEPS = ["remind_after_s", "escalate_after_s", "repeat_every_s"];
const PRIORITY_NAMES = { P1: "P1, the most urgent", P2: "P2", P3: "P3", P4: "P4, the least urgent" };
const MIN_STEP_S = 30;
const DAYS = [
  ["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"],
  ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"],
];
const WEEKDAYS = DAYS.slice(0, 5).map(([day]) => day);
const STEP_LABELS = {
  remind_after_s: ["Level 1 after", "minutes open"],
  escalate_after_s: ["Level 2", "minutes after level 1"],
  repeat_every_s: ["Then one more level every", "minutes"],
};

// Seconds as minutes for a number input ("0.5", "5", "1.25") and back (whole seconds, as the API takes them).
export const toMinutes = (seconds) => String(Math.round((seconds / 60) * 100) / 100);
export const toSeconds = (minutes) => Math.round(Number(minutes) * 60);

// What the server gives a priority left out: P1 half of each step (at least 30 s) and around the clock; P2-P4 the
// ladder's own steps.
export function derived(priority, steps) {
  const own = (name) => (priority === "P1" ? Math.max(MIN_STEP_S, Math.floor(steps[name] / 2)) : steps[name]);
  return { ...Object.fromEntries(STEPS.map((name) => [name, own(name)])), always_on: priority === "P1" };
}

const sameSteps = (a, b) => [...STEPS, "always_on"].every((name) => a[name] === b[name]);

// "Sat 26 Dec 2026": a day off as people say it.
export const dayText = (day) => new Date(`${day}T12:00:00Z`).toLocaleDateString("en-GB", {
  weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
}).replace(",", "");

// The IANA zones this browser knows, by region ("Europe" → "Berlin"), UTC first.
function zoneOptions(current) {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zones = [...new Set([...known, current].filter((zone) => zone && zone !== "UTC"))].sort();
  const groups = new Map();
  for (const zone of zones) {
    const [region, ...place] = zone.split("/");
    const label = place.length ? region : "Other";
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(el("option", { value: zone, textContent: (place.length ? place.join(" / ") : zone).replaceAll("_", " ") }));
  }
  return [
    el("option", { value: "UTC", textContent: "UTC (no summer time)" }),
    ...[...groups].map(([label, options]) => el("optgroup", { label }, ...options)),
  ];
}

export class SlaEditor {
  // `root`: where the editor is drawn (inside the policy form); `steps()`: the ladder's steps (seconds) as typed.
  constructor(root, steps) {
    this.root = root;
    this.steps = steps;
    this.holidays = [];
    this.drawn = {};
    root.replaceChildren(this.drawPriorities(), this.drawHours());
  }

  // --- each priority's clock -------------------------------------------------------------------------------
  drawPriorities() {
    return el(
      "fieldset", { className: "sla-priorities" },
      el("legend", { textContent: "Each priority's clock" }),
      el("p", { className: "hint", textContent: 'A priority "like the ladder" climbs by the steps above; P1 by half of each, around the clock. Give one its own steps to set them here.' }),
      el("div", { className: "priority-grid" }, ...PRIORITIES.map((priority) => this.drawPriority(priority))),
    );
  }

  drawPriority(priority) {
    const id = (what) => `prio-${priority}-${what}`;
    const own = el("input", { type: "checkbox", id: id("own"), name: id("own") });
    own.addEventListener("change", () => this.follow(priority));
    const fields = STEPS.map((name) => {
      const [label, unit] = STEP_LABELS[name];
      return el(
        "div", { className: "field" },
        el("label", { htmlFor: id(name) }, `${label} `, el("span", { className: "optional", textContent: unit })),
        el("input", { id: id(name), name: id(name), type: "number", min: "0.5", max: "10080", step: "any", required: true, inputMode: "decimal" }),
      );
    });
    const always = el("input", { type: "checkbox", id: id("always"), name: id("always") });
    return el(
      "fieldset", { className: "priority-steps", id: id("steps") },
      el("legend", { textContent: PRIORITY_NAMES[priority] }),
      el("div", { className: "check" }, own, el("label", { htmlFor: own.id, textContent: `Own steps for ${priority}` })),
      el("p", { className: "hint", id: id("hint") }),
      ...fields,
      el("div", { className: "check" }, always, el("label", { htmlFor: always.id, textContent: "Around the clock (also outside business hours)" })),
    );
  }

  // A priority without its own steps shows, disabled, the ones it gets from the ladder as typed now.
  follow(priority) {
    const own = this.input(priority, "own").checked;
    const hint = this.root.querySelector(`#prio-${priority}-hint`);
    hint.textContent = own ? "" : (priority === "P1" ? "Like the ladder: half of each step, around the clock." : "Like the ladder.");
    for (const name of [...STEPS, "always"]) this.input(priority, name).disabled = !own;
    if (own) return;
    const steps = this.steps();
    if (STEPS.some((name) => !Number.isFinite(steps[name]) || steps[name] <= 0)) return;
    const like = derived(priority, steps);
    for (const name of STEPS) this.input(priority, name).value = toMinutes(like[name]);
    this.input(priority, "always").checked = like.always_on;
  }

  // The ladder's steps changed: the priorities that follow it show the new ones.
  ladderChanged() {
    for (const priority of PRIORITIES) if (!this.input(priority, "own").checked) this.follow(priority);
  }

  input(priority, name) { return this.root.querySelector(`#prio-${priority}-${name}`); }

  // --- business hours --------------------------------------------------------------------------------------
  drawHours() {
    const choice = (value, text) => {
      const radio = el("input", { type: "radio", id: `hours-${value}`, name: "hours", value });
      radio.addEventListener("change", () => this.showHours());
      return el("div", { className: "check" }, radio, el("label", { htmlFor: radio.id, textContent: text }));
    };
    this.zone = el("select", { id: "hours-zone", name: "time_zone" });
    this.dayInput = el("input", { type: "date", id: "holiday-new" });
    const addDay = el("button", { type: "button", className: "secondary", id: "holiday-add", textContent: "Add the day off" });
    addDay.addEventListener("click", () => this.addHoliday());
    this.dayInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); this.addHoliday(); }
    });
    this.holidayList = el("ul", { className: "holidays", id: "holidays" });
    this.holidayMessage = el("p", { className: "message", id: "holiday-message", role: "status" });
    this.detail = el(
      "div", { id: "hours-detail" },
      el("label", { htmlFor: "hours-zone" }, "Time zone ", el("span", { className: "optional", textContent: "the hours below, and the times in messages and emails" })),
      this.zone,
      el(
        "fieldset", { className: "week" },
        el("legend", { textContent: "Open hours each week" }),
        el("p", { className: "hint", textContent: "A day without open hours is closed. A closing time of 00:00 is midnight." }),
        ...DAYS.map(([day, name]) => this.drawDay(day, name)),
      ),
      el(
        "fieldset", { className: "days-off" },
        el("legend", { textContent: "Days off" }),
        el("p", { className: "hint", id: "holidays-empty", textContent: "No days off." }),
        this.holidayList,
        el("label", { htmlFor: "holiday-new", textContent: "Add a day off" }),
        el("div", { className: "inline" }, this.dayInput, addDay),
        this.holidayMessage,
      ),
    );
    return el(
      "fieldset", { className: "sla-hours" },
      el("legend", { textContent: "When the clock runs" }),
      choice("off", "Around the clock"),
      choice("on", "In business hours only: it pauses outside them (except priorities set around the clock)"),
      this.detail,
    );
  }

  drawDay(day, name) {
    const spans = el("div", { className: "spans", id: `day-${day}-spans` });
    const add = el("button", { type: "button", className: "secondary", id: `day-${day}-add`, textContent: `Add hours on ${name}` });
    add.addEventListener("click", () => {
      const last = [...spans.querySelectorAll("input")].at(-1);
      this.addSpan(day, name, last ? ["13:00", "18:00"] : ["08:00", "18:00"]).querySelector("input").focus();
    });
    return el(
      "fieldset", { className: "day", id: `day-${day}` },
      el("legend", { textContent: name }),
      spans,
      el("p", { className: "closed", id: `day-${day}-closed`, textContent: "Closed" }),
      add,
    );
  }

  addSpan(day, name, [opens, closes]) {
    const spans = this.root.querySelector(`#day-${day}-spans`);
    this.drawn[day] = (this.drawn[day] || 0) + 1;  // ids stay unique after a removal: day-mon-1-opens, day-mon-2-…
    const n = this.drawn[day];
    const time = (what, value, text) => {
      const id = `day-${day}-${n}-${what}`;
      return el(
        "div", { className: "time" },
        el("label", { htmlFor: id, textContent: text }),
        el("input", { type: "time", id, name: id, value: value === "24:00" ? "00:00" : value, required: true, step: "60" }),
      );
    };
    const remove = el("button", { type: "button", className: "link", textContent: "Remove" });
    remove.setAttribute("aria-label", `Remove these hours on ${name}`);
    const span = el("div", { className: "span" }, time("opens", opens, "Opens"), time("closes", closes, "Closes"), remove);
    const [from, to] = span.querySelectorAll("input");
    const inOrder = () => to.setCustomValidity(
      to.value && to.value !== "00:00" && to.value <= from.value ? "It must close after it opens (00:00 is midnight)." : "",
    );
    from.addEventListener("input", inOrder);
    to.addEventListener("input", inOrder);
    remove.addEventListener("click", () => {
      span.remove();
      this.showClosed(day);
      this.root.querySelector(`#day-${day}-add`).focus();
    });
    spans.append(span);
    this.showClosed(day);
    return span;
  }

  showClosed(day) {
    this.root.querySelector(`#day-${day}-closed`).hidden = this.root.querySelector(`#day-${day}-spans`).children.length > 0;
  }

  // Without business hours their controls are hidden, and disabled so the form's checks skip them.
  showHours() {
    const on = this.root.querySelector("#hours-on").checked;
    this.detail.hidden = !on;
    for (const control of this.detail.querySelectorAll("input, select, button")) control.disabled = !on;
  }

  addHoliday() {
    const day = this.dayInput.value;
    if (!day) {
      this.holidayMessage.textContent = "Choose a date first.";
      this.dayInput.focus();
      return;
    }
    this.holidayMessage.textContent = this.holidays.includes(day) ? `${dayText(day)} is already a day off.` : `${dayText(day)} added.`;
    this.holidays = [...new Set([...this.holidays, day])].sort();
    this.dayInput.value = "";
    this.drawHolidays();
  }

  drawHolidays() {
    this.holidayList.replaceChildren(...this.holidays.map((day) => {
      const remove = el("button", { type: "button", className: "link", textContent: "Remove" });
      remove.setAttribute("aria-label", `Remove ${dayText(day)}`);
      remove.addEventListener("click", () => {
        this.holidays = this.holidays.filter((other) => other !== day);
        this.holidayMessage.textContent = `${dayText(day)} removed.`;
        this.drawHolidays();
        this.dayInput.focus();
      });
      return el("li", {}, el("time", { dateTime: day, textContent: dayText(day) }), " ", remove);
    }));
    this.root.querySelector("#holidays-empty").hidden = this.holidays.length > 0;
    this.holidayList.hidden = this.holidays.length === 0;
  }

  // --- the policy in and out -------------------------------------------------------------------------------
  fill(policy) {
    for (const priority of PRIORITIES) {
      const mine = (policy.priorities || {})[priority];
      const own = Boolean(mine) && !sameSteps(mine, derived(priority, policy));
      this.input(priority, "own").checked = own;
      if (own) {
        for (const name of STEPS) this.input(priority, name).value = toMinutes(mine[name]);
        this.input(priority, "always").checked = mine.always_on;
      }
      this.follow(priority);
    }
    const hours = policy.business_hours;
    this.root.querySelector(hours ? "#hours-on" : "#hours-off").checked = true;
    const zone = hours ? hours.time_zone : (Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
    this.zone.replaceChildren(...zoneOptions(zone));
    this.zone.value = zone;
    const weekly = hours ? hours.weekly : Object.fromEntries(WEEKDAYS.map((day) => [day, [["08:00", "18:00"]]]));
    this.drawn = {};
    for (const [day, name] of DAYS) {
      this.root.querySelector(`#day-${day}-spans`).replaceChildren();
      for (const span of weekly[day] || []) this.addSpan(day, name, span);
      this.showClosed(day);
    }
    this.holidays = hours ? [...hours.holidays] : [];
    this.holidayMessage.textContent = "";
    this.drawHolidays();
    this.showHours();
  }

  // The priorities given their own steps (the others are left out: they follow the ladder's steps saved with them).
  priorities() {
    const own = PRIORITIES.filter((priority) => this.input(priority, "own").checked);
    return Object.fromEntries(own.map((priority) => [priority, {
      ...Object.fromEntries(STEPS.map((name) => [name, toSeconds(this.input(priority, name).value)])),
      always_on: this.input(priority, "always").checked,
    }]));
  }

  businessHours() {
    if (!this.root.querySelector("#hours-on").checked) return null;
    const weekly = {};
    for (const [day] of DAYS) {
      const spans = [...this.root.querySelectorAll(`#day-${day}-spans .span`)].map((span) => {
        const [opens, closes] = [...span.querySelectorAll("input")].map((input) => input.value);
        return [opens, closes === "00:00" ? "24:00" : closes];
      });
      if (spans.length) weekly[day] = spans;
    }
    return { time_zone: this.zone.value, weekly, holidays: this.holidays };
  }

  read() {
    return { priorities: this.priorities(), business_hours: this.businessHours() };
  }
}
