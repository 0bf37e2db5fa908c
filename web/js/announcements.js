// What a pushed change means to the signed-in user: whether it is an arrival to draw their eye to
// (a card that slides in, the "N new" pill), and what the screen reader is told (and the tab's
// title flashes) about it. A change is the store's {handoff, known, event}.
import { announce, flashTitle, showNotice } from "./dom.js";
import { kind, when } from "./format.js";

// Arrivals are pushed by others: what the user's own answers bring is never news to them.
export function arrival({ handoff, known, event }, me) {
  const mine = handoff.status === "claimed" && handoff.claimed_by === me.id;
  const wasMine = known && known.status === "claimed" && known.claimed_by === me.id;
  return {
    inQueue: Boolean(event) && handoff.status === "open" && (!known || known.status !== "open"),
    toMe: Boolean(event) && mine && !wasMine && (!event.actor || event.actor.id !== me.id),
  };
}

export function tell(change, me) {
  const { handoff, known, event } = change;
  if (!event) return;
  const { inQueue, toMe } = arrival(change, me);
  const what = `the ${kind(handoff)} from ${handoff.created_by_name}`;
  const by = event.actor ? event.actor.name : "someone";
  const myOwn = handoff.created_by === me.id;
  if (toMe) {
    announce(`${by} handed you ${what}. It is under “Picked up by you”.`);
    flashTitle("Handed to you");
  } else if (myOwn && event.type === "handoff_claimed") {
    const sentence = `${handoff.claimed_by_name} picked up your ${kind(handoff)}${subject(handoff)} at ${when(handoff.claimed_at)}.`;
    announce(sentence);
    showNotice(sentence);
    flashTitle("Picked up");
  } else if (myOwn && event.type === "handoff_resolved" && known) {
    const fix = handoff.resolution_notes ? `: ${handoff.resolution_notes}` : ".";
    showNotice(`${handoff.claimed_by_name} resolved it${fix}${subject(handoff, " — ")}`);
    announce(`${handoff.claimed_by_name} resolved your ${kind(handoff)}${fix}`);
    flashTitle("Resolved");
  } else if (event.type === "handoff_escalated") {
    announce(`${handoff.created_by_name}'s parked session is now an escalation: ${handoff.engineer_notes || "no notes"}`);
    flashTitle();
  } else if (inQueue && event.type === "handoff_released") {
    announce(`Back in the queue: ${what}, released by ${by}.`);
  } else if (inQueue && handoff.intent === "escalate" && !myOwn) {
    const priority = handoff.session && handoff.session.priority ? `${handoff.session.priority} ` : "";
    announce(`New ${priority}escalation from ${handoff.created_by_name}: ${handoff.engineer_notes || "no notes"}`);
    flashTitle();
  }
}

// What the handoff was about, for a sentence: " (Outlook offline)", or after `lead` when given.
function subject(handoff, lead = null) {
  const about = handoff.session && (handoff.session.subject || handoff.session.ticket_ref);
  if (!about) return "";
  return lead ? `${lead}${about}` : ` (${about})`;
}
