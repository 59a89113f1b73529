// Home Assistant's REST API, logged in through the same login flow as the UI.
import { setTimeout as sleep } from 'node:timers/promises';

async function json(response) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

export class HassApi {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
    this.token = null;
  }

  /** Log in with a username and password; keeps the access token. */
  async login(username, password) {
    const clientId = `${this.baseUrl}/`;
    const post = (path, body) =>
      fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then(json);
    const flow = await post('/auth/login_flow', {
      client_id: clientId,
      handler: ['homeassistant', null],
      redirect_uri: clientId,
    });
    const result = await post(`/auth/login_flow/${flow.flow_id}`, {
      client_id: clientId,
      username,
      password,
    });
    if (result.type !== 'create_entry') throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
    const token = await fetch(`${this.baseUrl}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code: result.result, client_id: clientId }),
    }).then(json);
    this.token = token.access_token;
  }

  async get(path) {
    return fetch(`${this.baseUrl}${path}`, { headers: { Authorization: `Bearer ${this.token}` } }).then(json);
  }

  /** Render a template; the REST API's way to reach the device registry. */
  async template(template) {
    const response = await fetch(`${this.baseUrl}/api/template`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ template }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`template: HTTP ${response.status} ${text}`);
    return text.trim();
  }

  /** The config entries of a domain. */
  async configEntries(domain) {
    return this.get(`/api/config/config_entries/entry?domain=${encodeURIComponent(domain)}`);
  }

  /** The state object of an entity, or null while it does not exist. */
  async state(entityId) {
    const response = await fetch(`${this.baseUrl}/api/states/${entityId}`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    if (response.status === 404) return null;
    return json(response);
  }

  /** Poll until every entity exists; return their states by entity id. */
  async waitForStates(entityIds, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(entityIds.map((id) => this.state(id)));
      if (states.every(Boolean)) return Object.fromEntries(entityIds.map((id, i) => [id, states[i]]));
      if (Date.now() > deadline) {
        const missing = entityIds.filter((_, i) => !states[i]);
        throw new Error(`entities missing after ${timeoutMs} ms: ${missing.join(', ')}`);
      }
      await sleep(1000);
    }
  }
}
