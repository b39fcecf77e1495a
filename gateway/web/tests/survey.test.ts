import { describe, expect, it } from 'vitest';
import { emptyAnswer, toApiAnswers, unansweredQuestions, type SurveyQuestion } from '../src/survey';

const questions: SurveyQuestion[] = [
  { id: 'overall', text: '总体评价', kind: 'SINGLE_CHOICE', options: ['好', '较好', '一般', '差'] },
  { id: 'areas', text: '薄弱环节', kind: 'MULTIPLE_CHOICE', options: ['作风', '财务'] },
  { id: 'score', text: '打分', kind: 'RATING', ratingMin: 1, ratingMax: 5 },
  { id: 'zero', text: '从零打分', kind: 'RATING', ratingMax: 3 }, // ratingMin 0 left out by JSON
  { id: 'advice', text: '意见建议', kind: 'FREE_TEXT' },
];

describe('public survey answers', () => {
  it('requires choice and rating questions, not free text', () => {
    expect(unansweredQuestions(questions, {})).toEqual(['overall', 'areas', 'score', 'zero']);
    const answers = {
      overall: { ...emptyAnswer(), choices: ['较好'] },
      areas: { ...emptyAnswer(), choices: ['作风', '财务'] },
      score: { ...emptyAnswer(), rating: 5 },
      zero: { ...emptyAnswer(), rating: 0 },
    };
    expect(unansweredQuestions(questions, answers)).toEqual([]);
  });

  it('rejects options not offered and ratings off the scale', () => {
    const answers = {
      overall: { ...emptyAnswer(), choices: ['很好'] },
      areas: { ...emptyAnswer(), choices: ['作风', '其他'] },
      score: { ...emptyAnswer(), rating: 0 },
      zero: { ...emptyAnswer(), rating: 4 },
    };
    expect(unansweredQuestions(questions, answers)).toEqual(['overall', 'areas', 'score', 'zero']);
    answers.overall.choices = ['好', '差'];
    answers.score.rating = 2.5;
    expect(unansweredQuestions(questions, answers)).toContain('overall');
    expect(unansweredQuestions(questions, answers)).toContain('score');
  });

  it('sends only the field of each kind and leaves blank text out', () => {
    const answers = {
      overall: { choices: ['好'], rating: null, text: 'ignored' },
      score: { choices: [], rating: 4, text: '' },
      advice: { choices: [], rating: null, text: '  ' },
    };
    expect(toApiAnswers(questions, answers)).toEqual([
      { questionId: 'overall', choices: ['好'] },
      { questionId: 'score', rating: 4 },
    ]);
    answers.advice.text = ' 加强管理 ';
    expect(toApiAnswers(questions, answers)).toContainEqual({ questionId: 'advice', text: '加强管理' });
  });
});
