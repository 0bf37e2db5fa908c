// The HTTP API, with the bearer token. Errors carry the API's `detail` sentence.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export class Api {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  async request(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const reply = await fetch(`${this.baseUrl}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await reply.text();
    const data = text ? JSON.parse(text) : null;
    if (!reply.ok) throw new ApiError(reply.status, data);
    return { data, headers: reply.headers };
  }

  async me() { return (await this.request("GET", "/api/v1/me")).data; }

  async openQueue() {
    // Every page, oldest first, following X-Next-Cursor.
    const all = [];
    let cursor = "";
    do {
      const query = cursor ? `?limit=200&cursor=${encodeURIComponent(cursor)}` : "?limit=200";
      const { data, headers } = await this.request("GET", `/api/v1/ai-sessions/queue${query}`);
      all.push(...data);
      cursor = headers.get("X-Next-Cursor") || "";
    } while (cursor);
    return all;
  }

  async ticket() { return (await this.request("POST", "/api/v1/ws-ticket")).data; }
  async session(id) { return (await this.request("GET", `/api/v1/ai-sessions/${id}`)).data; }
  async context(sessionId, handoffId) {
    return (await this.request("GET", `/api/v1/ai-sessions/${sessionId}/handoffs/${handoffId}`)).data;
  }
  async act(handoff, action, body) {
    const path = `/api/v1/ai-sessions/${handoff.session_id}/handoffs/${handoff.id}/${action}`;
    return (await this.request("POST", path, body)).data;
  }
}
