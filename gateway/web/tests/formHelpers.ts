// Shared by the form component tests: Element Plus validation settles over several microtask
// and render turns, and each form item holds its own error message.
import { flushPromises, type VueWrapper } from '@vue/test-utils';

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; ++i) {
    await flushPromises();
    await new Promise((r) => setTimeout(r, 0));
  }
}

// Submits the component's form and waits for validation to finish.
export async function submitForm(wrapper: VueWrapper): Promise<void> {
  await wrapper.find('form').trigger('submit');
  await settle();
}

// The messages of the fields in error (ElFormItem's exposed state).
export function errorMessages(wrapper: VueWrapper): string[] {
  return wrapper.findAllComponents({ name: 'ElFormItem' })
    .map((item) => item.vm as unknown as { validateState: string; validateMessage: string })
    .filter((item) => item.validateState === 'error')
    .map((item) => item.validateMessage);
}
