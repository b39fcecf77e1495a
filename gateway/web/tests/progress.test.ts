import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { progressPercent, readWithProgress, type Progress } from '../src/api';
import ExportProgress from '../src/components/ExportProgress.vue';
import { setLocale } from '../src/i18n';

function chunked(parts: string[], length?: number): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(enc.encode(p));
      controller.close();
    },
  });
  const headers: Record<string, string> = { 'Content-Type': 'text/csv' };
  if (length !== undefined) headers['Content-Length'] = String(length);
  return new Response(body, { headers });
}

describe('export progress', () => {
  it('reports every chunk against the announced size', async () => {
    const seen: Progress[] = [];
    const blob = await readWithProgress(chunked(['a,b\n', '1,2\n', '3,4\n'], 12), (p) => seen.push({ ...p }));
    expect(seen.map((p) => p.received)).toEqual([0, 4, 8, 12]);
    expect(seen.map(progressPercent)).toEqual([0, 33, 66, 100]);
    expect(await blob.text()).toBe('a,b\n1,2\n3,4\n');
    expect(blob.type).toBe('text/csv');
  });

  it('has no percentage while the size is unknown', async () => {
    const seen: Progress[] = [];
    await readWithProgress(chunked(['xx', 'yyy']), (p) => seen.push({ ...p }));
    expect(seen.at(-1)).toEqual({ received: 5, total: 0 });
    expect(progressPercent(seen.at(-1))).toBeNull();
    expect(progressPercent(null)).toBeNull();
  });

  it('shows "preparing" before the first byte and the share after', async () => {
    setLocale('zh-CN');
    const w = mount(ExportProgress, { props: { progress: null }, global: { plugins: [ElementPlus] } });
    expect(w.text()).toContain('正在生成');
    await w.setProps({ progress: { received: 2048, total: 4096 } });
    expect(w.text()).toContain('50%');
    expect(w.text()).toContain('已接收 2 KB');
  });
});
