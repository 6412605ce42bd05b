/**
 * Worker-thread side of the stream measurement (see `stream` in load.ts): downloads one
 * unpaged search, counting rows as the bytes arrive without ever holding the body, and
 * samples the whole process's RSS every 50 ms on this thread's own event loop.
 */
import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { Stream, Target } from './load.js';

const MiB = 1024 * 1024;

function download(t: Target): Promise<Stream> {
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sample = () => { rssPeak = Math.max(rssPeak, process.memoryUsage.rss()); };
  const sampler = setInterval(sample, 50);
  const payload = t.body === undefined ? undefined : JSON.stringify(t.body);
  const started = performance.now();
  return new Promise<Stream>((resolve, reject) => {
    const fail = (err: Error) => { clearInterval(sampler); reject(err); };
    const req = request(t.url, {
      method: t.method ?? 'POST',
      headers: {
        ...t.headers,
        ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
      },
    }, (res) => {
      let firstByteMs = -1;
      let rows = 0;
      let bytes = 0;
      let carry = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - started;
        bytes += Buffer.byteLength(chunk);
        // Each row is one object starting {"ID": ; a short tail carried over still counts a split marker.
        const text = carry + chunk;
        rows += occurrences(text, '{"ID":');
        carry = text.slice(-5);
      });
      res.on('end', () => {
        clearInterval(sampler);
        sample();
        resolve({
          status: res.statusCode ?? 0, rows, bytes, firstByteMs, ms: performance.now() - started,
          rssBeforeMiB: rssBefore / MiB, rssPeakMiB: rssPeak / MiB,
        });
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(payload);
  });
}

function occurrences(text: string, marker: string): number {
  let n = 0;
  for (let i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + marker.length)) n++;
  return n;
}

if (parentPort) {
  const port = parentPort;
  download(workerData as Target).then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
}
