/**
 * Test files whose assertions are about latency under a load they make
 * themselves (the event loop while costly calendar input is sent, logins
 * during a flood of sign-ups): they run alone, after the others, on an
 * otherwise idle machine. Beside another test file on two cores they measured
 * that file too (a /healthz probe waited 100 ms for the CPU, not for the
 * calendar). Read by vitest.config.ts and scripts/test.ts.
 */
export const ALONE = ['server/test/calendar-cost.test.ts', 'server/test/accounts-trust.test.ts'];
