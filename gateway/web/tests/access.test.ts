import { beforeEach, describe, expect, it } from 'vitest';
import { router } from '../src/router';
import { decodeClaims, session, type Role } from '../src/session';
import { homeFor, navFor } from '../src/roles';

function signInAs(roles: Role[]) {
  session.claims = { sub: 'u1', username: 'u', roles };
}

describe('role-aware navigation and the forbidden page', () => {
  beforeEach(async () => {
    session.claims = null;
    await router.push('/login');
  });

  it('gives a unit liaison only rectification and feedback', () => {
    expect(navFor(['UNIT_LIAISON']).map((n) => n.path)).toEqual(['/rectification', '/feedback']);
    expect(homeFor(['UNIT_LIAISON'])).toBe('/rectification');
    expect(navFor(['RECEIVER']).map((n) => n.path)).toEqual(['/clues']);
    expect(homeFor(['OFFICE_STAFF'])).toBe('/dashboard');
  });

  it('sends a liaison who opens an interview URL to the forbidden page', async () => {
    signInAs(['UNIT_LIAISON']);
    await router.push('/interviews/0b6f');
    expect(router.currentRoute.value.path).toBe('/forbidden');
    expect(router.currentRoute.value.query.from).toBe('/interviews/0b6f');
  });

  it('lets office staff open the interview and asks anonymous users to log in', async () => {
    signInAs(['OFFICE_STAFF']);
    await router.push('/interviews/0b6f');
    expect(router.currentRoute.value.path).toBe('/interviews/0b6f');
    session.claims = null;
    await router.push('/issues');
    expect(router.currentRoute.value.path).toBe('/login');
    expect(router.currentRoute.value.query.next).toBe('/issues');
    await router.push('/public/petition');
    expect(router.currentRoute.value.path).toBe('/public/petition');
  });

  it('reads roles, office and unit from the token payload', () => {
    const payload = { sub: 's', username: '联络员', roles: ['UNIT_LIAISON'], office_id: 'o1', unit_id: 'u9', exp: 9 };
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(payload))))
      .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const claims = decodeClaims(`h.${b64}.sig`);
    expect(claims).toMatchObject({ username: '联络员', roles: ['UNIT_LIAISON'], office: 'o1', unit: 'u9', exp: 9 });
    expect(decodeClaims('garbage')).toBeNull();
  });
});
