import { describe, expect, it } from 'vitest';
import { resolveFeedbackSettings } from './feedback-settings.ts';

describe('resolveFeedbackSettings', () => {
  it('is null (nothing can be shared) without options', () => {
    expect(resolveFeedbackSettings(undefined)).toBeNull();
  });

  it('points at <endpoint>/v1/feedback, relative endpoints against the page, with a frozen default retry ceiling', () => {
    const settings = resolveFeedbackSettings({ endpoint: 'https://sync.example.com/base/', token: 't' });
    expect(settings).toEqual({ url: 'https://sync.example.com/base/v1/feedback', token: 't', maxRetryMs: 300_000 });
    expect(Object.isFrozen(settings)).toBe(true);
    expect(resolveFeedbackSettings({ endpoint: '/sync', token: 't', maxRetryMs: 5 }, 'http://localhost:5173/app/')?.url).toBe('http://localhost:5173/sync/v1/feedback');
  });

  it.each<[object, string, ErrorConstructor]>([
    [{ endpoint: 'not a url', token: 't' }, "feedback.endpoint must be the sync endpoint's URL", TypeError],
    [{ endpoint: 'ftp://x.example', token: 't' }, 'feedback.endpoint must be an http(s) URL', TypeError],
    [{ endpoint: 'https://x.example', token: '' }, 'feedback.token must be the endpoint app token', TypeError],
    [{ endpoint: 'https://x.example', token: 't', maxRetryMs: 0 }, 'feedback.maxRetryMs must be a positive integer', RangeError],
  ])('refuses %j', (options, message, type) => {
    expect(() => resolveFeedbackSettings(options as never)).toThrow(type);
    expect(() => resolveFeedbackSettings(options as never)).toThrow(message);
  });
});
