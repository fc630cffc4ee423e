// Free space where recordings go, and what the studio does about it: warn the host early,
// stop recording (never the stream) when it runs out.
import { statfsSync } from 'node:fs';
import type { DiskSpace } from '../../protocol/recording';

export interface DiskThresholds {
  warnBelowBytes: number;
  stopBelowBytes: number;
}

const MB = 1024 * 1024;
/** About 15 minutes of 720p30 at 2.5 Mbit/s is 280 MB: warn with an hour or more left. */
export const DEFAULT_DISK_THRESHOLDS: DiskThresholds = {
  warnBelowBytes: 2048 * MB,
  stopBelowBytes: 256 * MB,
};

/** Thresholds from SHOPCAST_RECORDING_WARN_FREE_MB / SHOPCAST_RECORDING_STOP_FREE_MB. */
export function diskThresholdsFromEnv(env: NodeJS.ProcessEnv = process.env): DiskThresholds {
  const mb = (text: string | undefined, fallback: number) => {
    const value = Number(text);
    return text !== undefined && text !== '' && Number.isFinite(value) && value >= 0 ? value * MB : fallback;
  };
  return {
    warnBelowBytes: mb(env.SHOPCAST_RECORDING_WARN_FREE_MB, DEFAULT_DISK_THRESHOLDS.warnBelowBytes),
    stopBelowBytes: mb(env.SHOPCAST_RECORDING_STOP_FREE_MB, DEFAULT_DISK_THRESHOLDS.stopBelowBytes),
  };
}

export function diskLevel(freeBytes: number, t: DiskThresholds): DiskSpace['level'] {
  if (freeBytes < t.stopBelowBytes) return 'full';
  return freeBytes < t.warnBelowBytes ? 'low' : 'ok';
}

export function freeBytesAt(dir: string): number {
  const stats = statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

export function diskSpaceAt(dir: string, t: DiskThresholds): DiskSpace {
  const freeBytes = freeBytesAt(dir);
  return { freeBytes, ...t, level: diskLevel(freeBytes, t) };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.round(bytes / MB)} MB`;
}
