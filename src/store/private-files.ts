// The delivery log's folder and files are the gateway's alone: the folder 0700, every file in it
// 0600 (the log holds logins, masked numbers and phone hashes; the folder also keeps secrets.json).
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Creates the folder of `file` 0700, or narrows an existing one the gateway owns to 0700 — except
 * the working directory itself (`store.path: byot.sqlite`), which is not the gateway's to lock.
 */
export function privateFolder(file: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: FOLDER_MODE });
  if (resolve(dir) === process.cwd()) return;
  narrow(dir, FOLDER_MODE);
}

/**
 * Creates `file` (empty) 0600 when absent, and narrows it and its SQLite companions (`-wal`,
 * `-shm`, `-journal`) to 0600 when present. SQLite gives the companions the main file's mode, so a
 * main file made 0600 first keeps every later one private too.
 */
export function privateSqliteFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(path)) narrow(path, FILE_MODE);
  }
}

function narrow(path: string, mode: number): void {
  if ((statSync(path).mode & 0o777) === mode) return;
  try {
    chmodSync(path, mode);
  } catch (err) {
    // A folder someone else owns (a mounted volume) stays as its owner set it.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}
