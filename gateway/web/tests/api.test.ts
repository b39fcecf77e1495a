import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, errorText, setToken, toApiError } from '../src/api';
import { setLocale } from '../src/i18n';

describe('API error mapping', () => {
  beforeEach(() => setLocale('zh-CN'));

  it('maps the gRPC code number of the body and keeps the server message', () => {
    const err = toApiError(403, '{"code":7,"message":"not allowed to read interviews/x","details":[]}');
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.forbidden).toBe(true);
    expect(errorText(err)).toBe('无权操作：not allowed to read interviews/x');
    setLocale('en');
    expect(errorText(err)).toBe('Not allowed: not allowed to read interviews/x');
  });

  it('names the failed precondition and the invalid field as the server wrote them', () => {
    const err = toApiError(400, '{"code":9,"message":"round is DRAFT; startFieldwork needs APPROVED"}');
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(errorText(err)).toContain('round is DRAFT; startFieldwork needs APPROVED');
  });

  it('falls back to the HTTP status when the body is not the API JSON', () => {
    expect(toApiError(503, '<html>bad gateway</html>').code).toBe('UNAVAILABLE');
    expect(toApiError(404, '').code).toBe('NOT_FOUND');
    expect(toApiError(418, 'x').code).toBe('INTERNAL');
    expect(errorText(new Error('boom'))).toBe('网络错误，请稍后重试');
  });
});

describe('request', () => {
  const fetchMock = vi.fn();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
    fetchMock.mockReset();
    setToken('tok');
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setToken('');
  });

  it('sends the bearer token and an Idempotency-Key on POST', async () => {
    fetchMock.mockResolvedValue(new Response('{"id":"r1"}', { status: 200 }));
    const r = await api.post<{ id: string }>('/api/v1/rounds', { title: 'x' });
    expect(r.id).toBe('r1');
    const [path, init] = fetchMock.mock.calls[0];
    expect(path).toBe('/api/v1/rounds');
    expect(init.headers.Authorization).toBe('Bearer tok');
    expect(init.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(init.body)).toEqual({ title: 'x' });
  });

  it('throws ApiError with the API code and message', async () => {
    fetchMock.mockResolvedValue(new Response('{"code":3,"message":"round.title: must be set"}', { status: 400 }));
    const err = (await api.get('/api/v1/rounds/1').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('round.title: must be set');
    expect(fetchMock.mock.calls[0][1].headers['Idempotency-Key']).toBeUndefined();
  });

  it('turns a network failure into UNAVAILABLE', async () => {
    fetchMock.mockRejectedValue(new TypeError('fetch failed'));
    const err = (await api.get('/api/v1/me').catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('UNAVAILABLE');
  });
});
