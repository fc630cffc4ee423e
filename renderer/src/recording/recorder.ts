// The one owner of the window's MediaRecorder: records the program (exactly what viewers
// get, AR included) and the microphone while the show is live, and streams each chunk to
// the studio services as raw bytes (appendRecordingChunk), which write it to disk at once.
import { MAX_RECORDING_CHUNK_BYTES } from '../../../protocol/recording';
import type { StudioApi } from '../../../protocol/contract';
import { StudioError } from '../../../protocol/rpc';
import { capture, program } from '../media/studio-media';
import { useStudioStore } from '../store';
import type { RecordingSlice } from '../store/recording-slice';
import type { StudioLink } from '../studio-client';

/** A chunk a second: a crash loses about that much. */
const TIMESLICE_MS = 1000;
const VIDEO_BITS_PER_SECOND = 2_500_000;
/** Chunks waiting for the studio services (link down) beyond this stop the recording. */
const MAX_QUEUED_BYTES = 128 * 1024 * 1024;
const MIME_TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'];

const setRecording = (patch: Partial<Omit<RecordingSlice, 'setRecording'>>) =>
  useStudioStore.getState().setRecording(patch);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Run {
  showId: string;
  part: number;
  recorder: MediaRecorder;
  queue: Blob[];
  queuedBytes: number;
  offset: number;
  pumping: Promise<void> | null;
  stopped: boolean;
}

export class ShowRecorder {
  private run: Run | null = null;
  private starting = false;

  constructor(private readonly api: StudioApi) {}

  /** Records while the show is live; reconnecting keeps recording (the program goes on). */
  follow(phase: string, showId: string | null): void {
    const onAir = phase === 'live' || phase === 'reconnecting';
    if (onAir && showId && !this.run && !this.starting) void this.start(showId);
    else if ((!onAir || showId !== this.run?.showId) && this.run && phase !== 'connecting') void this.stop();
  }

  private async start(showId: string): Promise<void> {
    this.starting = true;
    try {
      const video = program().captureStream().getVideoTracks()[0];
      const audio = capture.microphone?.getAudioTracks()[0];
      if (!video) throw new Error('the program has no video track');
      const mimeType = MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
      if (!mimeType) throw new Error('this browser cannot record WebM');
      const stream = new MediaStream(audio ? [video, audio] : [video]);
      const recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: VIDEO_BITS_PER_SECOND });
      const { part } = await this.api.startRecording({ showId, mimeType, startedAt: Date.now() });
      const run: Run = {
        showId,
        part,
        recorder,
        queue: [],
        queuedBytes: 0,
        offset: 0,
        pumping: null,
        stopped: false,
      };
      recorder.ondataavailable = (event) => {
        if (event.data.size === 0) return;
        run.queue.push(event.data);
        run.queuedBytes += event.data.size;
        if (run.queuedBytes > MAX_QUEUED_BYTES) {
          setRecording({ recorderProblem: 'The studio services are not taking the recording; it stopped.' });
          void this.stop();
        }
        this.pump(run);
      };
      recorder.onerror = () => {
        setRecording({ recorderProblem: 'The recorder failed; the show goes on without recording.' });
        void this.stop();
      };
      this.run = run;
      recorder.start(TIMESLICE_MS);
      setRecording({ recorderState: 'recording', recorderProblem: null });
    } catch (error) {
      setRecording({ recorderState: 'off', recorderProblem: `Not recording: ${messageOf(error)}` });
    } finally {
      this.starting = false;
    }
  }

  /** Stops the MediaRecorder, sends what it still had, and closes the part. */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run || run.stopped) return;
    run.stopped = true;
    setRecording({ recorderState: 'stopping' });
    if (run.recorder.state !== 'inactive') {
      const stopped = new Promise((resolve) =>
        run.recorder.addEventListener('stop', resolve, { once: true }),
      );
      run.recorder.stop();
      await stopped;
    }
    // The last dataavailable comes before 'stop'.
    while (run.pumping || run.queue.length) await (run.pumping ?? this.pump(run));
    await this.api.finishRecording({ showId: run.showId, part: run.part }).catch((error: unknown) => {
      setRecording({ recorderProblem: `Could not close the recording: ${messageOf(error)}` });
    });
    if (this.run === run) this.run = null;
    setRecording({ recorderState: 'off' });
  }

  /** Sends queued chunks in order, in pieces under the frame limit; retries while the link is down. */
  private pump(run: Run): Promise<void> {
    run.pumping ??= (async () => {
      while (run.queue.length) {
        const blob = run.queue[0]!;
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let start = 0;
        while (start < bytes.byteLength) {
          const piece = bytes.subarray(start, start + MAX_RECORDING_CHUNK_BYTES);
          const answer = await this.send(run, piece);
          if (!answer) return;
          start += piece.byteLength;
        }
        run.queue.shift();
        run.queuedBytes -= blob.size;
      }
    })().finally(() => {
      run.pumping = null;
    });
    return run.pumping;
  }

  /** One piece, sent until the services take it; false when the recording must stop. */
  private async send(run: Run, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.api.appendRecordingChunk({
          showId: run.showId,
          part: run.part,
          offset: run.offset,
          bytes,
        });
        run.offset = answer.offset;
        if (!answer.accepting) {
          setRecording({ recorderProblem: answer.reason ?? 'The studio stopped the recording.' });
          run.queue.length = 0;
          void this.stop();
          return false;
        }
        return true;
      } catch (error) {
        // Only a lost link is worth waiting for; anything else ends this part.
        if (!(error instanceof StudioError && error.code === 'unavailable') || run.queue.length === 0) {
          setRecording({ recorderProblem: `Recording stopped: ${messageOf(error)}` });
          run.queue.length = 0;
          void this.stop();
          return false;
        }
        await sleep(Math.min(250 * attempt, 2000));
      }
    }
  }
}

let instance: ShowRecorder | null = null;

/** Records the live show in this window and mirrors the services' recording status. */
export function startRecorder(link: StudioLink): ShowRecorder {
  instance ??= new ShowRecorder(link.api);
  const recorder = instance;
  const set = useStudioStore.getState().setRecording;
  link.api.on('recording', (recordingStatus) => set({ recordingStatus }));
  link.onLinkState((state) => {
    if (state === 'connected')
      void link.api
        .getRecordingStatus({})
        .then((recordingStatus) => set({ recordingStatus }))
        .catch(() => {});
  });
  // ?record=off goes live without recording (benchmarks compare the CPU of both).
  if (new URLSearchParams(window.location.search).get('record') === 'off') return recorder;
  useStudioStore.subscribe((state, previous) => {
    if (state.livePhase !== previous.livePhase || state.liveShowId !== previous.liveShowId)
      recorder.follow(state.livePhase, state.liveShowId);
  });
  return recorder;
}
