// Loading and error state of one screen action: run(fn) sets loading, clears the last error,
// and keeps the API's error for display instead of throwing it.
import { ref } from 'vue';
import { ApiError, errorText } from './api';

export function useTask() {
  const loading = ref(false);
  const error = ref('');
  const forbidden = ref(false);
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    loading.value = true;
    error.value = '';
    try {
      return await fn();
    } catch (err) {
      error.value = errorText(err);
      forbidden.value = err instanceof ApiError && err.forbidden;
      return undefined;
    } finally {
      loading.value = false;
    }
  }
  return { loading, error, forbidden, run };
}
