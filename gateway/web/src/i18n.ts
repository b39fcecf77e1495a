// A small i18n: two message tables, a reactive current locale kept in localStorage, and t()
// with {name} placeholders. zh-CN is the default; English is the switch.
import { ref } from 'vue';
import { zhCN } from './locales/zh-CN';
import { en } from './locales/en';

export type Locale = 'zh-CN' | 'en';
type Table = { [key: string]: string | Table };
const tables: Record<Locale, Table> = { 'zh-CN': zhCN, en };

const STORAGE_KEY = 'xuncha.locale';

function initialLocale(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  return saved === 'en' ? 'en' : 'zh-CN';
}

export const locale = ref<Locale>(initialLocale());

export function setLocale(next: Locale): void {
  locale.value = next;
  if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, next);
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}

function lookup(table: Table, key: string): string | undefined {
  let node: string | Table | undefined = table;
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

// Missing keys fall back to zh-CN, then to the key itself (visible, so gaps get noticed).
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = lookup(tables[locale.value], key) ?? lookup(tables['zh-CN'], key) ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) =>
    params[name] === undefined ? `{${name}}` : String(params[name]),
  );
}

// Label of an API enum value (proto3 JSON names), e.g. enumLabel('issueState', 'CONFIRMED').
export function enumLabel(kind: string, value: string | undefined): string {
  if (!value) return '';
  return lookup(tables[locale.value], `enums.${kind}.${value}`) ??
    lookup(tables['zh-CN'], `enums.${kind}.${value}`) ?? value;
}
