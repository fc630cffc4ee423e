// How the outgoing stream is doing, from the send transport's WebRTC stats: bitrate,
// frame rate, resolution, loss and round trip as the SFU reports them back (RTCP).
import type { HealthLevel, StreamHealth } from '../store/live-slice';

interface RtpStats {
  type: string;
  kind?: string;
  bytesSent?: number;
  framesPerSecond?: number;
  frameWidth?: number;
  frameHeight?: number;
  qualityLimitationReason?: string;
  packetsSent?: number;
  packetsLost?: number;
  roundTripTime?: number;
  fractionLost?: number;
}

/** Turns the numbers into a level and the warnings a host can act on. */
export function assessHealth(health: Omit<StreamHealth, 'level' | 'warnings'>): {
  level: HealthLevel;
  warnings: string[];
} {
  const warnings: string[] = [];
  let level: HealthLevel = 'good';
  const flag = (bad: boolean, text: string) => {
    warnings.push(text);
    level = bad || level === 'bad' ? 'bad' : 'warning';
  };
  if (health.fps < 20) flag(health.fps < 10, `Low frame rate (${health.fps.toFixed(0)} fps)`);
  if (health.videoKbps < 300) flag(health.videoKbps < 100, `Low video bitrate (${health.videoKbps} kbps)`);
  if (health.packetLoss > 0.02)
    flag(health.packetLoss > 0.1, `Packet loss ${(health.packetLoss * 100).toFixed(1)} %`);
  if (health.rttMs !== null && health.rttMs > 300)
    flag(health.rttMs > 1000, `High round trip (${health.rttMs} ms)`);
  if (health.qualityLimitation !== 'none' && health.qualityLimitation !== '')
    flag(false, `Quality limited by ${health.qualityLimitation}`);
  return { level, warnings };
}

/** Samples stats reports over time; bitrates need two samples, so the first one reads 0 kbps. */
export class StreamHealthSampler {
  private last = new Map<string, { bytes: number; at: number }>();

  sample(reports: { video: RTCStatsReport | null; audio: RTCStatsReport | null }): StreamHealth {
    const now = performance.now();
    const base = {
      videoKbps: 0,
      audioKbps: 0,
      fps: 0,
      width: 0,
      height: 0,
      packetLoss: 0,
      rttMs: null as number | null,
      qualityLimitation: 'none',
    };
    let sent = 0;
    let lost = 0;
    for (const [kind, report] of [
      ['video', reports.video],
      ['audio', reports.audio],
    ] as const) {
      report?.forEach((entry: RtpStats & { id: string }) => {
        if (entry.type === 'outbound-rtp') {
          const previous = this.last.get(entry.id);
          const bytes = entry.bytesSent ?? 0;
          this.last.set(entry.id, { bytes, at: now });
          const kbps =
            previous && now > previous.at
              ? Math.round(((bytes - previous.bytes) * 8) / (now - previous.at))
              : 0;
          sent += entry.packetsSent ?? 0;
          if (kind === 'audio') {
            base.audioKbps += kbps;
            return;
          }
          base.videoKbps += kbps;
          // With several encodings, report the biggest one.
          if ((entry.frameWidth ?? 0) >= base.width) {
            base.width = entry.frameWidth ?? 0;
            base.height = entry.frameHeight ?? 0;
            base.fps = entry.framesPerSecond ?? 0;
            base.qualityLimitation = entry.qualityLimitationReason ?? 'none';
          }
        } else if (entry.type === 'remote-inbound-rtp') {
          lost += Math.max(0, entry.packetsLost ?? 0);
          if (entry.roundTripTime !== undefined && kind === 'video')
            base.rttMs = Math.round(entry.roundTripTime * 1000);
        }
      });
    }
    base.packetLoss = sent + lost > 0 ? lost / (sent + lost) : 0;
    return { ...base, ...assessHealth(base) };
  }
}
