// Browser end-to-end test of the web console against the real platform (started by run_e2e.sh):
// Debian's chromium driven by playwright-core. Office staff create a plan and a round, draw the
// group, record an interview and an issue, confirm it, approve the report and feed back; the unit
// liaison fills the rectification plan and reports completion; the office accepts (销号) and the
// dashboard's completion rate moves from 0% to 100%. A liaison opening an interview URL gets the
// forbidden page. The public survey page reads its questionnaire by the code alone. The office
// records a supervision visit, a rule made and a re-check on the case; the liaison a dual report.
// A confirmed issue becomes a clue: the office sets the referral rule, approves and refers it,
// and the receiving body acknowledges and disposes of it. Screenshots go to $ARTIFACTS.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Api, seed, PASSWORD } from './api.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '../../../gateway/web');
const { chromium } = createRequire(path.join(webDir, 'package.json'))('playwright-core');

const BASE_URL = process.env.BASE_URL;
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD;
const ARTIFACTS = process.env.ARTIFACTS ?? path.resolve('web-e2e-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
assert.ok(BASE_URL && ADMIN_PASSWORD, 'BASE_URL and ADMIN_PASSWORD must be set (run_e2e.sh sets them)');

const started = Date.now();
// Today in China, as the services date feedback and records.
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
const step = (name) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${name}`);

const world = await seed(BASE_URL, ADMIN_PASSWORD);
step('seeded office, units, people, accounts and talent pool through the API');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, locale: 'zh-CN' });
const page = await context.newPage();
page.setDefaultTimeout(30000); // generous: the machine may be loaded; no step is timed
const consoleErrors = [];
page.on('pageerror', (err) => consoleErrors.push(String(err)));

const byTest = (id) => page.locator(`[data-testid="${id}"]`);
const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
async function pick(selectTestId, optionText) {
  await byTest(selectTestId).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first().click();
}
async function login(username) {
  await page.goto(`${BASE_URL}/login`);
  await byTest('login-username').fill(username);
  await byTest('login-password').fill(PASSWORD);
  await byTest('login-submit').click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}
async function logout() {
  await byTest('logout').click();
  await page.waitForURL('**/login');
}
async function roundTransition(verb) {
  const button = byTest('round-transition');
  await assert.doesNotReject(button.and(page.locator(`[data-verb="${verb}"]`)).waitFor());
  await button.click();
  await page.locator(`[data-testid="round-transition"]:not([data-verb="${verb}"])`).waitFor();
}

try {
  // --- Login page: client-side validation before anything is sent, then the API's error.
  await page.goto(`${BASE_URL}/login`);
  await byTest('login-submit').click();
  await page.getByText('请输入用户名').waitFor();
  await byTest('login-username').fill('staff');
  await byTest('login-password').fill('wrong-password-123');
  await byTest('login-submit').click();
  await byTest('api-error').waitFor();
  await shot('01-login-error');
  step('login validation and API error shown');

  // --- Office staff: dashboard before anything happened.
  await login('staff');
  await page.waitForURL('**/dashboard');
  await assert.doesNotReject(byTest('completion-rate').filter({ hasText: '0%' }).waitFor());
  await shot('02-dashboard-empty');
  // English switch and back.
  await pick('locale', 'English');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await pick('locale', '中文');
  await page.getByRole('heading', { name: '工作概览' }).waitFor();
  step('dashboard (0%), English switch');

  // --- Plan and round.
  await byTest('nav-rounds').click();
  await byTest('plan-new').click();
  await byTest('plan-title').fill('2026年度巡察工作安排');
  await byTest('plan-submit').click();
  await byTest('plan-approve').click();
  await byTest('plans-table').getByText('已审批').waitFor();
  await byTest('round-new').click();
  await byTest('round-submit').click(); // empty form: validation, nothing sent
  await byTest('round-form').getByText('必填项').first().waitFor();
  await pick('round-plan', '2026年度巡察工作安排');
  await byTest('round-title').fill('2026年第一轮巡察');
  await byTest('round-start').fill('2026-11-01');
  await byTest('round-end').fill('2026-10-01');
  await byTest('round-submit').click();
  await byTest('round-form').getByText('不得早于进驻日期').waitFor();
  await byTest('round-end').fill('2026-12-31');
  await byTest('round-submit').click();
  await page.waitForURL(/\/rounds\/[0-9a-f-]{36}$/);
  const roundUrl = page.url();
  step('plan approved, round created');

  // --- Group, approval, draw, fieldwork.
  await byTest('group-new').click();
  await byTest('group-name').fill('第一巡察组');
  await byTest('group-targets').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '市交通运输局' }).click();
  await page.keyboard.press('Escape');
  await byTest('group-submit').click();
  await byTest('groups-table').getByText('市交通运输局').waitFor();
  await roundTransition('approve');
  await byTest('draw-open').click();
  await byTest('draw-submit').click();
  await byTest('draw-log').locator('tbody tr').first().waitFor();
  await assert.doesNotReject(byTest('group-member').nth(2).waitFor());
  await shot('03-round-draw-log');
  await roundTransition('startFieldwork');
  step('group drawn (draw log shown), fieldwork started');

  // --- Engagement: interview and issue.
  await byTest('engagement-link').first().click();
  await page.waitForURL(/\/engagements\/[0-9a-f-]{36}$/);
  const engagementUrl = page.url();
  await byTest('iv-new').click();
  await byTest('iv-name').fill('王局长');
  await byTest('iv-post').fill('局长');
  await byTest('iv-submit').click(); // fewer than two interviewers: refused before sending
  await page.getByText('谈话人至少两名巡察组成员').waitFor();
  const boxes = byTest('iv-interviewers').locator('.el-checkbox');
  await boxes.nth(0).click();
  await boxes.nth(1).click();
  await byTest('iv-place').fill('第一谈话室');
  await byTest('iv-notes').fill('谈及单位公务用车管理情况');
  await byTest('iv-problem').fill('公车私用');
  await byTest('iv-submit').click();
  await byTest('interview-link').filter({ hasText: '王局长' }).waitFor();
  const interviewUrl = new URL(await byTest('interview-link').first().getAttribute('href'), BASE_URL).href;
  await shot('04-engagement-interviews');
  // A survey with single-use codes, answered on the public page without logging in.
  await page.getByRole('tab', { name: '问卷测评' }).click();
  await byTest('survey-title').fill('干部作风测评');
  await byTest('survey-lines').fill('对本单位作风建设的评价|好/较好/一般/差\n意见建议');
  await byTest('survey-create').click();
  await byTest('surveys-table').getByText('干部作风测评').waitFor();
  await byTest('survey-issue').first().click();
  const surveyLink = await byTest('survey-link').first().getAttribute('href');
  assert.match(surveyLink, /\/public\/survey\?code=[^&]+$/); // the link carries only the code
  await page.keyboard.press('Escape');
  const publicPage = await context.newPage(); // a new tab: no session, as a respondent
  await publicPage.goto(surveyLink);
  await publicPage.locator('[data-testid="survey-submit"]').click(); // nothing chosen: refused here
  await publicPage.locator('[data-testid="api-error"]').getByText('请回答所有必答题').waitFor();
  await publicPage.locator('.el-radio', { hasText: '较好' }).click();
  await publicPage.locator('textarea').fill('加强公务用车管理');
  await publicPage.screenshot({ path: path.join(ARTIFACTS, '04a-public-survey-form.png'), fullPage: true });
  await publicPage.locator('[data-testid="survey-submit"]').click();
  await publicPage.locator('[data-testid="survey-done"]').getByText('干部作风测评').waitFor();
  await publicPage.screenshot({ path: path.join(ARTIFACTS, '04b-public-survey.png'), fullPage: true });
  await publicPage.goto(surveyLink); // a code works once: the used code opens no questionnaire
  await publicPage.locator('[data-testid="api-error"]').getByText('未找到').waitFor();
  assert.equal(await publicPage.locator('[data-testid="survey-form"]').count(), 0);
  await publicPage.close();
  step('survey created, code answered once on the public page, second use refused');
  await page.getByRole('tab', { name: '个别谈话' }).click();
  await page.getByRole('tab', { name: '发现问题' }).click();
  await byTest('issue-new').click();
  await byTest('issue-title').fill('违规使用公务用车');
  await byTest('issue-description').fill('多次公车私用，未登记');
  await pick('issue-category', '党的领导');
  await byTest('issue-submit').click(); // an interview-sourced issue names its interview
  await page.locator('.el-dialog').getByText('必填项').first().waitFor();
  await pick('issue-source-record', '王局长');
  await byTest('issue-submit').click();
  await byTest('issues-table').getByText('违规使用公务用车').waitFor();
  await byTest('issue-verify').click();
  await byTest('issue-confirm').click();
  await byTest('signoff-name').fill('王局长');
  await byTest('signoff-statement').fill('情况属实');
  await byTest('signoff-submit').click();
  await byTest('issues-table').locator('[data-state="CONFIRMED"]').waitFor();
  // The confirmed issue goes to the clue register (the clues service takes it from the event).
  await byTest('issue-suggest-clue').click();
  await byTest('clue-subject').fill('王某某');
  await byTest('clue-submit').click();
  await byTest('issue-suggest-clue').waitFor({ state: 'detached' });
  await shot('05-engagement-issues');
  step('interview and issue recorded, issue confirmed');

  // --- Report: create, submit, approve (审定).
  await page.getByRole('tab', { name: '巡察报告' }).click();
  await byTest('report-new').click();
  await byTest('report-summary').fill('巡察发现问题1个');
  await byTest('report-create').click();
  await byTest('report-submit').click();
  await byTest('report-approve').click();
  await byTest('report').locator('[data-state="APPROVED"]').waitFor();
  // The round moves to its feedback stage.
  await page.goto(roundUrl);
  await roundTransition('startReporting');
  await roundTransition('startFeedback');
  await page.goto(engagementUrl);
  await page.getByRole('tab', { name: '巡察报告' }).click();
  await byTest('report-feedback').click();
  await byTest('feedback-requirements').fill('立行立改，按期报送整改方案');
  await byTest('feedback-due').fill('2026-12-10');
  await byTest('feedback-submit').click();
  await byTest('report').locator('[data-state="FED_BACK"]').waitFor();
  await shot('06-report-fed-back');
  step('report approved and fed back');

  // --- Issue ledger with the XLSX export.
  await byTest('nav-issues').click();
  await byTest('ledger-table').getByText('违规使用公务用车').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), byTest('issues-export').click()]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  await download.saveAs(path.join(ARTIFACTS, download.suggestedFilename()));
  await shot('07-issue-ledger');
  step(`issue ledger exported (${download.suggestedFilename()})`);
  await logout();

  // --- Unit liaison: the case appears (opened from the fed-back event); enter the plan.
  await login('liaison');
  await page.waitForURL('**/rectification');
  const navTexts = await byTest('nav').locator('.el-menu-item').allInnerTexts();
  assert.deepEqual(navTexts.map((s) => s.trim()), ['整改台账', '反馈与资料']);
  for (let i = 0; i < 150 && !(await byTest('item-plan').count()); ++i) {
    await page.waitForTimeout(200);
    await page.reload();
    await byTest('rect-case').or(page.locator('.el-empty')).first().waitFor();
  }
  await byTest('item-plan').click();
  await byTest('plan-save').click(); // empty plan: refused before sending
  await page.locator('.el-dialog').getByText('必填项').first().waitFor();
  await byTest('plan-measures').fill('建立公务用车登记和审批制度');
  await byTest('plan-owner').fill('办公室主任');
  await byTest('plan-goal').fill('杜绝公车私用');
  await byTest('plan-deadline').fill('2026-12-20');
  await byTest('plan-save').click();
  await byTest('item-start').click();
  await byTest('item-complete').click();
  await byTest('complete-note').fill('制度已印发，车辆已全部登记');
  // The evidence goes up through the gateway's streamed upload route.
  await byTest('complete-file').setInputFiles({
    name: '公务用车登记表.txt', mimeType: 'text/plain',
    buffer: Buffer.from('公务用车登记表\n'.repeat(5000)),
  });
  await byTest('complete-submit').click();
  await byTest('rect-items').locator('[data-state="COMPLETED"]').waitFor();
  // 双报告: the unit's report on the case, checked in the form before it is sent.
  await page.getByRole('tab', { name: '整改报告' }).click();
  await byTest('case-add-report').click();
  await byTest('case-report-submit').click();
  await byTest('case-form-report').getByText('必填项').first().waitFor();
  await byTest('case-report-title').fill('关于巡察反馈意见整改情况的报告');
  await byTest('case-report-submittedOn').fill(today);
  await byTest('case-report-submit').click();
  await byTest('case-reports').getByText('关于巡察反馈意见整改情况的报告').waitFor();
  await shot('08-liaison-rectification');
  await byTest('nav-feedback').click();
  await byTest('feedback-sheet').getByText('立行立改，按期报送整改方案').waitFor();
  // A liaison never sees interviews: the route is forbidden.
  await page.goto(interviewUrl);
  await byTest('forbidden').waitFor();
  await shot('09-liaison-forbidden');
  step('liaison filled the plan and reported completion; interview URL forbidden');
  await page.goto(`${BASE_URL}/rectification`);
  await logout();

  // --- Office accepts (销号); the dashboard's completion rate changes.
  await login('staff');
  await page.goto(`${BASE_URL}/dashboard`);
  await byTest('completion-rate').filter({ hasText: '0%' }).waitFor();
  await byTest('nav-rectification').click();
  await byTest('item-accept').click();
  await byTest('rect-items').locator('[data-state="ACCEPTED"]').waitFor();
  await byTest('nav-dashboard').click();
  await byTest('completion-rate').filter({ hasText: '100%' }).waitFor();
  await byTest('issue-total').getByText('1').waitFor();
  await shot('10-dashboard-after');
  step('office accepted; dashboard completion rate 0% → 100%');

  // --- Rectification case records: a supervision visit, a rule made, a re-check of accepted items.
  await byTest('nav-rectification').click();
  await byTest('case-add-visit').click();
  await byTest('case-visit-visitDate').fill('2020-01-01'); // before the feedback: refused here
  await byTest('case-visit-supervisors').fill('第一督查组');
  await byTest('case-visit-submit').click();
  await byTest('case-form-visit').getByText('不得早于反馈日期').waitFor();
  await byTest('case-visit-visitDate').fill(today);
  await byTest('case-visit-findings').fill('整改措施已落实');
  await byTest('case-visit-submit').click();
  await byTest('case-visits').getByText('第一督查组').waitFor();
  await page.getByRole('tab', { name: /建章立制/ }).click();
  await byTest('case-add-rule').click();
  await byTest('case-rule-title').fill('公务用车管理办法');
  await byTest('case-rule-issuedOn').fill(today);
  await byTest('case-rule-submit').click();
  await byTest('case-rules').getByText('公务用车管理办法').waitFor();
  await page.getByRole('tab', { name: '整改抽查' }).click();
  await byTest('case-draw-recheck').click();
  await byTest('case-draw-submit').click();
  await byTest('case-record-result').click();
  await byTest('case-result-passed').click(); // failed needs a note: refused here
  await byTest('case-result-submit').click();
  await byTest('case-form-result').getByText('必填项').waitFor();
  await byTest('case-result-passed').click(); // passed (a failed re-check would reopen the item)
  await byTest('case-result-note').fill('车辆登记台账与实际一致');
  await byTest('case-result-submit').click();
  await byTest('case-recheck').getByText('通过').waitFor();
  await shot('10b-rectification-case-records');
  step('case records: supervision visit, rule made, re-check drawn and recorded');

  // --- Clues: referral rule to the discipline commission, approve, refer.
  await byTest('nav-clues').click();
  await byTest('rule-add').click();
  await byTest('rule-save').click(); // no receiving body chosen: refused here
  await byTest('rule-problem').getByText('必填项').waitFor();
  await byTest('rule-receiver').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '市纪委监委' }).first().click();
  await byTest('rule-save').click();
  await byTest('rule-saved').waitFor();
  for (let i = 0; i < 150 && !(await byTest('clue-approve').count()); ++i) {
    await page.waitForTimeout(200);
    await page.reload();
    await byTest('clues-table').waitFor();
  }
  await byTest('clues-table').getByText('王某某').waitFor();
  await byTest('clue-approve').click();
  await byTest('approve-submit').click(); // the matter is not set yet: refused here
  await page.locator('.el-dialog').getByText('必填项').first().waitFor();
  await pick('approve-matter', '违纪违法');
  await byTest('approve-submit').click();
  await byTest('clue-refer').click();
  await byTest('refer-submit').click(); // no document number: refused here
  await page.locator('.el-dialog').getByText('必填项').first().waitFor();
  await byTest('refer-number').fill('X巡移〔2026〕1号');
  await byTest('refer-submit').click();
  await byTest('clues-table').locator('[data-state="REFERRED"]').waitFor();
  assert.equal(await byTest('clues-table').getByText('市纪委监委').count(), 1);
  await shot('12-clue-register');
  step('referral rule set; clue approved and referred to 市纪委监委');
  await logout();

  // --- The receiver acknowledges and disposes.
  await login('receiver');
  await page.waitForURL('**/clues');
  await byTest('clues-table').getByText('王某某').waitFor();
  await byTest('clue-acknowledge').click();
  await byTest('clue-dispose').click();
  await byTest('dispose-submit').click(); // no outcome: refused here
  await page.locator('.el-dialog').getByText('必填项').first().waitFor();
  await byTest('dispose-outcome').fill('经谈话函询，予以批评教育');
  await byTest('dispose-submit').click();
  await byTest('clues-table').locator('[data-state="DISPOSED"]').waitFor();
  await shot('13-receiver-clues');
  step('receiver acknowledged and disposed of the clue');

  // --- Public petition page: submit and check with the receipt code.
  await logout();
  const engagementId = engagementUrl.split('/').pop();
  await page.goto(`${BASE_URL}/public/petition?engagement=${engagementId}`);
  await byTest('petition-subject').fill('反映公车私用');
  await byTest('petition-content').fill('某局公务用车周末停放在小区');
  await byTest('petition-submit').click();
  const receipt = (await byTest('petition-receipt').locator('b').innerText()).trim();
  assert.match(receipt, /^\d{20}$/);
  await byTest('petition-check-code').fill(receipt);
  await byTest('petition-check').click();
  await byTest('petition-status').getByText('已受理').waitFor();
  await shot('11-public-petition');
  step('public petition submitted and checked by receipt code');

  // The API agrees with what the screens showed.
  const staff = await new Api(BASE_URL).login('staff', PASSWORD);
  const stats = await staff.get('/api/v1/rectificationStats');
  assert.equal(stats.totals.accepted, '1');
  assert.deepEqual(consoleErrors, []);
  console.log(`PASS in ${((Date.now() - started) / 1000).toFixed(1)}s; screenshots in ${ARTIFACTS}`);
} catch (err) {
  await shot('failure').catch(() => {});
  console.error(`FAIL: ${err.stack ?? err}`);
  console.error(`page: ${page.url()}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
void world;
