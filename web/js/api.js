// The HTTP API, with the bearer token. Errors carry the API's `detail` sentence.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `baton answered HTTP ${status} without saying why. Try again in a moment.`);
    this.status = status;
    this.body = body || {};
  }
}

export const QUEUE_PAGE = 50;

export class Api {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  async request(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let reply;
    try {
      reply = await fetch(`${this.baseUrl}${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      // The browser says "Failed to fetch": people are told what it means and what to do.
      throw new ApiError(0, { detail: "baton could not be reached. Check the network connection and try again." });
    }
    const text = await reply.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (error) {
      data = { detail: `baton answered with something that is not JSON (HTTP ${reply.status}). Try again in a moment.` };
    }
    if (!reply.ok) throw new ApiError(reply.status, data);
    return { data, headers: reply.headers };
  }

  async me() { return (await this.request("GET", "/api/v1/me")).data; }

  // One page of the open queue, oldest first: {items, next} (next: the X-Next-Cursor, or "").
  async queuePage(cursor = "", limit = QUEUE_PAGE) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    const { data, headers } = await this.request("GET", `/api/v1/ai-sessions/queue?${query}`);
    return { items: data, next: headers.get("X-Next-Cursor") || "" };
  }

  // What the caller holds (role "holder") or created ("creator") in one status, newest change first.
  async mine(role, status, limit = 20) {
    const query = new URLSearchParams({ role, status, limit: String(limit) });
    return (await this.request("GET", `/api/v1/handoffs/mine?${query}`)).data;
  }

  async ticket() { return (await this.request("POST", "/api/v1/ws-ticket")).data; }
  async session(id) { return (await this.request("GET", `/api/v1/ai-sessions/${encodeURIComponent(id)}`)).data; }
  async createSession(body) { return (await this.request("POST", "/api/v1/ai-sessions", body)).data; }
  async handOff(sessionId, body) {
    return (await this.request("POST", `/api/v1/ai-sessions/${sessionId}/handoff`, body)).data;
  }
  async context(sessionId, handoffId) {
    return (await this.request("GET", `/api/v1/ai-sessions/${sessionId}/handoffs/${handoffId}`)).data;
  }
  async act(handoff, action, body) {
    const path = `/api/v1/ai-sessions/${handoff.session_id}/handoffs/${handoff.id}/${action}`;
    return (await this.request("POST", path, body)).data;
  }
}
