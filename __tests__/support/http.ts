/** Small fetch wrapper for the service tests, and the user flows other services' tests need (a token). */
export interface CallOptions {
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as-is with `Content-Type: application/json` (malformed bodies). */
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON (or the raw text); tests inspect arbitrary shapes. */
  body: any;
  ms: number;
}

export const client = (baseUrl: string) =>
  async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined;
    if (opts.raw !== undefined || opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = opts.raw ?? JSON.stringify(opts.body);
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const started = performance.now();
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    const ms = performance.now() - started;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text: the assertion will show it
    }
    return { status: res.status, headers: res.headers, body: parsed, ms };
  };

export type Call = ReturnType<typeof client>;

let counter = 0;
/** A fresh, valid registration body (unique email per call). */
export const newUserBody = (overrides: Record<string, unknown> = {}) => ({
  email: `user${Date.now().toString(36)}${(counter++).toString(36)}@example.com`,
  name: 'Test User',
  password: 'correct horse battery',
  ...overrides,
});

/** Registers and logs in; returns the user and a token. */
export const registerAndLogin = async (call: Call, overrides: Record<string, unknown> = {}) => {
  const body = newUserBody(overrides);
  const created = await call('POST', '/users', { body });
  if (created.status !== 201) throw new Error(`register failed: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await call('POST', '/auth/login', { body: { email: body.email, password: body.password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { user: created.body as { id: string; email: string; name: string }, token: login.body.accessToken as string, password: body.password };
};

export const expectErrorBody = (res: CallResult, status: number, code?: string): void => {
  expect({ status: res.status, body: res.body }).toMatchObject({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) }, requestId: expect.any(String) },
  });
};
