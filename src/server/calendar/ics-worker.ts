/**
 * The worker thread that reads calendar feeds for ics-runner.ts: each message is one feed to
 * turn into busy intervals (feedBusy: busyIntervals of ics.ts, with its own MAX_READ_MS and
 * occurrence caps, then merged and worded); the answer is the intervals, or why the feed was
 * refused (a FeedError's message is shown to the user; any other error only says the feed is
 * not iCalendar, as when feeds were read on the main thread).
 */
import { parentPort } from 'node:worker_threads';
import { feedBusy } from './feed-busy.js';
import type { IcsAnswer, IcsJob } from './ics-runner.js';
import { FeedError } from './safe-fetch.js';

const port = parentPort;
if (!port) throw new Error('ics-worker runs in a worker thread (see ics-runner.ts)');

port.on('message', ({ id, read }: IcsJob) => {
  let answer: IcsAnswer;
  try {
    answer = { type: 'done', id, busy: feedBusy(read) };
  } catch (err) {
    answer = { type: 'failed', id, feedError: err instanceof FeedError, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(answer);
});
// Imports done: from now on the runner's deadline measures reading, not starting.
port.postMessage({ type: 'ready' } satisfies IcsAnswer);
