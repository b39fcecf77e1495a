// A small REST client for the e2e's set-up (the parts of the flow that are not under test in the
// browser: org units, office, people, accounts) and for checks.
export class Api {
  constructor(baseUrl, token = '') {
    this.baseUrl = baseUrl;
    this.token = token;
  }
  async call(method, path, body) {
    const headers = { 'Content-Type': 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : {};
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return json;
  }
  get(path) { return this.call('GET', path); }
  post(path, body = {}) { return this.call('POST', path, body); }
  patch(path, body = {}) { return this.call('PATCH', path, body); }
  put(path, body = {}) { return this.call('PUT', path, body); }
  async login(username, password) {
    const r = await new Api(this.baseUrl).post('/api/v1/auth/token', { username, password });
    return new Api(this.baseUrl, r.accessToken);
  }
}

export const PASSWORD = 'console-e2e-password-1';

// The office, its units, people in the talent pool and one account per role the flow needs.
export async function seed(baseUrl, adminPassword) {
  const admin = await new Api(baseUrl).login('admin', adminPassword);
  const city = await admin.post('/api/v1/orgs', { name: '某市委', kind: 'CITY_COMMITTEE' });
  const office = await admin.post('/api/v1/offices', { name: '某市委巡察办', orgUnitId: city.id });
  const unit = await admin.post('/api/v1/orgs', {
    name: '市交通运输局', kind: 'DEPARTMENT', parent: city.id, category: '业务部门' });
  const home = await admin.post('/api/v1/orgs', {
    name: '市委组织部', kind: 'DEPARTMENT', parent: city.id, category: '机关部门' });
  const receiverUnit = await admin.post('/api/v1/orgs', {
    name: '市纪委监委', kind: 'DEPARTMENT', parent: city.id, category: '机关部门' });
  const people = [];
  const names = ['张组长', '李组员', '王组员', '赵组员'];
  const expertise = [['纪检'], ['财务'], ['审计'], ['组织']];
  for (let i = 0; i < names.length; ++i) {
    people.push(await admin.post('/api/v1/people', {
      officeId: office.id, name: names[i], employerUnitId: home.id, expertise: expertise[i] }));
  }
  const liaisonPerson = await admin.post('/api/v1/people', {
    officeId: office.id, name: '孙联络员', employerUnitId: unit.id });
  const user = (username, roles, personId, unitId) => admin.post('/api/v1/users', {
    user: { username, officeId: office.id, roles, personId, unitId }, password: PASSWORD });
  await user('staff', ['OFFICE_STAFF', 'LEADING_GROUP'], undefined, undefined);
  await user('leader', ['OFFICE_STAFF'], people[0].id, undefined);
  await user('liaison', ['UNIT_LIAISON'], liaisonPerson.id, unit.id);
  await user('receiver', ['RECEIVER'], undefined, receiverUnit.id);
  const staff = await admin.login('staff', PASSWORD);
  for (const p of people) await staff.post('/api/v1/talentPool', { personId: p.id });
  return { office, city, unit, home, receiverUnit, people, liaisonPerson };
}
