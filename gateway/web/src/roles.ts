// Which roles reach which screens. The services enforce visibility themselves; this only keeps
// people away from screens whose API calls would be refused (and shows the forbidden page).
import type { Role } from './session';

export const OFFICE_ROLES: Role[] = ['PLATFORM_ADMIN', 'OFFICE_ADMIN', 'OFFICE_STAFF', 'LEADING_GROUP', 'VIEWER'];
export const LIAISON: Role[] = ['UNIT_LIAISON'];
export const RECEIVER: Role[] = ['RECEIVER'];

export interface NavItem {
  path: string;
  label: string; // i18n key
  roles: Role[];
}

export const NAV: NavItem[] = [
  { path: '/dashboard', label: 'nav.dashboard', roles: OFFICE_ROLES },
  { path: '/rounds', label: 'nav.rounds', roles: OFFICE_ROLES },
  { path: '/engagements', label: 'nav.engagements', roles: OFFICE_ROLES },
  { path: '/issues', label: 'nav.issues', roles: OFFICE_ROLES },
  { path: '/rectification', label: 'nav.rectification', roles: [...OFFICE_ROLES, ...LIAISON] },
  { path: '/feedback', label: 'nav.feedback', roles: LIAISON },
  { path: '/clues', label: 'nav.clues', roles: [...OFFICE_ROLES, ...RECEIVER] },
];

export function allowed(roles: Role[] | undefined, userRoles: Role[]): boolean {
  return !roles || userRoles.some((r) => roles.includes(r));
}

export function navFor(userRoles: Role[]): NavItem[] {
  return NAV.filter((n) => allowed(n.roles, userRoles));
}

// Where a user lands after signing in.
export function homeFor(userRoles: Role[]): string {
  return navFor(userRoles)[0]?.path ?? '/forbidden';
}
