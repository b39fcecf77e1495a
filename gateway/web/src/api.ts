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

// Uploads a file as the raw body of an upload route (the gateway streams it to the service, so
// files larger than a JSON body are fine). XMLHttpRequest rather than fetch: it reports upload
// progress. The answer is parsed as JSON; errors are ApiErrors like every other call.
export function uploadFile<T>(path: string, file: Blob, onProgress?: (p: Progress) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress?.({ received: e.loaded, total: e.lengthComputable ? e.total : 0 });
    xhr.onerror = () => reject(new ApiError(0, 'UNAVAILABLE', ''));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve((xhr.responseText ? JSON.parse(xhr.responseText) : {}) as T);
        return;
      }
      const err = toApiError(xhr.status, xhr.responseText);
      if (err.code === 'UNAUTHENTICATED' && token) onUnauthenticated();
      reject(err);
    };
    xhr.send(file);
  });
}

// Query string from the non-empty values.
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Progress of a download: bytes so far and the total (0 while the server has not said).
export interface Progress { received: number; total: number }

// Percentage for a progress bar; null while the total is unknown (an indeterminate bar).
export function progressPercent(p: Progress | null | undefined): number | null {
  if (!p || p.total <= 0) return null;
  return Math.min(100, Math.floor((p.received * 100) / p.total));
}

// Reads a response body in chunks, reporting each one: an export is built by the service first
// (the wait before the first byte) and can then take a while to arrive.
export async function readWithProgress(res: Response, onProgress: (p: Progress) => void): Promise<Blob> {
  const total = Number(res.headers.get('Content-Length') ?? 0) || 0;
  const type = res.headers.get('Content-Type') ?? 'application/octet-stream';
  if (!res.body) return res.blob();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  onProgress({ received, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress({ received, total });
  }
  return new Blob(chunks as BlobPart[], { type });
}

// Downloads an export (the gateway answers with the file itself) under its own file name.
export async function download(path: string, fallbackName: string, onProgress?: (p: Progress) => void): Promise<string> {
  const res = await send('GET', path);
  const blob = onProgress ? await readWithProgress(res, onProgress) : await res.blob();
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
