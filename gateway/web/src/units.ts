// Org units the caller can pick as targets: the visible top-level units and two levels below.
import { api, query } from './api';
import type { OrgUnit } from './types';

export async function loadUnits(): Promise<OrgUnit[]> {
  const list = async (parent: string) =>
    (await api.get<{ orgUnits?: OrgUnit[] }>(`/api/v1/orgs${query({ parent, pageSize: 200 })}`)).orgUnits ?? [];
  const out: OrgUnit[] = [];
  let level = await list('');
  for (let depth = 0; depth < 3 && level.length; ++depth) {
    out.push(...level);
    const next: OrgUnit[] = [];
    for (const u of level) next.push(...(await list(u.id)));
    level = next;
  }
  return out;
}
