// The container work on recordings, with mediabunny (a maintained TypeScript library that
// reads and writes Matroska/WebM; see docs/recording.md for why it was chosen). MediaRecorder's
// WebM is a live stream: no duration, no cues, and after a crash a cut-off last cluster.
// A packet-for-packet copy into a new file gives it both and drops the cut-off tail.
import {
  ALL_FORMATS,
  EncodedAudioPacketSource,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  FilePathSource,
  FilePathTarget,
  Input,
  Output,
  WebMOutputFormat,
  type AudioCodec,
  type InputTrack,
  type VideoCodec,
} from 'mediabunny';

export interface WebmPart {
  path: string;
  /** Where the part starts on the joined recording's time line. */
  offsetMs: number;
}

export interface JoinedWebm {
  durationMs: number;
  /** Parts left out (unreadable, empty, or in another codec than the first part), with why. */
  skipped: { path: string; reason: string }[];
}

interface ReadablePart {
  part: WebmPart;
  input: Input;
  tracks: InputTrack[];
}

async function openPart(part: WebmPart): Promise<ReadablePart> {
  const input = new Input({ source: new FilePathSource(part.path), formats: ALL_FORMATS });
  const tracks = (await input.getTracks()).filter((t) => t.isVideoTrack() || t.isAudioTrack());
  return { part, input, tracks };
}

/**
 * Copies the parts, each shifted to its offset, into one WebM with a duration and cues. The
 * first readable part sets the tracks; later parts add packets to the tracks of the same type
 * and codec.
 */
export async function joinWebmParts(parts: WebmPart[], destination: string): Promise<JoinedWebm> {
  const skipped: JoinedWebm['skipped'] = [];
  const readable: ReadablePart[] = [];
  for (const part of parts) {
    try {
      const opened = await openPart(part);
      if (opened.tracks.length === 0) throw new Error('no audio or video in it');
      readable.push(opened);
    } catch (error) {
      skipped.push({ path: part.path, reason: (error as Error).message });
    }
  }
  const first = readable[0];
  if (!first) throw new Error(`no readable recording part (${skipped.map((s) => s.reason).join('; ')})`);

  const output = new Output({ format: new WebMOutputFormat(), target: new FilePathTarget(destination) });
  const outputs: {
    type: 'video' | 'audio';
    codec: string;
    source: EncodedVideoPacketSource | EncodedAudioPacketSource;
    configured: boolean;
  }[] = [];
  for (const track of first.tracks) {
    const codec = await track.getCodec();
    if (!codec) continue;
    if (track.isVideoTrack()) {
      const source = new EncodedVideoPacketSource(codec as VideoCodec);
      output.addVideoTrack(source);
      outputs.push({ type: 'video', codec, source, configured: false });
    } else {
      const source = new EncodedAudioPacketSource(codec as AudioCodec);
      output.addAudioTrack(source);
      outputs.push({ type: 'audio', codec, source, configured: false });
    }
  }
  await output.start();

  let endSeconds = 0;
  try {
    for (const { part, tracks } of readable) {
      const copies: Promise<void>[] = [];
      for (const track of tracks) {
        const codec = await track.getCodec();
        const target = outputs.find((o) => o.type === track.type && o.codec === codec);
        if (!target) {
          skipped.push({
            path: part.path,
            reason: `its ${track.type} is ${codec ?? 'unknown'}, not as before`,
          });
          continue;
        }
        const config = target.configured ? undefined : await decoderConfigOf(track);
        copies.push(
          (async () => {
            const shift = part.offsetMs / 1000;
            for await (const packet of new EncodedPacketSink(track).packets()) {
              const shifted = packet.clone({ timestamp: packet.timestamp + shift });
              if (!target.configured && config) {
                if (target.source instanceof EncodedVideoPacketSource)
                  await target.source.add(shifted, { decoderConfig: config as VideoDecoderConfig });
                else await target.source.add(shifted, { decoderConfig: config as AudioDecoderConfig });
                target.configured = true;
              } else {
                await target.source.add(shifted);
              }
              endSeconds = Math.max(endSeconds, shifted.timestamp + shifted.duration);
            }
          })(),
        );
      }
      await Promise.all(copies);
    }
    await output.finalize();
  } catch (error) {
    await output.cancel().catch(() => {});
    throw error;
  } finally {
    for (const { input } of readable) input.dispose();
  }
  return { durationMs: Math.round(endSeconds * 1000), skipped };
}

function decoderConfigOf(track: InputTrack): Promise<VideoDecoderConfig | AudioDecoderConfig | null> {
  if (track.isVideoTrack()) return track.getDecoderConfig();
  if (track.isAudioTrack()) return track.getDecoderConfig();
  return Promise.resolve(null);
}

/** Duration of a (sealed) WebM file, in ms. */
export async function webmDurationMs(path: string): Promise<number> {
  const input = new Input({ source: new FilePathSource(path), formats: ALL_FORMATS });
  try {
    return Math.round((await input.computeDuration()) * 1000);
  } finally {
    input.dispose();
  }
}
