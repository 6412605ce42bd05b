/** The real server process, for the tests that need one (start-up, restarts, outages). */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Started {
  child: ChildProcess;
  log: string[];
  url: string;
}

/** Starts the real entry point and waits for its start-up log. */
export async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    // A deadline for a server that never comes up (not a wait: the test goes on at its last start-up line).
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join('\n')}`)), 120_000);
    let url: string | undefined;
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        let msg = line;
        try {
          msg = JSON.parse(line).msg ?? line;
        } catch {
          /* plain line */
        }
        log.push(msg);
        url ??= /listening on (http:\/\/\S+)\/api\/v2\.1/.exec(msg)?.[1];
        if (url && /^migrations: /.test(msg)) {
          clearTimeout(timer);
          resolve({ child, log, url });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log.join('\n')}`));
    });
  });
}

export async function stop(s: Started): Promise<void> {
  s.child.removeAllListeners('exit');
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

export async function call(url: string, path: string, init: RequestInit = {}) {
  return fetch(`${url}/api/v2.1${path}`, init);
}
