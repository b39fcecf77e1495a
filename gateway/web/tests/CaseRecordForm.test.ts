import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { errorMessages, submitForm } from './formHelpers';
import ElementPlus from 'element-plus';
import CaseRecordForm from '../src/components/CaseRecordForm.vue';
import { setLocale } from '../src/i18n';
import type { CaseRecordKind } from '../src/caseForms';

type Form = Record<string, string | number | boolean>;
function mountForm(kind: CaseRecordKind, notBeforeDate?: string) {
  setLocale('zh-CN');
  return mount(CaseRecordForm, { props: { kind, notBeforeDate }, global: { plugins: [ElementPlus] }, attachTo: document.body });
}
const submit = (wrapper: ReturnType<typeof mountForm>) => submitForm(wrapper);
const messages = (wrapper: ReturnType<typeof mountForm>) => errorMessages(wrapper);
const form = (wrapper: ReturnType<typeof mountForm>) => (wrapper.vm as unknown as { form: Form }).form;

describe('CaseRecordForm', () => {
  it('supervision visit: date and supervisors required, not before the feedback date', async () => {
    const wrapper = mountForm('visit', '2026-12-01');
    await submit(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['必填项', '必填项']);
    Object.assign(form(wrapper), { visitDate: '2026-11-30', supervisors: '第一督查组' });
    await submit(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['不得早于反馈日期']);
    Object.assign(form(wrapper), { visitDate: '2026-12-05', supervisors: ' 第一督查组 ', findings: '' });
    await submit(wrapper);
    expect(wrapper.emitted('submit')?.[0]?.[0]).toEqual({ visitDate: '2026-12-05', supervisors: '第一督查组' });
  });

  it('dual report: kind preset, title and a real date required', async () => {
    const wrapper = mountForm('report');
    Object.assign(form(wrapper), { title: '', submittedOn: '2026-02-30' });
    await submit(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['必填项', '日期格式应为 YYYY-MM-DD']);
    Object.assign(form(wrapper), { kind: 'SECRETARY_REPORT', title: '书记整改报告', submittedOn: '2026-12-20', summary: '落实第一责任' });
    await submit(wrapper);
    expect(wrapper.emitted('submit')?.[0]?.[0]).toEqual({
      kind: 'SECRETARY_REPORT', title: '书记整改报告', submittedOn: '2026-12-20', summary: '落实第一责任' });
  });

  it('disclosure and rule made: required fields named in English too', async () => {
    setLocale('en');
    const wrapper = mount(CaseRecordForm, { props: { kind: 'disclosure' }, global: { plugins: [ElementPlus] } });
    expect(wrapper.text()).toContain('Channel');
    await submitForm(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['Required', 'Required']);
    const rule = mountForm('rule');
    Object.assign(form(rule), { title: '公务用车管理办法', issuedOn: '2026-12-15' });
    await submit(rule);
    expect(rule.emitted('submit')?.[0]?.[0]).toEqual({ title: '公务用车管理办法', issuedOn: '2026-12-15' });
  });

  it('re-check: percent 1..100; a failed result needs a note', async () => {
    const draw = mountForm('draw');
    form(draw).percent = 0;
    await submit(draw);
    expect(draw.emitted('submit')).toBeUndefined();
    expect(messages(draw)).toEqual(['应在 1 到 100 之间']);
    form(draw).percent = 30;
    await submit(draw);
    expect(draw.emitted('submit')?.[0]?.[0]).toEqual({ percent: 30 });

    const result = mountForm('result');
    form(result).passed = false;
    await submit(result);
    expect(result.emitted('submit')).toBeUndefined();
    expect(messages(result)).toEqual(['必填项']);
    form(result).note = '制度未执行';
    await submit(result);
    expect(result.emitted('submit')?.[0]?.[0]).toEqual({ passed: false, note: '制度未执行' });
    const passed = mountForm('result');
    await submit(passed);
    expect(passed.emitted('submit')?.[0]?.[0]).toEqual({ passed: true });
  });
});
