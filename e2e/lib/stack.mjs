// Starts and stops `scripts/develop` (Home Assistant + the Dexcom simulator)
// as a person would, and inspects what is left of it afterwards.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HA_URL = 'http://127.0.0.1:8123';
export const SIMULATOR_URL = 'http://127.0.0.1:8765';
export const PORTS = [8123, 8765];
// A configuration of its own, so a run never touches the developer's config/.
export const CONFIG_DIR = join(REPO, 'e2e', '.run', 'config');
const READY_LINE = 'Ctrl-C stops both.';

/** Where scripts/_env.sh keeps the root filesystem. */
export function cacheDir() {
  if (process.env.DEXCOM_OAUTH_CACHE) return resolve(process.env.DEXCOM_OAUTH_CACHE);
  const base = process.env.XDG_CACHE_HOME || join(process.env.HOME || homedir(), '.cache');
  return resolve(base, 'dexcom_oauth');
}

/** Mount points (octal escapes decoded) from /proc/mounts. */
export function mountPoints() {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[1].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))));
}

/** Mount points inside the cache directory or the repository. */
export function projectMounts() {
  const cache = cacheDir();
  return mountPoints().filter(
    (point) => point === cache || point.startsWith(`${cache}/`) || point.startsWith(`${REPO}/`),
  );
}

/** Pids of live processes whose session or process group is one of ids. */
export function processesIn(ids) {
  const wanted = new Set(ids.map(String));
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // pid (comm) state ppid pgrp session ...; comm may hold spaces or parentheses.
    const [state, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && (wanted.has(pgrp) || wanted.has(session))) found.push(Number(name));
  }
  return found;
}

/** True when something accepts connections on 127.0.0.1:port. */
export function listening(port) {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

export class Stack {
  constructor() {
    this.logDir = mkdtempSync(join(tmpdir(), 'dexcom-e2e-'));
    this.logPath = join(this.logDir, 'develop.log');
    this.child = null;
    this.exit = null;
    this.childPids = [];
  }

  /** What scripts/develop printed so far. */
  log() {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  /** The end of Home Assistant's own log, for failure messages. */
  haLogTail(lines = 80) {
    const path = join(CONFIG_DIR, 'home-assistant.log');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }

  /** Start scripts/develop on a fresh configuration; resolve once it says it is ready. */
  async start(timeoutMs) {
    rmSync(CONFIG_DIR, { recursive: true, force: true });
    const out = openSync(this.logPath, 'a');
    this.child = spawn(join(REPO, 'scripts', 'develop'), [], {
      cwd: REPO,
      detached: true, // its own process group: signals reach only what we send
      stdio: ['ignore', out, out],
      env: { ...process.env, DEXCOM_DEVELOP_CONFIG: CONFIG_DIR },
    });
    closeSync(out);
    this.exited = new Promise((done) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        done(this.exit);
      });
    });
    const deadline = Date.now() + timeoutMs;
    while (!this.log().includes(READY_LINE)) {
      if (this.exit) throw new Error(`scripts/develop exited (${JSON.stringify(this.exit)}):\n${this.log()}`);
      if (Date.now() > deadline) throw new Error(`scripts/develop not ready in ${timeoutMs} ms:\n${this.log()}`);
      await sleep(500);
    }
    const started = this.log().match(/simulator \(pid (\d+)\) and Home Assistant \(pid (\d+)\)/);
    this.childPids = started ? [Number(started[1]), Number(started[2])] : [];
  }

  /** SIGTERM to scripts/develop (by pid), as Ctrl-C would; resolve with its exit. */
  async stop(timeoutMs) {
    if (!this.child || this.exit) return this.exit;
    process.kill(this.child.pid, 'SIGTERM');
    const timeout = new AbortController();
    const timer = sleep(timeoutMs, null, { signal: timeout.signal }).catch(() => null);
    const exit = await Promise.race([this.exited, timer]);
    timeout.abort();
    if (exit === null) {
      // Last resort, so a failed run leaves nothing behind; the test still fails.
      for (const pid of [...this.childPids, this.child.pid]) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      throw new Error(`scripts/develop did not stop within ${timeoutMs} ms:\n${this.log()}`);
    }
    return exit;
  }

  /** Pids of anything still running from the stack. */
  leftovers() {
    if (!this.child) return [];
    return processesIn([this.child.pid, ...this.childPids]);
  }
}
