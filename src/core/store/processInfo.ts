import os from 'node:os';

/** This machine's name as recorded in journals and the lock. */
export const thisHost = os.hostname();

/**
 * Whether `pid` is a live process on `host`. For another host we cannot tell, so the caller decides
 * from file ages instead; this returns undefined then.
 */
export function isProcessAlive(pid: number, host: string): boolean | undefined {
  if (host !== thisHost) return undefined;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
