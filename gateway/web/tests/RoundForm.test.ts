import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { errorMessages, submitForm } from './formHelpers';
import ElementPlus from 'element-plus';
import RoundForm from '../src/components/RoundForm.vue';
import { setLocale } from '../src/i18n';

const plans = [{ id: 'p1', kind: 'ANNUAL', title: '2026年度计划', startYear: 2026, endYear: 2026, state: 'APPROVED' }];

function mountForm() {
  setLocale('zh-CN');
  return mount(RoundForm, { props: { plans }, global: { plugins: [ElementPlus] }, attachTo: document.body });
}
const submit = (wrapper: ReturnType<typeof mountForm>) => submitForm(wrapper);
const messages = (wrapper: ReturnType<typeof mountForm>) => errorMessages(wrapper);

describe('RoundForm', () => {
  it('sends nothing while required fields are empty', async () => {
    const wrapper = mountForm();
    await submit(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['必填项', '必填项', '必填项', '必填项']);
  });

  it('refuses a malformed date and an end before the start', async () => {
    const wrapper = mountForm();
    const vm = wrapper.vm as unknown as { form: Record<string, string> };
    Object.assign(vm.form, { planId: 'p1', title: '第一轮', stationStart: '2026-02-30', stationEnd: '2026-01-01' });
    await submit(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['日期格式应为 YYYY-MM-DD']);
    vm.form.stationStart = '2026-03-01';
    await submit(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['不得早于进驻日期']);
  });

  it('requires a topic for a special round only', async () => {
    const wrapper = mountForm();
    const vm = wrapper.vm as unknown as { form: Record<string, string> };
    Object.assign(vm.form, { planId: 'p1', kind: 'SPECIAL', title: '专项巡察', stationStart: '2026-03-01', stationEnd: '2026-04-30' });
    await submit(wrapper);
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(messages(wrapper)).toEqual(['必填项']);
    vm.form.topic = '乡村振兴';
    await submit(wrapper);
    expect(wrapper.emitted('submit')?.[0]?.[0]).toEqual({
      planId: 'p1', kind: 'SPECIAL', title: '专项巡察', topic: '乡村振兴', stationStart: '2026-03-01', stationEnd: '2026-04-30',
    });
  });

  it('emits a trimmed regular round without a topic', async () => {
    const wrapper = mountForm();
    const vm = wrapper.vm as unknown as { form: Record<string, string> };
    Object.assign(vm.form, { planId: 'p1', title: '  第一轮  ', topic: 'ignored', stationStart: '2026-03-01', stationEnd: '2026-03-01' });
    await submit(wrapper);
    expect(wrapper.emitted('submit')?.[0]?.[0]).toEqual({
      planId: 'p1', kind: 'REGULAR', title: '第一轮', stationStart: '2026-03-01', stationEnd: '2026-03-01',
    });
  });
});
