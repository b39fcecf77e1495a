// The REST client: bearer token, JSON in and out, and one error type carrying the API's
// {code, message} (gRPC code numbers) so every screen shows the server's own message.
import { locale, t } from './i18n';

export const GRPC_CODE_NAMES: Record<number, string> = {
  0: 'OK', 1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE', 12: 'UNIMPLEMENTED',
  13: 'INTERNAL', 14: 'UNAVAILABLE', 15: 'DATA_LOSS', 16: 'UNAUTHENTICATED',
};

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
  get forbidden(): boolean {
    return this.code === 'PERMISSION_DENIED';
  }
}

// Builds the error from a response body; bodies that are not the API's JSON (a proxy's HTML
// page, a dropped connection) still give a code from the HTTP status.
export function toApiError(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { code?: number | string; message?: string };
    const code = typeof parsed.code === 'number' ? GRPC_CODE_NAMES[parsed.code] ?? 'UNKNOWN'
      : parsed.code ?? codeFromStatus(status);
    return new ApiError(status, code, parsed.message ?? '');
  } catch {
    return new ApiError(status, codeFromStatus(status), '');
  }
}

function codeFromStatus(status: number): string {
  if (status === 0) return 'UNAVAILABLE';
  const table: Record<number, string> = {
    400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
    409: 'ABORTED', 429: 'RESOURCE_EXHAUSTED', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return table[status] ?? 'INTERNAL';
}

// What a screen shows for an error: the kind of failure in the user's language, then the
// server's message (which names the field and the rule).
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const kind = t(`errors.${err.code}`);
    const sep = locale.value === 'en' ? ': ' : '：';
    return err.message ? `${kind}${sep}${err.message}` : kind;
  }
  return t('errors.NETWORK');
}

let token = '';
let onUnauthenticated: () => void = () => {};

export function setToken(value: string): void {
  token = value;
}
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  // Every POST carries an Idempotency-Key so that a retried click has one effect.
  if (method === 'POST') headers['Idempotency-Key'] = crypto.randomUUID();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'UNAVAILABLE', '');
  }
  if (!res.ok) {
    const err = toApiError(res.status, await res.text());
    if (err.code === 'UNAUTHENTICATED' && token) onUnauthenticated();
    throw err;
  }
  return res;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown = {}) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown = {}) => request<T>('PUT', path, body),
};

// Query string from the non-empty values.
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Downloads an export (the gateway answers with the file itself) under its own file name.
export async function download(path: string, fallbackName: string): Promise<string> {
  const res = await send('GET', path);
  const blob = await res.blob();
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}
