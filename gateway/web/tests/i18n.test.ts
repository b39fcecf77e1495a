import { beforeEach, describe, expect, it } from 'vitest';
import { enumLabel, locale, setLocale, t } from '../src/i18n';
import { zhCN } from '../src/locales/zh-CN';
import { en } from '../src/locales/en';

type Table = { [k: string]: string | Table };
function keys(table: Table, prefix = ''): string[] {
  return Object.entries(table).flatMap(([k, v]) =>
    typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`));
}

describe('i18n', () => {
  beforeEach(() => setLocale('zh-CN'));

  it('defaults to Chinese with the domain words', () => {
    localStorage.clear();
    expect(locale.value).toBe('zh-CN');
    expect(t('nav.rectification')).toBe('整改台账');
    expect(enumLabel('itemState', 'ACCEPTED')).toBe('已销号');
    expect(enumLabel('memberRole', 'LEADER')).toBe('组长');
  });

  it('switches to English and remembers the choice', () => {
    setLocale('en');
    expect(t('nav.rectification')).toBe('Rectification ledger');
    expect(localStorage.getItem('xuncha.locale')).toBe('en');
    expect(document.documentElement.lang).toBe('en');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('rect.accepted', { a: 1, n: 3 })).toBe('已销号 1/3');
    expect(t('rect.accepted', { a: 1 })).toBe('已销号 1/{n}');
    setLocale('en');
    expect(t('report.none', { n: 2 })).toBe('No report yet (2 confirmed issues)');
  });

  it('falls back to the key or the raw enum value when a label is missing', () => {
    expect(t('no.such.key')).toBe('no.such.key');
    expect(enumLabel('issueState', 'SOMETHING_NEW')).toBe('SOMETHING_NEW');
    expect(enumLabel('issueState', undefined)).toBe('');
  });

  it('has the same keys in both languages', () => {
    expect(keys(en as Table).sort()).toEqual(keys(zhCN as Table).sort());
  });
});
