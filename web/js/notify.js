// Opt-in desktop notifications (Notification API) for new and overdue escalations, with an off switch.
// Off until the user turns them on here; the choice is kept in this browser only.
const KEY = "baton.desktopNotifications";
const reducedMotion = () => window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export class DesktopNotifier {
  constructor(toggle, status) {
    this.toggle = toggle;
    this.status = status;
    this.toggle.addEventListener("click", () => this.flip());
    this.render();
  }

  get supported() { return "Notification" in window; }
  get on() { return this.supported && localStorage.getItem(KEY) === "on" && Notification.permission === "granted"; }

  async flip() {
    if (this.on) {
      localStorage.removeItem(KEY);
    } else if (this.supported) {
      const answer = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
      if (answer === "granted") localStorage.setItem(KEY, "on");
    }
    this.render();
  }

  render() {
    this.toggle.setAttribute("aria-pressed", String(this.on));
    this.toggle.textContent = this.on ? "Turn desktop notifications off" : "Turn desktop notifications on";
    this.toggle.disabled = !this.supported;
    if (!this.supported) this.status.textContent = "This browser cannot show desktop notifications.";
    else if (Notification.permission === "denied") this.status.textContent = "Notifications are blocked for this site in your browser's settings.";
    else this.status.textContent = this.on ? "On: new and overdue escalations pop up on your desktop." : "Off.";
  }

  // A pushed event: tell about a new escalation, or one that is overdue, that someone else made.
  onEvent(event, me) {
    if (!this.on || !event.handoff || (event.actor && event.actor.id === me.id)) return;
    const handoff = event.handoff;
    const triage = [handoff.session.priority, handoff.session.ticket_ref, handoff.session.client_name].filter(Boolean).join(" · ");
    let title = null;
    if ((event.type === "handoff_created" && handoff.intent === "escalate") || event.type === "handoff_escalated") {
      title = `New escalation from ${handoff.created_by_name}`;
    } else if (event.type === "handoff_overdue") {
      title = `Overdue (level ${handoff.overdue_level}): nobody has picked up ${handoff.created_by_name}'s escalation`;
    }
    if (!title) return;
    const note = new Notification(title, {
      body: [triage, handoff.engineer_notes].filter(Boolean).join("\n") || "No notes",
      tag: `baton-${handoff.id}`, // one per handoff: a newer level replaces the older one
      silent: reducedMotion(), // reduced motion: no sound or attention-grabbing renotify
      renotify: !reducedMotion(),
    });
    note.onclick = () => {
      window.focus();
      location.hash = `#/handoffs/${handoff.session_id}/${handoff.id}`;
      note.close();
    };
  }
}
