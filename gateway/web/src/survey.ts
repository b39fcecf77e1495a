// Rules of the public survey form, checked before an answer is sent (the service checks again),
// and the answers as the API takes them.
export interface SurveyQuestion {
  id: string;
  text: string;
  kind: string;
  options?: string[];
  ratingMin?: number; // proto3 JSON leaves out zeros
  ratingMax?: number;
}
export interface DraftAnswer { choices: string[]; rating: number | null; text: string }
export interface ApiAnswer { questionId: string; choices?: string[]; rating?: number; text?: string }

export function emptyAnswer(): DraftAnswer {
  return { choices: [], rating: null, text: '' };
}

// Ids of the questions that need an answer and lack a valid one: choice and rating questions
// must be answered (a rating inside the scale); free text may stay empty.
export function unansweredQuestions(questions: SurveyQuestion[], answers: Record<string, DraftAnswer | undefined>): string[] {
  return questions.filter((q) => {
    const a = answers[q.id] ?? emptyAnswer();
    switch (q.kind) {
      case 'SINGLE_CHOICE': return a.choices.length !== 1 || !(q.options ?? []).includes(a.choices[0]);
      case 'MULTIPLE_CHOICE': return a.choices.length === 0 || a.choices.some((c) => !(q.options ?? []).includes(c));
      case 'RATING': return a.rating === null || !Number.isInteger(a.rating) || a.rating < (q.ratingMin ?? 0) || a.rating > (q.ratingMax ?? 0);
      default: return false;
    }
  }).map((q) => q.id);
}

// One answer per answered question, carrying only the field its kind uses (the service refuses
// e.g. a choice answer with text). Blank free text is left out.
export function toApiAnswers(questions: SurveyQuestion[], answers: Record<string, DraftAnswer | undefined>): ApiAnswer[] {
  const out: ApiAnswer[] = [];
  for (const q of questions) {
    const a = answers[q.id];
    if (!a) continue;
    if (q.kind === 'SINGLE_CHOICE' || q.kind === 'MULTIPLE_CHOICE') {
      if (a.choices.length) out.push({ questionId: q.id, choices: [...a.choices] });
    } else if (q.kind === 'RATING') {
      if (a.rating !== null) out.push({ questionId: q.id, rating: a.rating });
    } else if (a.text.trim()) {
      out.push({ questionId: q.id, text: a.text.trim() });
    }
  }
  return out;
}
