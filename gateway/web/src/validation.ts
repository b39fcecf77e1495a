// Form rules shared by the screens, checked before anything is sent (the services check again).
import type { FormItemRule } from 'element-plus';
import { t } from './i18n';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export function required(): FormItemRule {
  return { required: true, message: () => t('validation.required'), trigger: ['blur', 'change'] };
}

export function dateRule(optional = false): FormItemRule {
  return {
    validator: (_rule, value: string, callback) => {
      if (!value && optional) return callback();
      if (!value) return callback(new Error(t('validation.required')));
      return isDate(value) ? callback() : callback(new Error(t('validation.date')));
    },
    trigger: ['blur', 'change'],
  };
}

// `end` must not be before `start()` (both YYYY-MM-DD, so string order is date order).
export function notBefore(start: () => string, label: string): FormItemRule {
  return {
    validator: (_rule, value: string, callback) => {
      const s = start();
      if (value && s && isDate(value) && isDate(s) && value < s) {
        return callback(new Error(t('validation.notBefore', { field: label })));
      }
      return callback();
    },
    trigger: ['blur', 'change'],
  };
}
