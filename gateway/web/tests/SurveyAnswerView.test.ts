import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { createMemoryHistory, createRouter } from 'vue-router';
import SurveyAnswerView from '../src/views/SurveyAnswerView.vue';
import { setLocale } from '../src/i18n';

const questionnaire = {
  title: '干部作风测评', kind: 'DEMOCRATIC_EVALUATION',
  questionnaire: { version: 2, questions: [
    { id: 'overall', text: '总体评价', kind: 'SINGLE_CHOICE', options: ['好', '较好', '一般', '差'] },
    { id: 'advice', text: '意见建议', kind: 'FREE_TEXT' },
  ] },
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

async function mountAt(url: string) {
  setLocale('zh-CN');
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/public/survey', component: SurveyAnswerView }] });
  await router.push(url);
  await router.isReady();
  const wrapper = mount(SurveyAnswerView, { global: { plugins: [ElementPlus, router] } });
  await settle();
  return wrapper;
}
async function settle() {
  for (let i = 0; i < 5; ++i) { await flushPromises(); await new Promise((r) => setTimeout(r, 0)); }
}

afterEach(() => vi.unstubAllGlobals());

describe('public survey page', () => {
  it('reads the questionnaire by the code in the link and sends only valid answers', async () => {
    const fetchMock = vi.fn(async (path: string, init?: RequestInit) => {
      if (path.startsWith('/api/v1/surveyQuestionnaire')) return json(200, questionnaire);
      if (path === '/api/v1/surveyResponses') return json(200, { surveyTitle: '干部作风测评' });
      return json(404, { code: 5, message: `unexpected ${init?.method} ${path}` });
    });
    vi.stubGlobal('fetch', fetchMock);
    const wrapper = await mountAt('/public/survey?code=ABCDE-FGHJK-LMNPQ-RSTUV');
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/surveyQuestionnaire?code=ABCDE-FGHJK-LMNPQ-RSTUV');
    expect(wrapper.find('h1').text()).toBe('干部作风测评');
    expect(wrapper.text()).toContain('总体评价');

    // Nothing chosen: refused before sending.
    await wrapper.find('[data-testid="survey-form"]').trigger('submit');
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(wrapper.find('[data-testid="api-error"]').text()).toContain('请回答所有必答题');

    const radios = wrapper.findAll('.el-radio');
    await radios[1].find('input').setValue(true); // 较好
    await wrapper.find('textarea').setValue('  加强管理 ');
    await wrapper.find('[data-testid="survey-form"]').trigger('submit');
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(2);
    const body = JSON.parse(String(fetchMock.mock.calls[1][1]?.body));
    expect(body).toEqual({ code: 'ABCDE-FGHJK-LMNPQ-RSTUV', answers: [
      { questionId: 'overall', choices: ['较好'] }, { questionId: 'advice', text: '加强管理' }] });
    expect(wrapper.find('[data-testid="survey-done"]').exists()).toBe(true);
  });

  it('shows the API message for a used or unknown code and offers the code field again', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(404, { code: 5, message: 'code: no unused response code like this' })));
    const wrapper = await mountAt('/public/survey?code=USED');
    expect(wrapper.find('[data-testid="api-error"]').text()).toBe('未找到：code: no unused response code like this');
    expect(wrapper.find('[data-testid="survey-form"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="survey-code"]').exists()).toBe(true);
  });
});
