// vitest reports every test of a suite as skipped when the suite's beforeAll fails. The tests that
// need a program or a service must fail without it, each with the setup's one-line error: a missing
// Redis must not pass for a skipped queue test.
import { beforeAll, beforeEach } from 'vitest';

/** beforeAll(fn), except that fn's error fails each test of the suite it is called in. */
export function beforeAllOrFail(fn: () => Promise<void> | void, timeout?: number): void {
  let error: unknown;
  beforeAll(async () => {
    try {
      await fn();
    } catch (e) {
      error = e;
    }
  }, timeout);
  beforeEach(() => {
    if (error) throw error;
  });
}
