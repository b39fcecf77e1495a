import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { errorMessages, settle } from './formHelpers';
import ElementPlus from 'element-plus';
import InterviewForm from '../src/components/InterviewForm.vue';
import { setLocale } from '../src/i18n';

const members = [
  { personId: 'p1', name: '张组长' },
  { personId: 'p2', name: '李组员' },
  { personId: 'p3', name: '王组员' },
];

const errors = (wrapper: ReturnType<typeof mount>) => errorMessages(wrapper);

describe('InterviewForm', () => {
  it('needs two interviewers from the group, an interviewee and a place', async () => {
    setLocale('zh-CN');
    const wrapper = mount(InterviewForm, { props: { members }, global: { plugins: [ElementPlus] } });
    const boxes = wrapper.findAll('input[type="checkbox"]');
    expect(boxes).toHaveLength(3);
    await boxes[0].setValue(true);
    await wrapper.find('form').trigger('submit');
    await settle();
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(errors(wrapper).sort()).toEqual(['必填项', '必填项', '谈话人至少两名巡察组成员'].sort());
  });

  it('sends the interview with its problem and an RFC 3339 time', async () => {
    setLocale('en');
    const wrapper = mount(InterviewForm, { props: { members }, global: { plugins: [ElementPlus] } });
    const inputs = wrapper.findAll('input[type="text"], input:not([type])');
    await inputs[0].setValue('王局长');
    const boxes = wrapper.findAll('input[type="checkbox"]');
    await boxes[0].setValue(true);
    await boxes[2].setValue(true);
    await wrapper.find('[data-testid="iv-place"]').setValue('谈话室');
    await wrapper.find('[data-testid="iv-problem"]').setValue('  公车私用 ');
    await wrapper.find('form').trigger('submit');
    await settle();
    const sent = wrapper.emitted('submit')?.[0]?.[0] as Record<string, unknown>;
    expect(sent).toMatchObject({
      kind: 'INDIVIDUAL', intervieweeName: '王局长', category: 'TOP_LEADER',
      interviewerPersonIds: ['p1', 'p3'], place: '谈话室', problems: [{ summary: '公车私用' }],
    });
    expect(String(sent.startTime)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});
