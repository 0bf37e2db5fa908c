// How times and handoffs read: dates, clocks and waiting times, a handoff's kind, its SLA state and
// where it stands. Words only: no DOM, so every screen says the same thing the same way.

// "3 Mar, 14:05": a moment of today's work (timelines, cards, channels).
export function when(iso) {
  return new Date(iso).toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

// "Mar 3, 2026, 2:05 PM": a date further away (invitations, their expiry).
export function dateTime(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function minutesText(minutes) {
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function waitingFor(createdAt, now = Date.now()) {
  return `waiting ${minutesText(Math.max(0, Math.floor((now - Date.parse(createdAt)) / 60000)))}`;
}

export function kind(handoff) {
  return handoff.intent === "escalate" ? "escalation" : "parked session";
}

// The SLA state of an open handoff from the server's `due_at` / `overdue_level`: a tone for the
// colour and a sentence that says the same without it. Null when there is no clock to show.
export function sla(handoff, now = Date.now()) {
  if (handoff.status !== "open") return null;
  if (handoff.overdue_level > 0) {
    const next = handoff.due_at ? `; next step in ${minutesText(Math.max(0, Math.ceil((Date.parse(handoff.due_at) - now) / 60000)))}` : "";
    return { tone: "overdue", text: `Overdue, level ${handoff.overdue_level}${next}` };
  }
  if (!handoff.due_at) return null;
  const left = Math.ceil((Date.parse(handoff.due_at) - now) / 60000);
  if (left <= 0) return { tone: "overdue", text: "SLA due now" };
  return { tone: left <= 2 ? "soon" : "ok", text: `SLA: ${minutesText(left)} left` };
}

// Where a handoff stands, as one sentence for the people who handed it off or hold it.
export function standing(handoff, me) {
  const who = (id, name) => (id === me.id ? "you" : name || "someone");
  if (handoff.status === "claimed") return `Picked up by ${who(handoff.claimed_by, handoff.claimed_by_name)} at ${clock(handoff.claimed_at)}`;
  if (handoff.status === "resolved") return `Resolved by ${who(handoff.claimed_by, handoff.claimed_by_name)} at ${clock(handoff.resolved_at || handoff.updated_at)}`;
  if (handoff.status === "withdrawn") return `Withdrawn at ${clock(handoff.updated_at)}`;
  return `Waiting for a senior, ${waitingFor(handoff.created_at).replace("waiting ", "")}`;
}

// A sentence with `{field}` placeholders, filled from `values` (e.g. "Handed to {claimed_by_name}.").
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, field) => (values[field] ?? "").toString());
}
