// The signed-in user: the token and its claims (roles, office, unit), kept in sessionStorage so a
// reload stays signed in while closing the tab signs out.
import { reactive } from 'vue';
import { api, setToken, setUnauthenticatedHandler } from './api';

export type Role =
  | 'PLATFORM_ADMIN' | 'OFFICE_ADMIN' | 'OFFICE_STAFF' | 'LEADING_GROUP' | 'UNIT_LIAISON'
  | 'RECEIVER' | 'VIEWER';

export interface Claims {
  sub: string;
  username: string;
  roles: Role[];
  office?: string;
  unit?: string;
  person?: string;
  exp?: number;
}

const STORAGE_KEY = 'xuncha.token';

export const session = reactive({
  token: '',
  claims: null as Claims | null,
});

// Decodes the JWT payload (base64url JSON). The signature is the server's business.
export function decodeClaims(jwt: string): Claims | null {
  const part = jwt.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const raw = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    return {
      sub: String(raw.sub ?? ''),
      username: String(raw.username ?? ''),
      roles: (Array.isArray(raw.roles) ? raw.roles : []) as Role[],
      office: (raw.office ?? raw.office_id ?? raw.officeId) as string | undefined,
      unit: (raw.unit ?? raw.unit_id ?? raw.unitId) as string | undefined,
      person: (raw.person ?? raw.person_id ?? raw.personId) as string | undefined,
      exp: typeof raw.exp === 'number' ? raw.exp : undefined,
    };
  } catch {
    return null;
  }
}

function adopt(token: string): void {
  session.token = token;
  session.claims = token ? decodeClaims(token) : null;
  setToken(token);
  if (typeof sessionStorage !== 'undefined') {
    if (token) sessionStorage.setItem(STORAGE_KEY, token);
    else sessionStorage.removeItem(STORAGE_KEY);
  }
}

export async function login(username: string, password: string): Promise<void> {
  const r = await api.post<{ accessToken: string }>('/api/v1/auth/token', { username, password });
  adopt(r.accessToken);
}

export function logout(): void {
  adopt('');
}

export function restore(): void {
  const saved = typeof sessionStorage !== 'undefined' ? sessionStorage.getItem(STORAGE_KEY) : null;
  if (!saved) return;
  const claims = decodeClaims(saved);
  if (claims && (!claims.exp || claims.exp * 1000 > Date.now())) adopt(saved);
  else adopt('');
}

export function hasRole(...roles: Role[]): boolean {
  return !!session.claims && session.claims.roles.some((r) => roles.includes(r));
}

setUnauthenticatedHandler(() => {
  logout();
  if (typeof window !== 'undefined' && !window.location.pathname.startsWith('/login')) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
  }
});
